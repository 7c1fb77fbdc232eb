"""Issue 29 context gaps: a worry is not a diagnosis; an assessment names what it assesses, not a finding.
Sentences are written for the tests, not taken from any benchmark."""
from __future__ import annotations

import pytest

from tests.context.one_mention import temporality


@pytest.mark.parametrize("text, target", [
    ("GP concerned about cancer, urgent CT requested.", "cancer"),
    ("She is worried about a stroke.", "stroke"),
    ("Fear of falling since discharge.", "falling"),
    ("Plan: physiotherapy and falls assessment.", "falls"),
    ("VTE risk assessment completed.", "VTE"),
    ("Memory assessment in clinic.", "Memory"),
])
def test_worries_and_assessments_are_hypothetical(clf, text, target):
    assert temporality(clf, text, target) == "Hypothetical"


@pytest.mark.parametrize("text, target", [
    ("Lung cancer diagnosed in March.", "Lung cancer"),
    ("Assessment: pneumonia, improving.", "pneumonia"),
    ("Falls at home twice this month, assessment by OT arranged.", "Falls"),
])
def test_look_alikes_are_not(clf, text, target):
    assert temporality(clf, text, target) == "Recent"
