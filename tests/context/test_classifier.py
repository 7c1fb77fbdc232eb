"""Rule-based ConText: scope, termination, pseudo-triggers, sections, several targets per sentence."""
from __future__ import annotations

import pytest


def label(clf, text: str, *targets: str):
    spans = []
    for t in targets:
        start = text.index(t)
        spans.append((start, start + len(t)))
    return clf.classify(text, spans)


def test_forward_negation_covers_a_list(clf):
    text = "He denies any palpitations, shortness of breath, chest pain or headache."
    labels = label(clf, text, "palpitations", "chest pain", "headache")
    assert [lab.negation for lab in labels] == ["Negated"] * 3
    assert labels[0].triggers["negation"] == "denies"
    assert labels[0].sources["negation"] == "rules"


def test_backward_negation_and_affirmed_default(clf):
    labels = label(clf, "Pneumonia was ruled out. Cellulitis of the left leg.", "Pneumonia", "Cellulitis")
    assert labels[0].negation == "Negated"
    assert labels[1].negation == "Affirmed"  # next sentence: out of scope


def test_termination_stops_scope(clf):
    text = "No fever but has productive cough."
    fever, cough = label(clf, text, "fever", "cough")
    assert fever.negation == "Negated"
    assert cough.negation == "Affirmed"


@pytest.mark.parametrize("text,target", [
    ("There is no increase in the pleural effusion.", "pleural effusion"),
    ("The rash is not only on the arms but also on the legs.", "rash"),
    ("Gram negative sepsis was treated.", "sepsis"),
    ("She walked without difficulty despite her osteoarthritis.", "osteoarthritis"),
])
def test_pseudo_triggers_do_not_negate(clf, text, target):
    assert label(clf, text, target)[0].negation == "Affirmed"


def test_multiple_targets_one_sentence_mixed(clf):
    text = "History of appendicectomy, now presents with pneumonia and no haemoptysis."
    appx, pneu, haem = label(clf, text, "appendicectomy", "pneumonia", "haemoptysis")
    assert appx.temporality == "Historical"
    assert pneu.temporality == "Recent" and pneu.negation == "Affirmed"
    assert haem.negation == "Negated"


def test_hypothetical_and_query(clf):
    text = "Return to the emergency department if she develops chest pain or fever."
    assert {lab.temporality for lab in label(clf, text, "chest pain", "fever")} == {"Hypothetical"}
    assert label(clf, "Impression: ?appendicitis.", "appendicitis")[0].temporality == "Uncertain"


def test_family_experiencer_and_patient_pseudo(clf):
    mother, = label(clf, "Her mother has asthma.", "asthma")
    assert mother.experiencer == "Other"
    reported, = label(clf, "Her mother reports that he has chest pain.", "chest pain")
    assert reported.experiencer == "Patient"


def test_section_headings_set_temporality_and_experiencer(clf):
    note = ("Presenting complaint: chest pain.\n"
            "Past medical history:\n- Type 2 diabetes\n- Appendicectomy 1990\n"
            "Family history: Ischaemic heart disease.\n"
            "Plan: Colonoscopy.\n")
    pain, dm, appx, ihd, colon = label(clf, note, "chest pain", "Type 2 diabetes", "Appendicectomy", "Ischaemic",
                                       "Colonoscopy")
    assert pain.temporality == "Recent"
    assert dm.temporality == "Historical" and dm.triggers["temporality"] == "section: past medical history"
    assert appx.temporality == "Historical"
    assert ihd.experiencer == "Other" and ihd.temporality == "Recent"
    assert colon.temporality == "Hypothetical"


def test_section_ends_at_blank_line_and_trigger_beats_section(clf):
    note = "PMH:\nAsthma. No diabetes.\n\nToday she has pneumonia."
    asthma, dm, pneu = label(clf, note, "Asthma", "diabetes", "pneumonia")
    assert asthma.temporality == "Historical"
    assert dm.negation == "Negated" and dm.temporality == "Historical"
    assert pneu.temporality == "Recent"


def test_sentence_split_limits_scope(clf):
    text = "No chest pain. Dr. Smith found atrial fibrillation."
    _, af = label(clf, text, "chest pain", "atrial fibrillation")
    assert af.negation == "Affirmed"


def test_trigger_opening_the_span_counts(clf):
    lab, = label(clf, "Status post CABG.", "Status post CABG")
    assert lab.temporality == "Historical"


def test_bad_span_is_an_input_error(clf):
    from coding_toolkit.errors import InputError

    with pytest.raises(InputError, match=r"mention #0: span \(5, 50\)"):
        clf.classify("short", [(5, 50)])


def test_speed_thousands_per_second(clf):
    import time

    note = ("Past medical history: hypertension, type 2 diabetes, previous appendicectomy.\n"
            "He denies chest pain, shortness of breath or palpitations. No fever. "
            "His mother has asthma. Return if he develops chest pain.\n") * 10
    spans = [(m, m + 12) for m in range(0, len(note) - 12, 25)]
    clf.classify(note, spans)
    start = time.perf_counter()
    for _ in range(5):
        clf.classify(note, spans)
    rate = 5 * len(spans) / (time.perf_counter() - start)
    assert rate > 2000, rate
