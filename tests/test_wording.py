"""Counts in summary lines read as English: singular for exactly one."""
from coding_toolkit.wording import counted


def test_counted_is_singular_only_for_one():
    assert [counted(n, "note") for n in (0, 1, 2)] == ["0 notes", "1 note", "2 notes"]
    assert counted(1, "episode") + f" ({counted(1, 'note')})" == "1 episode (1 note)"
    assert counted(3, "analysis", "analyses") == "3 analyses" and counted(1, "analysis", "analyses") == "1 analysis"
