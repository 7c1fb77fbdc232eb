"""A note exported on one line, line breaks written as commas, is read with its headings (starter pack)."""
from __future__ import annotations

import pytest

from coding_toolkit.records import Note

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pipeline():
    from coding_toolkit.pipeline import Pipeline

    return Pipeline.from_pack(None)  # the starter pack (built into the cache on first use)


def _status(result, words):
    return next(am for am in result.mentions if am.mention.text.lower() == words).decision


def test_headings_of_a_flattened_note_end_the_scope_of_the_section_before(pipeline):
    text = ("HISTORY:, Admitted with abdominal pain. No vomiting.,PAST MEDICAL HISTORY:, Asthma.,"
            "OPERATION PERFORMED: , Appendicectomy.,COMPLICATIONS: , None.,"
            "PLAN:, Colonoscopy in six weeks.")
    result = pipeline.process(Note("flat", text, None))
    # "No" does not reach over the heading into the past history; "None" of the complications does not
    # negate the operation before it; the plan's procedure is not done
    assert _status(result, "asthma").status == "kept"
    assert _status(result, "appendicectomy").status == "kept"
    assert _status(result, "colonoscopy").reason == "hypothetical"
    codes = [s.code for s in result.suggestions]
    assert "J459" in codes and not any(c.startswith("H22") for c in codes)
    # the evidence keeps the text as written
    assert all(am.mention.text == text[am.mention.start:am.mention.end] for am in result.mentions)
