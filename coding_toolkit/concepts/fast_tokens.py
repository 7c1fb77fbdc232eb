"""Tokenise and tag a note in one pass (the same tokens as MedCAT's regex tokenizer + tagger).

MedCAT 2's regex tokenizer builds each token through ``Token.__init__`` (which also reads the
``norm`` property), then the tag-and-skip tagger walks the document again reading ``lower`` and
``text`` through properties to set ``is_punctuation``/``to_skip``. At a trust's note volume those
two Python loops were a third of the toolkit's own per-note time. :func:`install` gives one loaded
CAT a ``get_doc`` that

* finds the tokens with MedCAT's own ``RegexTokenizer.REGEX`` preceded by ``(\\s*)`` (every
  character the plain ``finditer`` skips is whitespace, since each alternative of the pattern
  starts with a non-space character, so ``findall`` yields the same tokens and their offsets by
  accumulating lengths, without a match object per token);
* tags each distinct token text once per process (the tagger's two regexes and ``keep_punct``,
  cached by text: the marks depend on the text alone; regex tokens are never stop words);
* builds :class:`FastToken` s (a ``Token`` subclass whose ``lower``, ``to_skip`` and
  ``is_punctuation`` are plain attributes set at creation, values unchanged);
* runs the CAT's other core components and addons exactly as ``Pipeline.get_doc`` does, leaving
  out only the tagger (its marks are already set).

The tokenizer object itself is untouched, so training (``tokenizer_with_tag``) and anything else
calling it directly gets MedCAT's own tokens. ``tests/concepts/test_fast_tokens.py`` checks token
texts, offsets, indices and flags against plain MedCAT on the example notes, the fixtures and (when
present) the MTSamples notes. Every MedCAT internal this relies on is probed in
:func:`coding_toolkit.concepts.medcat_compat.fast_tokens_guard` (touch ``ct_same_tokens_as``).
"""
from __future__ import annotations

import functools
import re

from coding_toolkit.concepts import medcat_compat


@functools.lru_cache(maxsize=1)
def token_class():
    """The lean regex token: MedCAT's ``Token`` with ``lower``/``to_skip``/``is_punctuation`` as
    attributes (the tagger's marks kept in ``_is_punct``/``_to_skip`` too, for code reading those)."""
    _, Token, _ = medcat_compat.regex_tokenizer_types()

    class FastToken(Token):
        lower = to_skip = is_punctuation = None  # instance attributes shadow Token's properties

    return FastToken


def _tagger_marks(tagger):
    """text -> (lower, is_punct, to_skip): what ``TagAndSkipTagger.__call__`` sets for a regex token."""
    punct, skip, keep = tagger.punct_checker.match, tagger.word_skipper.match, tagger.cnf_p.keep_punct
    cache: dict[str, tuple[str, bool, bool]] = {}

    def marks(text: str) -> tuple[str, bool, bool]:
        lower = text.lower()
        if punct(lower) and text not in keep:
            mark = (lower, True, True)
        elif skip(lower):
            mark = (lower, False, True)
        else:
            mark = (lower, False, False)  # regex tokens are never stop words
        if len(cache) < 500_000:  # bounded: a note of random strings cannot grow it without end
            cache[text] = mark
        return mark

    return cache, marks


def make_tokenize(regex: re.Pattern, tagger):
    """``text -> Document`` with tokens tokenised and tagged as MedCAT's tokenizer + tagger would."""
    _, _, Document = medcat_compat.regex_tokenizer_types()
    FastToken = token_class()
    pattern = re.compile(r"(\s*)" + regex.pattern, regex.flags)
    findall = pattern.findall
    cache, marks = _tagger_marks(tagger)
    get = cache.get
    new = object.__new__

    def tokenize(text: str):
        doc = Document(text)
        tokens, starts = medcat_compat.document_token_lists(doc)
        append, add_start = tokens.append, starts.append
        pos = 0
        for index, (ws, with_ws, tok) in enumerate(findall(text)):
            start = pos + len(ws)
            pos = start + len(with_ws)
            mark = get(tok) or marks(tok)
            t = new(FastToken)
            t.__dict__ = {"_doc": doc, "_text": tok, "_text_with_ws": with_ws, "_start_index": start,
                          "_token_index": index, "_is_punct": mark[1], "_to_skip": mark[2],
                          "lower": mark[0], "is_punctuation": mark[1], "to_skip": mark[2]}
            append(t)
            add_start(start)
        return doc

    return tokenize


def install(cat) -> bool:
    """Give this CAT's pipeline the one-pass tokenise-and-tag ``get_doc`` (instance only; nothing
    saved changes). Returns whether it was installed (its guard in medcat_compat must hold)."""
    found = medcat_compat.fast_tokens_guard(cat)
    if found is None:
        return False
    pipeline, regex, tagger = found
    tokenize = make_tokenize(regex, tagger)
    if not medcat_compat.ct_same_tokens_as(tokenize, pipeline):
        medcat_compat.not_applied("ct_same_tokens_as", "the one-pass tokens differ from MedCAT's on the probe")
        return False
    medcat_compat.set_get_doc(pipeline, tokenize, skip=tagger)
    return True
