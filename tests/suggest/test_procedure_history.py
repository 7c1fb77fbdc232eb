"""A procedure told in the history of the presenting illness was done before this episode: not coded as done."""
from __future__ import annotations

from coding_toolkit.suggest import CodingRules, review_mentions, suggestions_for

from .helpers import kept, row

CYSTOSCOPY = [row("386745004", "M459", system="OPCS-4")]
KNEE_REPLACEMENT = [row("609588000", "W409", system="OPCS-4")]
HAEMATURIA = [row("34436003", "R31X")]
OFF = CodingRules.load(overrides={"procedures_in_history": False})


def _codes(mentions, headings, rules=None):
    reviewed = review_mentions("", mentions, headings, rules)
    return reviewed, [s.code for s in suggestions_for(reviewed, rules, headings)]


def test_a_procedure_in_the_history_is_historical_and_the_presenting_problem_stays():
    mentions = [kept("haematuria", 0, HAEMATURIA), kept("cystoscopy", 40, CYSTOSCOPY)]
    headings = ["history of present illness", "history of present illness"]
    reviewed, codes = _codes(mentions, headings)
    assert codes == ["R31X"]
    assert reviewed[1].decision.reason == "historical" and reviewed[1].labels.temporality == "Historical"
    assert reviewed[1].labels.triggers["temporality"] == "section: history of present illness (procedure)"
    # switched off, the history's cystoscopy is coded as before
    assert _codes(mentions, headings, OFF)[1] == ["R31X", "M459"]


def test_the_operation_under_the_procedure_heading_or_the_indication_is_coded():
    for heading in ("procedure performed", "indications", "hospital course", None):
        assert _codes([kept("cystoscopy", 0, CYSTOSCOPY)], [heading])[1] == ["M459"]


def test_a_joint_replacement_told_in_the_history_gives_its_status_code():
    reviewed, codes = _codes([kept("total knee replacement", 0, KNEE_REPLACEMENT)], ["history"])
    assert codes == ["Z966"] and reviewed[0].decision.status == "filtered"
