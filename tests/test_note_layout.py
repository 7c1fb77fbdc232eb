"""Line breaks an export flattened into commas: restored for reading headings, same offsets, prose untouched."""
import pytest

from coding_toolkit.note_layout import restore_line_breaks


@pytest.mark.parametrize("text,expected", [
    ("No head injury.,PMH:, Migraine.", "No head injury.\nPMH:\n Migraine."),
    ("ANESTHESIA: , General.,COMPLICATIONS:,  None.", "ANESTHESIA: \n General.\nCOMPLICATIONS:\n  None."),
    ("1.  Hallux rigidus.,2.  Bunion.", "1.  Hallux rigidus.\n2.  Bunion."),
    ("Raised PSA (PSA).,PLAN:, Repeat test.", "Raised PSA (PSA).\nPLAN:\n Repeat test."),
])
def test_flattened_breaks_become_new_lines_at_the_same_offsets(text, expected):
    out = restore_line_breaks(text)
    assert out == expected and len(out) == len(text)


@pytest.mark.parametrize("text", [
    "Ramipril, aspirin, e.g., Bisoprolol and i.e., This and etc., Then",  # abbreviations before a comma
    "Hb 10.2, then 9.8., and later",  # a decimal, and a full stop before lower case
    "Seen at 10:30, well.",  # a time
    "Medications: ramipril, aspirin. Allergies: none.",  # an ordinary note
])
def test_ordinary_prose_is_left_as_written(text):
    assert restore_line_breaks(text) == text
