"""Codes of one mention tied on evidence keep the map's group order (a coder sequences the main code
first), not the code's alphabetical order."""
from coding_toolkit.suggest import CodingRules, primary_and_others, suggestions_for

from .helpers import kept, row

RULES = CodingRules.load()


def test_one_mentions_procedures_follow_the_map_groups_not_code_order():
    # "Tonsillectomy and adenoidectomy": group 1 tonsillectomy F34.9, group 2 adenoidectomy E20.1
    t_and_a = [row("28913000", "F349", system="OPCS-4"), row("28913000", "E201", group=2, system="OPCS-4")]
    out = suggestions_for([kept("Tonsillectomy and adenoidectomy", 0, t_and_a)], RULES)
    assert [(s.code, s.rank) for s in out] == [("F349", 1), ("E201", 2)]
    assert primary_and_others(out, "OPCS-4") == ("F349", ["E201"])


def test_one_mentions_diagnoses_follow_the_map_groups_whatever_the_codes():
    # group 1 the condition, group 2 the organism (never primary: B95-B97 follow the infection)
    uti_e_coli = [row("1", "N390"), row("1", "B962", group=2)]
    out = suggestions_for([kept("E. coli UTI", 0, uti_e_coli)], RULES)
    assert [s.code for s in out] == ["N390", "B962"]
    # two codes neither barred from the primary position: the map's group order, whatever the codes
    gallstones_cholecystitis = [row("2", "K810"), row("2", "K802", group=2)]
    assert [s.code for s in suggestions_for([kept("x", 0, gallstones_cholecystitis)], RULES)] == ["K810", "K802"]


def test_evidence_still_outranks_the_map_order():
    pair = [row("1", "K810"), row("1", "K802", group=2)]
    gallstones = [row("3", "K802")]
    out = suggestions_for([kept("gallstones with cholecystitis", 0, pair), kept("gallstones", 40, gallstones)], RULES)
    assert [s.code for s in out] == ["K802", "K810"]  # two mentions for K80.2, one for K81.0
