"""MedCAT's tagging and normalising steps, for the regex tokenizer, without their per-token overhead.

With medcat 2.9's regex tokenizer (the one every coding-toolkit pack uses: no spaCy model offline):

* the token normaliser only ever assigns ``token.norm``, and a regex token's ``norm`` setter does
  nothing (its norm is always its lower case), so the whole step has no effect; it cost a fifth of
  annotation time. It is skipped.
* the tagger marks punctuation and skip-words with two regexes per token through several property
  layers; :class:`RegexTagger` applies the same two regexes to the token's text directly.

Both are installed on a loaded CAT only when its tokenizer is exactly medcat's ``RegexTokenizer``;
the equality test (tests/concepts/test_dict_ner.py) compares every entity with MedCAT's own steps.
"""
from __future__ import annotations


def _regex_types():
    from medcat.tokenizing.regex_impl.tokenizer import RegexTokenizer, Token

    return RegexTokenizer, Token


def _tagger_class():
    from medcat.components.tagging.tagger import TagAndSkipTagger

    return TagAndSkipTagger


def _normalizer_class():
    from medcat.components.normalizing.normalizer import TokenNormalizer

    return TokenNormalizer


class RegexTagger(_tagger_class()):
    def __call__(self, doc):
        punct, skip, keep = self.punct_checker.match, self.word_skipper.match, self.cnf_p.keep_punct
        for token in doc:
            text = token._text
            lower = text.lower()
            if punct(lower) and text not in keep:
                token._is_punct = True
                token._to_skip = True
            elif skip(lower):
                token._to_skip = True
            # regex tokens are never stop words (skip_stopwords has nothing to skip)
        return doc


class SkippedNormalizer(_normalizer_class()):
    def __call__(self, doc):
        return doc  # regex tokens ignore every norm assignment the original step makes


def install(cat) -> bool:
    try:
        regex_tokenizer, token = _regex_types()
    except ImportError:
        return False
    pipe = cat._pipeline
    if type(pipe.tokenizer) is not regex_tokenizer or token.norm.fset is None:
        return False
    probe = token.__new__(token)
    probe._text = "Probe"
    token.norm.fset(probe, "other")  # the setter must really ignore assignments
    if token.norm.fget(probe) != "probe":
        return False
    done = False
    for comp in pipe._components:
        if type(comp) is _tagger_class():
            comp.__class__ = RegexTagger
            done = True
        elif type(comp) is _normalizer_class():
            comp.__class__ = SkippedNormalizer
    return done
