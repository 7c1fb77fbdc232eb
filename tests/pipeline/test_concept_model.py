"""A second concept linker plugs into the pipeline and the bulk runner through the ConceptModel protocol:
here a tiny dictionary linker (a real class, no MedCAT), with the tiny pack's real map store."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from coding_toolkit.concepts.model import ConceptModel
from coding_toolkit.records import Mention, Note


class DictionaryLinker:
    """Links exact, case-insensitive matches of a few names; a different model from MedCAT's."""

    def __init__(self, names: dict[str, tuple[str, str]]):
        self.names = names  # lower-case name -> (sctid, preferred name)
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                                   + r")\b", re.IGNORECASE)
        self.hash = "dictionary-linker-1"
        self.path = Path("dictionary-linker")
        self.provenance = {"name": "dictionary linker"}
        self.meta_tasks: list[str] = []

    def annotate(self, text: str) -> list[Mention]:
        out = []
        for m in self._pattern.finditer(text):
            sctid, name = self.names[m.group(1).lower()]
            out.append(Mention(m.start(), m.end(), m.group(1), sctid, name, 1.0))
        return out


NAMES = {"heart failure": ("84114007", "Heart failure"), "hypertension": ("38341003", "Hypertension"),
         "myocardial infarction": ("22298006", "Myocardial infarction")}


def _pipeline(tiny_pack):
    from coding_toolkit.concepts.pack import MAPS_FILE
    from coding_toolkit.context import ContextStage
    from coding_toolkit.mapping.engine import MapEngine
    from coding_toolkit.pipeline import Pipeline

    return Pipeline(pack=DictionaryLinker(NAMES), engine=MapEngine(f"sqlite:///{tiny_pack / MAPS_FILE}"),
                    context=ContextStage())


def test_the_pack_and_a_dictionary_linker_are_both_concept_models(tiny_pack):
    from coding_toolkit.concepts.pack import load_pack

    assert isinstance(load_pack(tiny_pack, lazy=True), ConceptModel)
    assert isinstance(DictionaryLinker(NAMES), ConceptModel)
    assert not isinstance(object(), ConceptModel)


def test_pipeline_suggests_codes_from_another_linker(tiny_pack):
    pipeline = _pipeline(tiny_pack)
    text = "Known hypertension. No heart failure. Admitted with myocardial infarction."
    result = pipeline.process(Note(note_id="n1", text=text))
    assert [(m.mention.sctid, m.decision.status) for m in result.mentions] == [
        ("38341003", "kept"), ("84114007", "filtered"), ("22298006", "kept")]
    assert result.mentions[1].decision.reason == "negated"
    codes = {s.sctids: s.code for s in result.suggestions}
    assert ("84114007",) not in codes and codes[("22298006",)].startswith("I21")
    assert result.provenance["pack_hash"] == "dictionary-linker-1"
    assert result.provenance["pack_name"] == "dictionary linker"


def test_bulk_runner_runs_another_linker(tiny_pack, tmp_path):
    from coding_toolkit.bulk import runner
    from coding_toolkit.io.sinks import open_sink
    from coding_toolkit.run_config import RunConfig

    pipeline = _pipeline(tiny_pack)
    notes = [Note(note_id=f"n{i}", text=text) for i, text in
             enumerate(["Hypertension.", "", "Heart failure, hypertension."])]
    out = tmp_path / "out.jsonl"
    sink = open_sink("jsonl", out, run={"pack_hash": pipeline.pack.hash})
    summary = runner.run(notes, RunConfig(), sink, pipeline=pipeline, ledger_path=tmp_path / "ledger.sqlite",
                         rejects_path=tmp_path / "rejects.csv")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["note_id"] for r in rows] == ["n0", "n2"] and summary.rejected == 1
    assert [m["sctid"] for m in rows[1]["mentions"]] == ["84114007", "38341003"]
    assert not summary.mostly_failed()


def load_dictionary_linker(pack_dir) -> DictionaryLinker:
    """A linker's loader as ``concepts/linkers.py`` names it: the pack folder in, a ConceptModel out."""
    linker = DictionaryLinker(NAMES)
    linker.path = Path(pack_dir)  # the pack folder also holds the map store the pipeline reads
    return linker


def test_a_linker_is_one_name_for_the_library_and_the_workers(tiny_pack, tmp_path, monkeypatch):
    import coding_toolkit as ct
    from coding_toolkit.concepts import linkers
    from coding_toolkit.pipeline import Pipeline

    target = "tests.pipeline.test_concept_model:load_dictionary_linker"
    monkeypatch.setitem(linkers.LINKERS, "dictionary", target)
    registered = Pipeline.from_config(ct.RunConfig(pack=str(tiny_pack), linker="dictionary"))
    # (pytest may import this module a second time under its package name: compare by name)
    assert type(registered.pack).__name__ == "DictionaryLinker" and registered.config.linker == "dictionary"
    # a "module:function" path needs no registration, so spawned workers (torch loaded) load it too
    config = ct.RunConfig(pack=str(tiny_pack), linker=target, workers=2, batch_notes=1)
    pipeline = Pipeline.from_config(config)
    notes = [Note(note_id=f"n{i}", text=t) for i, t in enumerate(["Hypertension.", "No heart failure.", "Hypertension."])]
    out = tmp_path / "out.jsonl"
    summary = ct.annotate(notes, config, out, pipeline=pipeline)  # two workers, one linker name
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert summary.written == 3 and [r["provenance"]["pack_hash"] for r in rows] == ["dictionary-linker-1"] * 3
    assert [[m["status"] for m in r["mentions"]] for r in rows] == [["kept"], ["filtered"], ["kept"]]
    with pytest.raises(ct.InputError, match="unknown linker 'nope'; known linkers: dictionary, medcat"):
        Pipeline.from_config(ct.RunConfig(pack=str(tiny_pack), linker="nope"))
