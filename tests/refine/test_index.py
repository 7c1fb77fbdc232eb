"""The concept-model index: built from a release's active inferred relationships, saved in the pack as
memory-mapped arrays, and its attribute values named for the NER."""
from __future__ import annotations

import numpy as np
import pytest

from coding_toolkit.refine.index import INDEX_DIR, ConceptModelIndex
from coding_toolkit.terminology.release import Release


@pytest.fixture(scope="module")
def index(refine_release):
    from coding_toolkit.refine.build import index_from_release

    return index_from_release(Release(refine_release))[0]


def _parents(ix, sctid):
    return sorted(ix.sctid(p) for p in ix.parents(ix.pos(sctid)))


def test_parents_attributes_and_definition_status(index):
    assert _parents(index, "1119311000000106") == ["197377009", "20824003"]
    sepsis_ecoli = index.pos("447899008")
    assert [(int(index.types[t]), index.sctid(v)) for t, v in index.attributes(sepsis_ecoli)] == [
        (246075003, "112283007")]
    assert index.is_defined(sepsis_ecoli) and not index.is_defined(index.pos("91302008"))
    assert index.sctid(index.with_value(index.pos("112283007"))[0]) == "447899008"
    assert {index.sctid(c) for c in index.children(index.pos("76581006"))} == {"65275009", "20824003", "25924004"}


def test_sources_by_type_is_every_concept_with_that_attribute(index):
    """The table the allergy and history refinements look values up in (issue 27) holds exactly the
    concepts whose attributes say so, found by scanning every concept."""
    n = len(index.ids)
    for type_pos in range(len(index.types)):
        expected: dict[int, list[int]] = {}
        for c in range(n):
            for t, v in index.attributes(c):
                if t == type_pos:
                    expected.setdefault(v, []).append(c)
        assert index.sources_by_type(type_pos) == expected
    assert index.sources_by_type(-1) == {}
    agent = index.type_pos(246075003)
    assert [index.sctid(c) for c in index.sources_by_type(agent)[index.pos("112283007")]] == ["447899008"]


def test_only_inferred_relationships_count(index):
    assert _parents(index, "233604007") == ["64572001"]  # the stated is-a Sepsis row is left out


def test_ancestors_and_unknown_ids(index):
    anc = {index.sctid(a) for a in index.ancestors(index.pos("197377009"))}
    assert {"235919008", "76581006", "65275009", "64572001", "138875005"} <= anc
    assert index.pos("999999999") == -1 and index.pos("ATTR:NOTHING") == -1


def test_saved_arrays_load_memory_mapped(index, tmp_path):
    index.save(tmp_path)
    loaded = ConceptModelIndex.load(tmp_path)
    assert isinstance(loaded.a["parents"].base, np.memmap)  # a plain view of the memory map
    assert _parents(loaded, "25924004") == _parents(index, "25924004")
    assert ConceptModelIndex.load(tmp_path / "nowhere") is None


def test_a_damaged_index_names_the_folder_and_the_fix(index, tmp_path):
    from coding_toolkit.errors import PackError

    index.save(tmp_path)
    (tmp_path / INDEX_DIR / "parents.npy").write_bytes(b"not numpy")
    with pytest.raises(PackError, match=r"concept_model: concept-model index unreadable .* fix: rebuild the pack"):
        ConceptModelIndex.load(tmp_path)


@pytest.mark.slow
def test_the_pack_holds_the_index_and_attribute_names(refine_pack, tmp_path):
    import json

    from coding_toolkit.concepts.pack import load_pack

    prov = json.loads((refine_pack / "pack.json").read_text())
    assert prov["concept_model"]["built"] and prov["concept_model"]["concepts"] == 35
    pack = load_pack(refine_pack)
    assert pack.concept_model is not None
    organism = [m for m in pack.annotate("E. coli in blood cultures") if m.sctid == "112283007"]
    assert organism and organism[0].type_ids == ("T-ORGANISM",)
    # body structures are named for refinement too
    assert any(m.sctid == "28231008" for m in pack.annotate("Gallbladder wall thickened"))
    # the pack's content hash covers the index files
    import shutil

    from coding_toolkit.errors import PackError
    copy = tmp_path / "pack"
    shutil.copytree(refine_pack, copy)
    defined = copy / INDEX_DIR / "defined.npy"
    data = bytearray(defined.read_bytes())
    data[-1] ^= 1
    defined.write_bytes(bytes(data))
    with pytest.raises(PackError, match="content hash mismatch"):
        load_pack(copy, lazy=True)


@pytest.mark.slow
def test_model_build_says_what_it_indexed_and_can_leave_it_out(refine_release, tmp_path):
    import json

    from click.testing import CliRunner

    from coding_toolkit.cli.main import cli
    from coding_toolkit.pipeline import Pipeline

    result = CliRunner().invoke(cli, ["model", "build", str(refine_release), "--out", str(tmp_path / "with")])
    assert result.exit_code == 0, result.output
    # the two counts say what they count: the pack's concepts to link, the release graph's concepts
    assert f"built {tmp_path / 'with'}: " in result.output and " concepts to link (the semantic tags asked for), " \
        in result.output
    assert ("concept model: 35 concepts of the release in active inferred relationships (the root and concepts "
            "outside the tags included), 37 is-a and 16 attribute relationships (8 fully defined)") in result.output
    result = CliRunner().invoke(cli, ["model", "build", str(refine_release), "--out", str(tmp_path / "without"),
                                      "--no-concept-model"])
    assert result.exit_code == 0 and "concept model" not in result.output
    assert json.loads((tmp_path / "without" / "pack.json").read_text())["concept_model"] == {"built": False}
    pipeline = Pipeline.from_pack(tmp_path / "without")
    assert pipeline.refiner is None and pipeline.provenance["refinement"] == {"enabled": False}
