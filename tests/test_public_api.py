"""The public surface of ``import coding_toolkit`` (issue 16): names and signatures are pinned, so a
change to them is a decision (and a line in this test), never an accident."""
import inspect
import json
import subprocess
import sys
from dataclasses import fields

import coding_toolkit as ct

PUBLIC = ["__version__", "annotate", "RunConfig", "Pipeline", "NoteRejected", "RunSummary", "Rejected", "Note",
          "NoteResult", "AnnotatedMention", "Mention", "CodeSuggestion", "CodeSystem", "MapRow", "read_notes",
          "open_sink", "load_pack", "MapEngine", "MapStore", "Release", "ToolkitError", "InputError"]


def test_all_lists_exactly_the_public_names_and_each_resolves():
    assert ct.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(ct, name) is not None
    try:
        ct.no_such_name  # noqa: B018
    except AttributeError as e:
        assert "no_such_name" in str(e)
    else:
        raise AssertionError("an unknown attribute must raise AttributeError")


def test_annotate_signature():
    assert str(inspect.signature(ct.annotate)) == (
        "(notes: 'Iterable[Note] | str | Path', config: 'RunConfig | None' = None, sink: 'Any' = None, *, "
        "db: 'str | None' = None, resume: 'bool' = False, overwrite: 'bool' = False, progress: 'bool' = False, "
        "pipeline: 'Pipeline | None' = None, ledger_path: 'str | Path | None' = None, "
        "rejects_path: 'str | Path | None' = None, freeze_model: 'bool' = False) "
        "-> 'RunSummary | Iterator[NoteResult | Rejected]'")


def test_run_config_fields_and_defaults_are_the_cli_defaults():
    assert [(f.name, f.default) for f in fields(ct.RunConfig)] == [
        ("pack", None), ("policy_path", None), ("rules_path", None), ("max_note_chars", 1_000_000),
        ("text_column", "text"), ("id_column", "note_id"), ("episode_column", None), ("source_db", None),
        ("format", "jsonl"), ("workers", 1), ("batch_notes", 64), ("batch_chars", 300_000), ("linker", "medcat"),
        ("profile_path", None)]
    from coding_toolkit.cli.annotate_cmd import annotate as command

    cli = {p.name: p.default for p in command.params}
    config = ct.RunConfig()
    assert (cli["fmt"], cli["workers"], cli["batch_size"], cli["max_note_chars"], cli["text_column"],
            cli["id_column"]) == (config.format, config.workers, config.batch_notes, config.max_note_chars,
                                  config.text_column, config.id_column)
    try:
        config.workers = 2
    except AttributeError:
        pass
    else:
        raise AssertionError("RunConfig must be frozen")


def test_import_stays_light():
    code = ("import sys, coding_toolkit as ct; ct.RunConfig(); "
            "print(sorted(m for m in ('medcat', 'torch', 'pandas', 'sqlalchemy', 'pyspark') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_annotate_into_a_path_and_as_an_iterator(tiny_pack, tmp_path, monkeypatch):
    monkeypatch.setenv("CODING_TOOLKIT_STATE", str(tmp_path / "state"))
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"note_id": "a", "text": "History of asthma. Type 2 diabetes."}\n'
                     '{"note_id": "b", "text": "   "}\n', encoding="utf-8")
    config = ct.RunConfig(pack=str(tiny_pack))
    out = tmp_path / "out.jsonl"
    summary = ct.annotate(notes, config, out)
    assert (summary.written, summary.rejected) == (1, 1)
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["note_id"] for r in written] == ["a"]
    results = list(ct.annotate(notes, config))  # no sink: one result per note, in order, nothing written
    assert isinstance(results[0], ct.NoteResult) and isinstance(results[1], ct.Rejected)
    assert results[1].reason == "empty note text; fix: remove the row or give it text"
    from coding_toolkit.io.serialize import dumps_result

    assert json.loads(dumps_result(results[0])) == written[0]


def test_a_failed_run_releases_its_sink_and_pool_and_writes_no_partial_cds(tiny_pack, fixture_notes, tmp_path):
    """runner: sink and pool are released in ``finally``; an aggregating sink (CDS) writes nothing partial."""
    from coding_toolkit.api import pipeline_for
    from coding_toolkit.io.sinks.cds import CdsSink

    texts = [json.loads(line)["text"] for line in fixture_notes.read_text(encoding="utf-8").splitlines() if line]
    notes = [ct.Note(note_id=f"n{i}", text=texts[i % len(texts)]) for i in range(12)]
    config = ct.RunConfig(pack=str(tiny_pack), workers=2, batch_notes=2)
    pipeline = pipeline_for(config)

    class Failing(CdsSink):
        batches = 0
        released = ""

        def write(self, results):
            Failing.batches += 1
            if Failing.batches == 3:
                raise OSError("disk full")
            return super().write(results)

        def abort(self):
            Failing.released = "abort"
            super().abort()

    out = tmp_path / "out.cds.csv"
    import multiprocessing

    before = set(multiprocessing.active_children())
    try:
        ct.annotate(notes, config, Failing(out), pipeline=pipeline, ledger_path=tmp_path / "ledger.sqlite")
    except OSError as e:
        assert "disk full" in str(e)
    else:
        raise AssertionError("the sink's error must stop the run")
    assert Failing.released == "abort" and not out.exists()
    assert not set(multiprocessing.active_children()) - before  # the pool's workers were stopped
