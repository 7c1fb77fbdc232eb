import csv

from coding_toolkit.io.sinks import open_sink
from coding_toolkit.io.sinks.cds import STATUS
from coding_toolkit.records import NoteResult
from coding_toolkit.suggest import CodingRules, primary_and_others, rank

from .builders import DM_RET_A, DM_RET_D, HTN, MI, PROV, Z764, note_a, note_b, sugg, suggestions_only


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(tmp_path, results, run=None, name="o.cds.csv"):
    out = tmp_path / name
    sink = open_sink("cds", out, run=run)
    sink.open()
    for batch in results:
        assert sink.write(batch) is None
    assert not out.exists()  # written whole, atomically, in close()
    sink.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    return _read(out)


def test_note_rows_in_cds_positions(tmp_path):
    rows = _write(tmp_path, [[note_a(), note_b()]])
    header = rows[0]
    assert header[:4] == [
        "NOTE_ID",
        "SUGGESTION_STATUS",
        "PRIMARY DIAGNOSIS (ICD)",
        "SECONDARY DIAGNOSIS (ICD) 1",
    ]
    assert "PRIMARY PROCEDURE (OPCS)" in header and header[-1] == "PROCEDURE (OPCS) 2"
    rec = dict(zip(header, rows[1], strict=True))
    assert rec["NOTE_ID"] == "n1" and rec["SUGGESTION_STATUS"] == STATUS
    # MI has two supporting mentions: primary; the asterisk code follows its dagger
    assert [rec["PRIMARY DIAGNOSIS (ICD)"]] + [rec[f"SECONDARY DIAGNOSIS (ICD) {i}"] for i in (1, 2, 3)] == [
        "I219",
        "Z764",
        "E143D",
        "H360A",
    ]
    assert rec["PRIMARY PROCEDURE (OPCS)"] == "H019" and rec["PROCEDURE (OPCS) 2"] == ""
    rec2 = dict(zip(header, rows[2], strict=True))
    assert rec2["PRIMARY DIAGNOSIS (ICD)"] == "I10X" and rec2["SECONDARY DIAGNOSIS (ICD) 1"] == ""


def order_codes(suggestions, rules=None):
    """CDS diagnosis positions of the suggestion stage's ranking (what the sink writes)."""
    return primary_and_others(rank(suggestions, rules or CodingRules.load()), "ICD-10")


def test_never_primary_and_asterisk_rules():
    # Z76.4 is strongest but its advice forbids a primary position; the asterisk code outranks its
    # dagger but must follow it, so the dagger becomes primary with the asterisk right after it
    ss = [sugg(Z764, [0, 1, 2], 0.99), sugg(DM_RET_A, [3, 4], 0.9), sugg(DM_RET_D, [3], 0.8)]
    assert order_codes(ss) == ("E143D", ["H360A", "Z764"])
    assert order_codes([sugg(Z764, [0], 0.9)]) == ("", ["Z764"])  # nothing may be primary: coder decides
    assert order_codes([sugg(DM_RET_A, [0], 0.9)]) == ("", ["H360A"])  # lone asterisk is never primary
    # evidence strength alone would put hypertension first; it is a background comorbidity (primary_focus)
    assert order_codes([sugg(MI, [0], 0.5), sugg(HTN, [1], 0.6)]) == ("I219", ["I10X"])
    no_focus = CodingRules.load(overrides={"primary_focus": False})
    assert order_codes([sugg(MI, [0], 0.5), sugg(HTN, [1], 0.6)], no_focus) == ("I10X", ["I219"])


def test_episode_aggregation_across_notes(tmp_path):
    run = {"episode_column": "episode"}
    rows = _write(
        tmp_path,
        [[note_a("n1", "E1"), note_b("n2", "E1")], [note_b("n3", "E2"), note_b("n4", "E1")]],
        run=run,
    )
    header = rows[0]
    assert header[:3] == ["EPISODE_ID", "NOTE_IDS", "SUGGESTION_STATUS"]
    recs = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [(r["EPISODE_ID"], r["NOTE_IDS"]) for r in recs] == [("E1", "n1;n2;n4"), ("E2", "n3")]
    e1 = recs[0]
    # hypertension (2 mentions over n2 and n4, confidence 0.97) is stronger than MI (2 mentions, 0.92) but a
    # background comorbidity: MI is primary, hypertension after every other diagnosis (primary_focus)
    assert e1["PRIMARY DIAGNOSIS (ICD)"] == "I219"
    assert [e1[f"SECONDARY DIAGNOSIS (ICD) {i}"] for i in range(1, 5)] == ["Z764", "E143D", "H360A", "I10X"]
    assert recs[1]["PRIMARY DIAGNOSIS (ICD)"] == "I10X" and recs[1]["SECONDARY DIAGNOSIS (ICD) 1"] == ""


def test_resume_refeed_uses_suggestions_only_and_replaces_duplicates(tmp_path):
    run = {"episode_column": "episode"}
    full = _write(tmp_path, [[note_a("n1", "E1"), note_b("n2", "E1")]], run=run, name="full.csv")
    # resumed run: earlier results come back without mentions; a note written again replaces itself
    resumed = _write(
        tmp_path,
        [[suggestions_only(note_a("n1", "E1"))], [note_a("n1", "E1"), note_b("n2", "E1")]],
        run=run,
        name="resumed.csv",
    )
    assert resumed == full


def test_illustrative_map_is_marked(tmp_path):
    r = note_b()
    r = NoteResult(
        note_id=r.note_id,
        mentions=r.mentions,
        suggestions=r.suggestions,
        provenance={**PROV, "illustrative": True},
    )
    rows = _write(tmp_path, [[r]])
    assert "ILLUSTRATIVE MAP, NOT FOR CLINICAL USE" in rows[1][1]


def test_cds_table_applies_the_rules_it_is_given(tiny_pack):
    """One pure table for the sink, the service and the review export: the rules passed decide."""
    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.records import Note
    from coding_toolkit.suggest.config import CodingRules
    from coding_toolkit.suggest.episode import cds_table

    pipeline = Pipeline.from_pack(tiny_pack)
    results = [pipeline.process(Note(note_id=i, text=t, episode_id="E1")) for i, t in
               (("a", "Essential hypertension, well controlled."), ("b", "Final diagnosis: asthma."))]
    on = cds_table(results, CodingRules.load(), by_episode=True)
    # the two rules that rank a main-diagnosis statement first (the heading's, and primary focus)
    off = cds_table(results, CodingRules.load(overrides={"primary_from_heading": False, "primary_focus": False}),
                    by_episode=True)
    assert on[0][:5] == ["EPISODE_ID", "NOTE_IDS", "SUGGESTION_STATUS", "PRIMARY DIAGNOSIS (ICD)",
                         "SECONDARY DIAGNOSIS (ICD) 1"]
    # the code stated under a main-diagnosis heading ranks first only where those rules are on
    assert on[1][:5] == ["E1", "a;b", STATUS, "J459", "I10X"]
    assert off[1][:5] == ["E1", "a;b", STATUS, "I10X", "J459"]
