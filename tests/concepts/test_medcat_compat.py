"""The MedCAT adapter (concepts/medcat_compat.py): the patched CAT links as MedCAT as shipped, a guard
that does not hold leaves MedCAT's own step in place with one warning, the training flag is given back."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from coding_toolkit.concepts import medcat_compat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from check_dict_ner import compare, load_both  # noqa: E402


def _texts(fixture_notes) -> list[str]:
    texts = [json.loads(line)["text"] for line in fixture_notes.read_text().splitlines() if line.strip()]
    examples = ROOT / "examples" / "notes.jsonl"
    return texts + [json.loads(line)["text"] for line in examples.read_text().splitlines() if line.strip()]


def test_patched_and_plain_cat_differ_in_steps_not_in_output(tiny_pack, fixture_notes):
    plain, ours = load_both(str(tiny_pack))
    # two different CATs: MedCAT's own steps against the toolkit's replacements
    assert [type(c).__name__ for c in medcat_compat.components(plain)] == [
        "TagAndSkipTagger", "TokenNormalizer", "NER", "Linker"]
    assert [type(c).__name__ for c in medcat_compat.components(ours)] == [
        "RegexTagger", "SkippedNormalizer", "DictNER", "Linker"]
    assert "entity_from_tokens" in vars(medcat_compat.tokenizer(ours))
    assert type(medcat_compat.linker_context_model(ours)).__name__ == "LazyContextModel"
    texts = _texts(fixture_notes)
    res = compare(plain, ours, texts)
    assert res["notes_differing"] == 0 and res["links"] >= 10, res
    # and the comparison does see a difference when there is one
    ours.config.components.ner.min_name_len = 8
    try:
        assert compare(plain, ours, texts)["notes_differing"] > 0
    finally:
        ours.config.components.ner.min_name_len = plain.config.components.ner.min_name_len


def test_every_touch_was_checked_against_the_installed_medcat():
    unchecked = [t for t in medcat_compat.CHECKED_AGAINST if not medcat_compat.version_checked(t)]
    assert not unchecked, (
        f"medcat {medcat_compat.medcat_version()} is installed but {unchecked} were checked against other "
        "versions: run benchmarks/check_dict_ner.py and this test suite, then add the version to "
        "CHECKED_AGAINST in coding_toolkit/concepts/medcat_compat.py")


def test_a_guard_that_fails_keeps_medcats_step_and_warns_once(tiny_pack, fixture_notes, monkeypatch, caplog):
    """A MedCAT whose regex tokens honour ``norm`` would make the normaliser meaningful: not skipped."""
    from medcat.cat import CAT
    from medcat.tokenizing.regex_impl import tokenizer as regex_tokenizer

    from coding_toolkit.concepts.pack import _longest_non_overlapping, load_pack

    def set_norm(self, value):
        self._norm = value

    monkeypatch.setattr(regex_tokenizer.Token, "norm",
                        property(lambda self: getattr(self, "_norm", self.lower), set_norm))
    medcat_compat.not_applied.cache_clear()
    with caplog.at_level(logging.WARNING, logger="coding_toolkit.concepts.medcat_compat"):
        first, second = load_pack(tiny_pack), load_pack(tiny_pack)
    warnings = [r for r in caplog.records if "no_op_normaliser" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    assert "checked against medcat 2.9.0" in warnings[0].getMessage()
    for pack in (first, second):
        assert "TokenNormalizer" in [type(c).__name__ for c in medcat_compat.components(pack.cat)]
    plain = CAT.load_model_pack(str(tiny_pack / "medcat"))
    for text in _texts(fixture_notes)[:12]:
        ents = _longest_non_overlapping(list(plain.get_entities(text)["entities"].values()))
        assert [(m.start, m.end, m.sctid) for m in first.annotate(text)] == [
            (e["start"], e["end"], e["cui"]) for e in ents]
    medcat_compat.not_applied.cache_clear()


def test_annotating_gives_the_training_flag_back(loaded_pack, fixture_notes):
    from coding_toolkit.concepts.dict_ner import entity_signature

    text = _texts(fixture_notes)[0]
    expected = loaded_pack.annotate(text)
    linking = loaded_pack.cat.config.components.linking
    linking.train = True
    try:
        assert loaded_pack.annotate(text) == expected  # annotated without training
        assert linking.train is True
        entity_signature(loaded_pack.cat, text)
        assert linking.train is True
    finally:
        linking.train = False


def test_word_vector_tokens_are_medcats_tokens():
    from medcat.tokenizing.regex_impl.tokenizer import RegexTokenizer

    from coding_toolkit.concepts.vocab import tokens

    text = "Pt's BP 140/90 (see below) - AF/CKD;  x2, HTN.\tNon-ST-elevation MI, 3.5mg"
    assert medcat_compat.tokenizer_regex() is RegexTokenizer.REGEX
    assert tokens(text) == [t.base.text for t in RegexTokenizer()(text.lower())]


@pytest.mark.parametrize("touch", sorted(medcat_compat.CHECKED_AGAINST))
def test_each_touch_says_what_it_relies_on(touch):
    entry = medcat_compat.CHECKED_AGAINST[touch]
    assert entry["medcat"] and entry["relies_on"] and (ROOT / "coding_toolkit" / entry["used_by"].split()[0]).exists()


def test_an_unchecked_medcat_version_warns_once(caplog):
    assert medcat_compat.check_installed_version()  # the installed one is checked (test above)
    with caplog.at_level("WARNING", logger="coding_toolkit.concepts.medcat_compat"):
        assert not medcat_compat.check_installed_version("2.99.0")
        assert not medcat_compat.check_installed_version("2.99.0")
    warned = [r.getMessage() for r in caplog.records if "2.99.0" in r.getMessage()]
    assert len(warned) == 1 and "checked against medcat 2.9.0" in warned[0]


def test_private_medcat_attributes_are_read_only_in_medcat_compat():
    """fast_tokens and dict_ner reach MedCAT's private members through medcat_compat only."""
    import re

    for name in ("fast_tokens.py", "dict_ner.py"):
        source = (ROOT / "coding_toolkit" / "concepts" / name).read_text(encoding="utf-8")
        assert not re.findall(r"(?:doc|cdb)\._[a-z]\w*|\"_subnames\"", source), name


def test_loading_without_the_environment_scan_keeps_the_packs_saved_environment(tiny_pack):
    """The scan's result is replaced by the pack's saved environment: skipping it changes nothing
    loaded, and the scan works again afterwards (saving records the real environment)."""
    from medcat.cat import CAT
    from medcat.utils import envsnapshot

    plain = CAT.load_model_pack(str(tiny_pack / "medcat"))
    with medcat_compat.without_environment_scan():
        assert envsnapshot.get_environment_info().dependencies == {}
        quick = CAT.load_model_pack(str(tiny_pack / "medcat"))
    assert quick.config.meta.saved_environ == plain.config.meta.saved_environ
    assert quick.config.meta.saved_environ.dependencies  # the pack's own record, not the empty scan
    assert envsnapshot.get_environment_info().dependencies


def test_a_changed_serialiser_leaves_medcat_writing_its_own_pickles(monkeypatch, caplog):
    """pickles_written_by applies only to the serialise(raw_parts, target_file) it was checked on; a
    MedCAT whose serialiser changed writes its own pickles (the toolkit rewrites them after)."""
    from medcat.storage.serialisers import DillSerialiser

    def changed(self, parts, path, *, compress=False):
        return None

    monkeypatch.setattr(DillSerialiser, "serialise", changed)
    written: list = []
    with caplog.at_level(logging.WARNING, logger=medcat_compat.__name__):
        with medcat_compat.pickles_written_by(lambda raw, path: written.append(path)) as applied:
            assert DillSerialiser.serialise is changed
    assert applied is False and written == []
    assert "'pickles_written_by' adaptation is not applied" in caplog.text
    with medcat_compat.pickles_written_by(lambda raw, path: written.append(path)):
        assert DillSerialiser.serialise is changed  # and nothing is swapped in on a later call either
    monkeypatch.undo()
    original = DillSerialiser.serialise
    with medcat_compat.pickles_written_by(lambda raw, path: written.append(path)) as applied:
        DillSerialiser().serialise({"a": 1}, "/nonexistent/raw_dict.dat")
    assert applied is True and [p.name for p in written] == ["raw_dict.dat"]
    assert DillSerialiser.serialise is original  # put back after the block
