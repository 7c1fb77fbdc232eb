"""Consent text names complications in more ways than "risks of": "potential complications of the operation
... include", "complications of the procedure were discussed", "side effects include". The items listed
are not the patient's conditions; a complication that happened ("complicated by", "complications: DVT",
"complications ... included") stays the patient's. Sentences are written for the tests, not taken from
any benchmark."""
from __future__ import annotations

import pytest

from tests.context.one_mention import temporality


@pytest.mark.parametrize("text, target", [
    # the head noun runs on to the verb: "of <operation> <to whom> <how> ... include(ing)"
    ("I explained the potential complications of a total knee replacement to him at length and these include "
     "bleeding, infection, stiffness, deep vein thrombosis and pulmonary embolism.", "pulmonary embolism"),
    ("We went through the risks and possible complications of a mastectomy with her today including "
     "bleeding, seroma, wound infection, lymphoedema and DVT.", "DVT"),
    ("Possible complications of the operation such as bleeding, infection, hernia and pulmonary embolism "
     "were discussed.", "pulmonary embolism"),
    # "complications of the procedure were discussed", then the list
    ("Complications of the procedure were discussed with her, including bleeding, infection, perforation, "
     "stroke and myocardial infarction.", "myocardial infarction"),
    ("The risks and complications of surgery have been explained: bleeding, infection, nerve damage, "
     "DVT and PE.", "PE"),
    ("Side effects include nausea, diarrhoea, hair loss, neutropenia and peripheral neuropathy.",
     "peripheral neuropathy"),
    ("Side effects of methotrexate were explained to her, such as nausea, mouth ulcers, pneumonitis and hepatitis.",
     "hepatitis"),
])
def test_the_items_of_a_consent_complication_list_are_hypothetical(clf, text, target):
    assert temporality(clf, text, target) == "Hypothetical"


@pytest.mark.parametrize("text, target", [
    ("Her recovery was complicated by a DVT and a chest infection.", "DVT"),
    ("Post-operative complications: DVT, wound infection.", "DVT"),
    ("Complications of the surgery included a DVT and a wound infection.", "wound infection"),
    # a statement inside the head noun phrase: these side effects happened
    ("Side effects he has had include nausea and peripheral neuropathy.", "peripheral neuropathy"),
    ("Complications of his diabetes were reviewed today, he has retinopathy, neuropathy and CKD.", "CKD"),
    # risk factors are the patient's history, not a consent list
    ("Risk factors include smoking, hypertension and type 2 diabetes.", "smoking"),
])
def test_a_complication_that_happened_is_not_made_hypothetical(clf, text, target):
    assert temporality(clf, text, target) != "Hypothetical"
