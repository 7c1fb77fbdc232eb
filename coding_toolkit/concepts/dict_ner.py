"""MedCAT's vocabulary NER as one compiled Aho-Corasick pass (same candidates, same order).

MedCAT 2's ``vocab_based_ner.NER`` walks the document token by token in Python: from every token
it extends a name one token at a time while the joined text is a known "subname" (a token prefix
of a name), and proposes every prefix that is a full name. With a trust-sized pack (400k+ names,
many sharing first words) that walk is a quarter of annotation time. With the regex tokenizer a
token has one text version (its lower case) and no stop words, so the walk finds exactly the names
whose tokens equal a run of the document's non-skipped tokens (no gap of more than
``max_skip_tokens`` skipped tokens inside). :class:`DictNER` finds the same runs in one pass of a
compiled automaton over ``~tok1~tok2~...~`` (``~`` the CDB separator, so matches fall on token
boundaries), then proposes them in the walk's order through MedCAT's own ``maybe_annotate_name``
(upper-case and length rules), so MedCAT's linker receives identical candidates.

It falls back to MedCAT's NER for anything it was not checked against: another tokenizer, reversed
word order, a note with a token containing the separator. It is registered in MedCAT's component
registry as ``ct_dict_ner`` and installed on a loaded pack by :func:`install` without changing the
pack's config, so a saved pack still loads in plain MedCAT. ``CODING_TOOLKIT_NER=medcat`` turns it
off (for comparisons).

The automaton is built when it pays (issue 27): compiling it takes as long as MedCAT's walk loses
over some 20-30 characters of notes per name in the pack, so a process runs MedCAT's walk until it
has annotated ``BUILD_AFTER_CHARS_PER_NAME`` characters per name, then builds it; the candidates are
the same either way. A process about to fork workers builds it first, so the
workers share it (``os.register_at_fork``). ``CODING_TOOLKIT_NER=dict`` builds it at load.
"""
from __future__ import annotations

import logging
import os
import weakref
from itertools import accumulate

from coding_toolkit.concepts import medcat_compat

log = logging.getLogger(__name__)

ENV = "CODING_TOOLKIT_NER"  # medcat: MedCAT's walk only; dict: the automaton from the first note
REGISTRY_NAME = "ct_dict_ner"
# Characters of notes to annotate with MedCAT's walk, per name in the pack, before the automaton is
# built. Measured on the 178k-concept pack (docs/benchmarks.md, "Start-up"): the build took 6.0 s for
# 467,540 names, and the walk cost 0.4-0.6 us more per character than the automaton, so the build
# pays for itself after ~20-30 characters per name. Building at that point costs a long run at most
# twice the better choice made in hindsight; a run of a few notes never pays for the build.
BUILD_AFTER_CHARS_PER_NAME = 24
_UNBUILT: weakref.WeakSet = weakref.WeakSet()  # instances a fork should build first


def _automaton(cdb, sep: str):
    """Automaton of ``sep + name + sep`` for every name the walk can reach (all its token prefixes
    are subnames; true of every name MedCAT's CDB maker writes). It stores each key's length, so a
    match gives back its name (the matched text less the separators) without a Python object per name."""
    import ahocorasick

    subnames = medcat_compat.cdb_subnames(cdb)
    auto = ahocorasick.Automaton(ahocorasick.STORE_LENGTH)
    skipped = 0
    for name in cdb.name2info:
        cut = name.find(sep)
        while cut != -1 and name[:cut] in subnames:  # every token prefix (the whole name below)
            cut = name.find(sep, cut + 1)
        if cut != -1 or name not in subnames:
            skipped += 1  # unreachable for the walk too
            continue
        auto.add_word(f"{sep}{name}{sep}")
    auto.make_automaton()
    if skipped:
        log.debug("%d names unreachable by the NER walk left out of the automaton", skipped)
    return auto


def _build_before_fork() -> None:
    for ner in list(_UNBUILT):
        ner.build()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_build_before_fork)


def _vocab_ner_class():
    from medcat.components.ner.vocab_based_ner import NER

    return NER


class DictNER(_vocab_ner_class()):
    """MedCAT's vocab NER with the walk replaced (a subclass, so MedCAT treats it as its own NER:
    same component name, hash and saving); falls back to the walk where not checked equal."""

    def __init__(self, tokenizer, cdb, *, build_after_chars: int = 0):
        super().__init__(tokenizer, cdb)
        self.sep = self.config.general.separator
        self._auto = None
        self._built_for = -1
        # MedCAT's walk until this many characters were annotated (0: build at the first note)
        self._build_after = build_after_chars
        self._chars = 0
        if build_after_chars:
            _UNBUILT.add(self)

    @classmethod
    def create_new_component(cls, cnf, tokenizer, cdb, vocab, model_load_path):
        return cls(tokenizer, cdb)

    # -- matching -------------------------------------------------------------------------------
    def _checked(self) -> bool:
        ner = self.config.components.ner
        return not ner.try_reverse_word_order and medcat_compat.is_regex_tokenizer(self.tokenizer)

    @property
    def built(self) -> bool:
        return self._auto is not None

    def build(self) -> None:
        """Compile the automaton now (or again, when names were added since: training)."""
        if self._checked() and (self._auto is None or self.cdb.has_changed_names
                                or self._built_for != len(self.cdb.name2info)):
            self._auto = _automaton(self.cdb, self.sep)
            self._built_for = len(self.cdb.name2info)
        _UNBUILT.discard(self)

    def _ready(self) -> bool:
        if not self._checked():
            return False
        if self._auto is None and self._chars < self._build_after:
            return False  # MedCAT's walk: the build does not pay yet
        self.build()  # first time, or names were added (training): rebuild
        return True

    def predict_entities(self, doc, ents=None):
        if self._auto is None:
            self._chars += len(doc.base.text)
        if not self._ready():
            return super().predict_entities(doc, ents)
        from medcat.components.ner.vocab_based_annotator import maybe_annotate_name

        sep = self.sep
        toks, texts, index = medcat_compat.unskipped_tokens(doc)  # regex tokens: checked in _ready
        joined = sep.join(texts)
        if joined.isascii():  # lower case once for the whole note: one character each, no context rules
            lowers, text = texts, sep + joined.lower() + sep  # (lowers: for the lengths only)
        else:  # (such as the Greek final sigma): each token on its own, as MedCAT's tokens do
            lowers = [t.lower() for t in texts]
            text = sep + sep.join(lowers) + sep
        if texts and text.count(sep) != len(texts) + 1:  # a token holds the separator
            return super().predict_entities(doc, ents)
        # char offset of each token's leading separator in the joined text -> token position
        # (an ASCII token's lower case is as long as the token)
        start_of = dict(zip(accumulate(map(len, lowers), lambda pos, n: pos + n + 1, initial=0), range(len(texts))))
        # skipped-token gaps longer than max_skip_tokens end the walk: only a name of several tokens
        # can span one, and only when the note has some gap that long at all
        max_skip = self.config.components.ner.max_skip_tokens
        gaps = bool(index) and index[-1] - index[0] - len(index) + 1 > max_skip
        found = []
        for end, size in self._auto.iter(text):
            name = text[end - size + 2:end]  # the key less its separators: the name, as in the CDB
            n = name.count(sep) + 1
            first = start_of[end - size + 1]
            if n > 1 and gaps and _long_gap(index, first, n, max_skip):
                continue  # the walk stops at a gap of more than max_skip_tokens skipped tokens
            found.append((first, n, name))
        found.sort()
        # names maybe_annotate_name turns down on their length alone (too short; several tokens and
        # under the upper-case limit; one token under it, not written in capitals) are not offered:
        # no entity, no side effect, fewer calls
        ner = self.config.components.ner
        min_len, upper_len = ner.min_name_len, ner.upper_case_limit_len
        out = []
        for first, n, name in found:
            if len(name) < min_len or (n > 1 and len(name) < upper_len):
                continue
            tkns = toks[first:first + n]
            if n == 1 and (tkns[0].base.is_stop or (len(name) < upper_len and not tkns[0].base.is_upper)):
                continue
            ent = maybe_annotate_name(self.tokenizer, name, tkns, doc, self.cdb, self.config, len(out))
            if ent:
                out.append(ent)
        return out


def _long_gap(index: list[int], first: int, n: int, max_skip: int) -> bool:
    """Whether the name on unskipped tokens ``first .. first + n - 1`` (document positions ``index``)
    spans a run of more than ``max_skip`` skipped tokens between two of them."""
    if index[first + n - 1] - index[first] - n + 1 <= max_skip:
        return False  # all the skipped tokens inside it together are not that many
    return any(index[k + 1] - index[k] - 1 > max_skip for k in range(first, first + n - 1))


def register() -> None:
    """Make ``ct_dict_ner`` available to MedCAT configs (``config.components.ner.comp_name``)."""
    from medcat.components.types import CoreComponentType, get_core_registry, register_core_component

    if REGISTRY_NAME not in dict(get_core_registry(CoreComponentType.ner).list_components()):
        register_core_component(CoreComponentType.ner, REGISTRY_NAME, DictNER.create_new_component)


def install(cat) -> bool:
    """Swap the loaded CAT's vocab NER for :class:`DictNER` (this CAT only; its config is untouched).

    Returns whether it was installed: not when turned off, pyahocorasick is missing, or the pack
    uses another NER or tokenizer. The automaton is built when it pays (module docstring), at once
    with ``CODING_TOOLKIT_NER=dict``.
    """
    mode = os.environ.get(ENV, "").lower()
    if mode == "medcat":
        return False
    try:
        import ahocorasick  # noqa: F401
        NER = _vocab_ner_class()
    except ImportError:
        log.warning("pyahocorasick is not installed: using MedCAT's slower NER walk")
        return False
    comps = medcat_compat.components(cat)
    for i, comp in enumerate(comps):
        if type(comp) is NER and medcat_compat.is_regex_tokenizer(comp.tokenizer):
            why = _guard(comp)
            if why:
                medcat_compat.not_applied("dict_ner", why)
                return False
            later = 0 if mode == "dict" else BUILD_AFTER_CHARS_PER_NAME * len(comp.cdb.name2info)
            dict_ner = DictNER(comp.tokenizer, comp.cdb, build_after_chars=later)
            if not later:
                dict_ner.build()
            comps[i] = dict_ner
            return True
    return False


def _guard(ner) -> str | None:
    """Why :class:`DictNER` cannot stand in for this MedCAT NER (None: it can)."""
    from medcat.components.ner import vocab_based_annotator

    if not medcat_compat.regex_token_fields_hold(ner.tokenizer):
        return "the regex tokens' private fields changed"
    if not medcat_compat.cdb_has_subnames(ner.cdb):
        return "CDB._subnames/_reset_subnames not found"
    if not medcat_compat.parameters_are(type(ner).predict_entities, ("doc", "ents")):
        return "NER.predict_entities takes other parameters"
    if not medcat_compat.parameters_are(getattr(vocab_based_annotator, "maybe_annotate_name", None),
                                        ("tokenizer", "name", "tkns", "doc", "cdb", "config", "cur_id", "label")):
        return "vocab_based_annotator.maybe_annotate_name takes other parameters"
    return None


def entity_signature(cat, text: str) -> tuple[list, list]:
    """What MedCAT's NER proposed and its linker kept for ``text``: (start, end, detected name,
    candidates, id) per NER entity and (start, end, cui, similarity) per linked one. Two CATs whose
    signatures agree give the same annotations (the equality check of this module's tests)."""
    with medcat_compat.not_training(cat):
        doc = cat(text)
    if doc is None:
        return [], []
    ner = [(e.base.start_char_index, e.base.end_char_index, e.detected_name, tuple(e.link_candidates), e.id)
           for e in doc.ner_ents]
    linked = [(e.base.start_char_index, e.base.end_char_index, e.cui, float(e.context_similarity))
              for e in doc.linked_ents]
    return ner, linked
