"""Future procedures and the reason clause that ends their scope (issue 12). Sentences are written
for the tests, not taken from the benchmark kit."""
from __future__ import annotations

import pytest

from tests.context.one_mention import temporality


@pytest.mark.parametrize("text, target", [
    ("He will undergo cholecystectomy next month.", "cholecystectomy"),
    ("She is due to have a hip replacement.", "hip replacement"),
    ("Planned for coronary angiography.", "coronary angiography"),
    ("On the waiting list for cataract surgery.", "cataract surgery"),
    ("He was offered a colonoscopy.", "colonoscopy"),
    ("Scheduled for TURP.", "TURP"),
])
def test_future_procedures_are_hypothetical(clf, text, target):
    assert temporality(clf, text, target) == "Hypothetical"


@pytest.mark.parametrize("text, target", [
    ("Referred for colonoscopy for iron deficiency anaemia.", "iron deficiency anaemia"),
    ("He will undergo cholecystectomy because of gallstones.", "gallstones"),
    ("She will need a pacemaker for complete heart block.", "complete heart block"),
    ("Listed for TURP due to benign prostatic hyperplasia.", "benign prostatic hyperplasia"),
])
def test_the_reason_for_a_planned_procedure_is_the_patients_condition(clf, text, target):
    assert temporality(clf, text, target) == "Recent"


@pytest.mark.parametrize("text, target", [
    # cues that end in "for" are longer than the terminator and win
    ("Screening for bowel cancer.", "bowel cancer"),
    ("Watch for signs of infection.", "infection"),
    ("At risk for falls.", "falls"),
    ("Prophylaxis for DVT.", "DVT"),
])
def test_cues_ending_in_for_keep_their_scope(clf, text, target):
    assert temporality(clf, text, target) == "Hypothetical"


@pytest.mark.parametrize("text, target, expected", [
    ("Options such as surgery or surveillance were discussed.", "surgery", "Hypothetical"),
    ("She is agreeable to a colonoscopy next month.", "colonoscopy", "Hypothetical"),
    ("He wishes to proceed with hernia repair.", "hernia repair", "Hypothetical"),
    ("We will bring her back for a further resection of the bladder tumour.", "resection", "Hypothetical"),
    ("The possibility of a repeat biopsy was raised.", "biopsy", "Uncertain"),
    # done, not offered: the operation and the condition it treated stay as they are
    ("We proceeded with hernia repair under general anaesthetic.", "hernia repair", "Recent"),
    ("He is agreeable, and his hernia was repaired.", "hernia", "Recent"),
])
def test_options_offered_and_procedures_agreed_to_are_not_done(clf, text, target, expected):
    assert temporality(clf, text, target) == expected
