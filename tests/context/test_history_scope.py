"""Where a history scope ends (issue 12): an inline label at its line end, a history cue at the
presentation. Sentences are written for the tests, not taken from the benchmark kit."""
from __future__ import annotations

import pytest

from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.segment import Segmenter
from tests.context.one_mention import temporality


@pytest.mark.parametrize("text, target, expected", [
    # an inline label ends at its line end when the next line opens new prose
    ("PMH: asthma\nHe presents with pneumonia.", "pneumonia", "Recent"),
    ("PMH: asthma\nHe presents with pneumonia.", "asthma", "Historical"),
    ("Hx: gout\nToday swollen knee.", "swollen knee", "Recent"),
    # a list under the label, or a wrapped lower-case line, continues it
    ("PMH: asthma\n- COPD\n- hypertension", "hypertension", "Historical"),
    ("PMH: asthma, COPD,\n  hypertension", "hypertension", "Historical"),
    # a heading on its own line keeps its section to the blank line
    ("Past medical history:\nAsthma\nCOPD\n\nChest pain today.", "COPD", "Historical"),
    ("Past medical history:\nAsthma\nCOPD\n\nChest pain today.", "Chest pain", "Recent"),
])
def test_inline_labels_end_at_their_line(clf, text, target, expected):
    assert temporality(clf, text, target) == expected


def test_section_of_inline_label_stops_before_next_capitalised_line():
    seg = Segmenter(ContextClassifier().rules.sections, ()).split("PMH: asthma\nHe has pneumonia.")
    (section,) = seg.sections
    assert section.heading == "pmh" and section.end == len("PMH: asthma")


@pytest.mark.parametrize("text, target", [
    ("History of COPD with presentation of pneumonia.", "pneumonia"),
    ("Known history of asthma, presents with pneumonia.", "pneumonia"),
    ("History of angina, comes in with chest pain.", "chest pain"),
    ("History of angina, came in with chest pain.", "chest pain"),
    ("Previous DVT; today swollen calf.", "swollen calf"),
])
def test_history_scope_ends_at_the_presentation(clf, text, target):
    assert temporality(clf, text, target) == "Recent"


@pytest.mark.parametrize("text, target, expected", [
    # a numbered or bulleted list set apart by blank lines stays under its heading ...
    ("PAST MEDICAL HISTORY:\n1. Hypertension.\n\n2. Diabetes.\n\n3. Gout.\n\nHe presents with pneumonia.",
     "Gout", "Historical"),
    ("Past surgical history:\n\n- Appendicectomy\n\n- Cholecystectomy\n\nToday: abdominal pain.",
     "Cholecystectomy", "Historical"),
    # ... and ends at the first blank line followed by prose
    ("PAST MEDICAL HISTORY:\n1. Hypertension.\n\n2. Diabetes.\n\nHe presents with pneumonia.",
     "pneumonia", "Recent"),
    # prose under the heading still ends at the blank line, even when an item follows later
    ("Past medical history:\nAsthma.\n\n1. Pneumonia today.", "Pneumonia", "Recent"),
])
def test_blank_line_separated_list_keeps_its_section(clf, text, target, expected):
    assert temporality(clf, text, target) == expected


@pytest.mark.parametrize("text, target, expected", [
    ("Past Medical History\nHypertension\nDiabetes\n\nPresenting complaint\nChest pain", "Diabetes", "Historical"),
    ("Past Medical History\nHypertension\nDiabetes\n\nPresenting complaint\nChest pain", "Chest pain", "Recent"),
    ("PSH\nAppendicectomy", "Appendicectomy", "Historical"),
    # the words inside a sentence, or a line with more on it, are no heading
    ("He has a past medical history\nof asthma and now has pneumonia.", "pneumonia", "Recent"),
    ("Medical history reviewed today\nPneumonia on the chest film.", "Pneumonia", "Recent"),
])
def test_known_heading_alone_on_its_line_opens_a_section(clf, text, target, expected):
    assert temporality(clf, text, target) == expected


def test_heading_without_colon_is_split_from_its_content():
    seg = Segmenter(ContextClassifier().rules.sections, ()).split("Intro.\nPast medical history\nAsthma\n\nToday well.")
    (section,) = seg.sections
    assert section.heading == "past medical history"
    assert seg.sentence_of(seg.sections[0].start + 1)[0] >= section.start
