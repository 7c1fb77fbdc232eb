"""What loading a pipeline no longer does up front (issue 27): no map rows are read until a note needs
them, and the results are those of a pipeline whose maps were all preloaded."""
from __future__ import annotations

import dataclasses
import json

from coding_toolkit.pipeline import Pipeline
from coding_toolkit.records import Note


def test_map_rows_are_read_as_notes_need_them_with_the_same_results(tiny_pack, fixture_notes):
    notes = [Note(note_id=str(i), text=json.loads(line)["text"])
             for i, line in enumerate(fixture_notes.read_text().splitlines()) if line.strip()]
    lazy = Pipeline.from_pack(tiny_pack)
    assert not lazy.engine._complete and not any(lazy.engine._cache.values())
    first = lazy.process(notes[0])
    looked_up = {s for rows in lazy.engine._cache.values() for s in rows}
    assert looked_up == {m.mention.sctid for m in first.mentions} and first.suggestions
    preloaded = dataclasses.replace(lazy)
    preloaded.engine = type(lazy.engine)(lazy.pack.maps_url, preload=True)
    assert [lazy.process(n) for n in notes] == [preloaded.process(n) for n in notes]


def test_the_collector_is_paused_while_the_model_loads_and_given_back(tiny_pack, monkeypatch):
    import gc

    import pytest
    from medcat.cat import CAT

    from coding_toolkit.concepts.pack import load_pack
    from coding_toolkit.process import collector_paused

    seen = []
    real = CAT.load_model_pack

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(CAT, "load_model_pack", spy)
    assert gc.isenabled()
    load_pack(tiny_pack)
    assert seen == [False] and gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a failed load")
    assert gc.isenabled()
    gc.disable()  # a caller that keeps it off keeps it off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
