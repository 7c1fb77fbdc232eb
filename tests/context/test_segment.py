"""Sentence cuts and headings: at the note start, after two spaces or a new line, inline, list markers."""
from __future__ import annotations

import pytest

from coding_toolkit.context.classifier import ContextClassifier


@pytest.fixture(scope="module")
def segmenter():
    return ContextClassifier()._segmenter


def test_inline_list_markers_cut_after_white_space_only(segmenter):
    text = "Meds: 1) aspirin 2) statin 12) x 112) y"
    starts = segmenter.split(text).sentence_starts
    assert [text[s:s + 3] for s in starts] == ["Med", " 1)", "1) ", "2) ", "12)"]  # not at "112)"


def test_headings_at_note_start_after_two_spaces_and_new_line(segmenter):
    text = "PAST MEDICAL HISTORY: asthma.  FAMILY HISTORY: mother had MI.\nPmh: copd"
    sections = segmenter.split(text).sections
    assert [(s.heading, text[s.start:s.end].strip()) for s in sections] == [
        ("past medical history", "asthma."), ("family history", "mother had MI."), ("pmh", "copd")]
    # after a word and one space a lower-case heading is not a line start; after ". " it is
    assert [s.heading for s in segmenter.split("Seen today pmh: copd").sections] == []
    assert [s.heading for s in segmenter.split("Seen today. pmh: copd").sections] == ["pmh"]


def test_inline_upper_case_heading_after_other_words(segmenter):
    text = "Seen today. DISCHARGE SUMMARY PAST MEDICAL HISTORY: asthma"
    segments = segmenter.split(text)
    assert [s.heading for s in segments.sections] == ["past medical history"]
    assert segments.section_of(text.index("asthma")).sets == {"temporality": "Historical"}


def test_every_heading_names_the_section_under_it_but_only_task_headings_set_labels(segmenter):
    text = "Discharge diagnosis: pneumonia\nPMH: asthma\n\nSEEN TODAY. SUSPECTED DIAGNOSIS: gout"
    segments = segmenter.split(text)
    under = [segments.under(text.index(w)) for w in ("pneumonia", "asthma", "gout")]
    assert [(s.heading, s.phrase) for s in under] == [
        ("discharge diagnosis", "discharge diagnosis"), ("pmh", "pmh"), ("diagnosis", "suspected diagnosis")]
    assert [s.heading for s in segments.sections] == ["pmh"]  # the one that sets a task
    assert segments.section_of(text.index("pneumonia")) is None


def test_the_classifier_gives_each_span_its_heading_as_written():
    text = "Reason for admission: pneumonia. DIFFERENTIAL DIAGNOSIS: PE\n\nAsthma."
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("pneumonia", "PE", "Asthma")]
    labels, headings = ContextClassifier().classify_with_headings(text, spans)
    assert headings == ["reason for admission", "differential diagnosis", None]
    # the differential's section sets its list Uncertain; the others keep their labels
    assert [lab.temporality for lab in labels] == ["Recent", "Uncertain", "Recent"]


def test_a_qualified_diagnosis_heading_mid_line_ends_the_main_one(segmenter):
    text = "Diagnosis: pneumonia.  Working diagnosis: pulmonary embolism"
    segments = segmenter.split(text)
    assert [segments.under(text.index(w)).heading for w in ("pneumonia", "pulmonary")] == [
        "diagnosis", "working diagnosis"]


def test_a_main_diagnosis_heading_alone_on_its_line_opens_its_section(segmenter):
    text = "Final diagnosis\n1. Community acquired pneumonia\n2. Atrial fibrillation\n\nPlan: home."
    segments = segmenter.split(text)
    assert [segments.under(text.index(w)).heading for w in ("Community", "Atrial")] == ["final diagnosis"] * 2
    assert segments.under(text.index("home")).heading == "plan"
