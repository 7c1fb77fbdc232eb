"""Every use of MedCAT internals, in one place, with the MedCAT versions each was checked against.

The rest of the toolkit uses MedCAT's public API (``CAT.load_model_pack``, ``cat(text)``,
``get_entities``, ``cat.trainer``, ``cat.get_addons()``, the component registry). What is not
public goes through this module: private attributes of the pipeline, CDB and regex tokens, classes
swapped on a loaded instance, a stub given to ``CDBMaker``, MedCAT's tokenizer regex.

Each such use is a *touch* in :data:`CHECKED_AGAINST` (what it relies on, the MedCAT versions it was
checked against, where it is used). A touch is applied only when its guard holds (the exact MedCAT
class it was checked on, the behaviour it relies on probed); when a guard does not hold, the touch
is left out, MedCAT's own code runs (same output, slower), and :func:`not_applied` logs one WARNING
per touch per process saying so. The equality of the patched and the plain CAT is checked by
``tests/concepts/test_dict_ner.py`` and ``benchmarks/check_dict_ner.py``.
"""
from __future__ import annotations

import functools
import logging
import re
from contextlib import contextmanager

log = logging.getLogger(__name__)

# touch -> what it relies on, the medcat versions it was checked against, where it is used
CHECKED_AGAINST: dict[str, dict] = {
    "entity_spans": {
        "medcat": ("2.9.0",), "used_by": "concepts/pack.py (load)",
        "relies_on": "RegexTokenizer.entity_from_tokens finds token positions with list.index; a regex "
                     "Token's index is its position; tokenizer._entity_from_tokens(doc, tokens, start, end)"},
    "lean_regex_tokens": {
        "medcat": ("2.9.0",), "used_by": "concepts/pack.py (load, without the compiled stages)",
        "relies_on": "RegexTokenizer.__call__ and _get_tokens_matches, Document._tokens/_char_indices, "
                     "Token's private fields and its lower/base/to_skip/is_punctuation properties"},
    "no_op_normaliser": {
        "medcat": ("2.9.0",), "used_by": "concepts/pack.py (load)",
        "relies_on": "with the regex tokenizer TokenNormalizer only assigns token.norm (also when "
                     "spell-checking), and a regex Token's norm setter ignores assignments (probed)"},
    "regex_tagger": {
        "medcat": ("2.9.0",), "used_by": "concepts/pack.py (load, compiled stages)",
        "relies_on": "TagAndSkipTagger's punct_checker/word_skipper/cnf_p; Token._text/_is_punct/_to_skip; "
                     "regex tokens are never stop words"},
    "dict_ner": {
        "medcat": ("2.9.0",), "used_by": "concepts/dict_ner.py",
        "relies_on": "vocab_based_ner.NER's walk (subnames, max_skip_tokens), CDB._subnames and "
                     "_reset_subnames, maybe_annotate_name, Token._text/_to_skip/_token_index, "
                     "Pipeline._components"},
    "lazy_context": {
        "medcat": ("2.9.0",), "used_by": "concepts/lazy_context.py",
        "relies_on": "ContextModel.get_all_similarities/get_context_vectors signatures; a concept without "
                     "trained vectors scores -1 without reading them"},
    "cdb_maker_tokenizer": {
        "medcat": ("2.9.0",), "used_by": "concepts/build.py",
        "relies_on": "CDBMaker.prepare_csvs reads maker.pipeline.tokenizer_with_tag once per name"},
    "ct_same_tokens_as": {
        "medcat": ("2.9.0",), "used_by": "concepts/fast_tokens.py (load, last)",
        "relies_on": "Pipeline.get_doc (tokenizer, then _components, then _addons, None check), "
                     "RegexTokenizer.REGEX/__call__ and Document._tokens/_char_indices, Token's private "
                     "fields and its lower/to_skip/is_punctuation/is_stop properties, TagAndSkipTagger's "
                     "punct_checker/word_skipper/cnf_p; the one-pass tokens equal MedCAT's on a probe"},
    "release_document": {
        "medcat": ("2.9.0",), "used_by": "concepts/pack.py (after each note)",
        "relies_on": "a regex Document and its tokens/entities reference each other (cycles); nothing "
                     "keeps a document once Pack.annotate has read its linked entities"},
    "tokenizer_regex": {
        "medcat": ("2.9.0",), "used_by": "concepts/vocab.py",
        "relies_on": "RegexTokenizer.REGEX, group 2 = a token without its whitespace"},
    "metacat_internals": {
        "medcat": ("2.9.0",), "used_by": "concepts/metacat.py (train meta, predict_spans)",
        "relies_on": "medcat.components.addons.meta_cat: data_utils.prepare_from_json(doc, cntx_left, "
                     "cntx_right, tokenizer, replace_center, lowercase), ml_utils.predict, "
                     "mctokenizers.bpe_tokenizer.TokenizerWrapperBPE, MetaCAT/MetaCATAddon(config, "
                     "tokenizer, metacat), config.config_meta_cat.ConfigMetaCAT (not a documented API)"},
    "saved_model_layout": {
        "medcat": ("2.9.0",), "used_by": "concepts/reproducible.py (canonical pack bytes)",
        "relies_on": "medcat.storage.serialisers: a saved part is a dill pickle named raw_dict.dat "
                     "(DillSerialiser.RAW_FILE) read back with RemappingUnpickler; the model card's "
                     "save/training time fields"},
    "pickles_written_by": {
        "medcat": ("2.9.0",), "used_by": "concepts/reproducible.py (save_model_canonical)",
        "relies_on": "save_model_pack writes every raw part through DillSerialiser.serialise(self, "
                     "raw_parts, target_file), one file per part named DillSerialiser.RAW_FILE"},
    "load_without_environment_scan": {
        "medcat": ("2.9.0",), "used_by": "concepts/pack.py (load)",
        "relies_on": "ModelMeta's saved_environ default (envsnapshot.get_environment_info, which reads "
                     "the metadata of every installed distribution through get_installed_dependencies "
                     "and get_transitive_deps) is made and then replaced by the pack's saved one"},
}

# the MedCAT versions every touch above was checked against: another installed version warns once
CHECKED_VERSIONS: frozenset[str] = frozenset(v for entry in CHECKED_AGAINST.values() for v in entry["medcat"])

# medcat.tokenizing.regex_impl.tokenizer.RegexTokenizer.REGEX of the versions above: used only if
# MedCAT no longer has it (with a warning), so word vectors keep the tokens the linker looks up
_TOKENIZER_REGEX_CHECKED = re.compile(r"(([^a-zA-Z0-9\s]+|\b\w+\b|\S+)\s?)")


@functools.lru_cache(maxsize=1)
def medcat_version() -> str:
    import medcat

    return str(getattr(medcat, "__version__", "unknown"))


@functools.cache
def not_applied(touch: str, reason: str) -> None:
    """Log once per process that ``touch`` was left out (MedCAT's own code runs instead)."""
    checked = ", ".join(CHECKED_AGAINST[touch]["medcat"])
    log.warning("MedCAT %s: the toolkit's %r adaptation is not applied (%s); it was checked against "
                "medcat %s. Output is MedCAT's own, only slower; see docs/architecture.md "
                "('MedCAT adapter')", medcat_version(), touch, reason, checked)


def version_checked(touch: str) -> bool:
    return medcat_version() in CHECKED_AGAINST[touch]["medcat"]


def check_installed_version(version: str | None = None) -> bool:
    """Whether the installed MedCAT (or ``version``) is one the toolkit was checked against; if not,
    one WARNING per process and version (each touch's guard still decides whether it applies)."""
    version = version or medcat_version()
    if version in CHECKED_VERSIONS:
        return True
    _warn_unchecked(version)
    return False


@functools.cache
def _warn_unchecked(version: str) -> None:
    log.warning("MedCAT %s is installed; this toolkit was checked against medcat %s. Packs load and "
                "annotate, but check the output (benchmarks/check_same_output.py) or install a checked "
                "version; see docs/architecture.md ('MedCAT adapter')", version,
                ", ".join(sorted(CHECKED_VERSIONS)))


# -- the loaded pipeline ----------------------------------------------------------------------
def components(cat) -> list:
    """The CAT's core components in order (MedCAT's own list: replacing an item replaces the step)."""
    return cat._pipeline._components


def tokenizer(cat):
    return cat._pipeline._tokenizer


def linker_context_model(cat):
    """The linker's context model, or None when the pack has no linker with one."""
    from medcat.components.types import CoreComponentType

    try:
        linker = cat._pipeline.get_component(CoreComponentType.linking)
    except ValueError:
        return None
    return getattr(linker, "context_model", None)


def reclass(obj, cls) -> None:
    """Give one loaded instance a subclass (Python looks ``__call__`` up on the class)."""
    obj.__class__ = cls


@contextmanager
def not_training(cat):
    """Annotate with linking training off, as ``get_entities`` does, and give the flag back after."""
    linking = cat.config.components.linking
    was = linking.train
    if was:
        linking.train = False
    try:
        yield
    finally:
        if was:
            linking.train = was


@contextmanager
def without_environment_scan():
    """Load a pack without MedCAT scanning the installed distributions for a default it then throws
    away: building a config makes ``ModelMeta.saved_environ`` (every installed package's metadata
    parsed, twice per load: 0.3-0.7 s of a start-up, issue 27), and loading then sets the pack's
    saved environment over it. Inside this block the scan finds nothing; saving is not affected."""
    try:
        from medcat.utils import envsnapshot
    except ImportError as e:
        not_applied("load_without_environment_scan", f"{type(e).__name__}: {e}")
        yield
        return
    names = ("get_installed_dependencies", "get_transitive_deps")
    if not all(callable(getattr(envsnapshot, n, None)) for n in names) or \
            not parameters_are(envsnapshot.get_environment_info, ("include_transitive_deps", "include_extras")):
        not_applied("load_without_environment_scan", "medcat.utils.envsnapshot changed")
        yield
        return
    saved = {n: getattr(envsnapshot, n) for n in names}
    for n in names:
        setattr(envsnapshot, n, lambda *args, **kwargs: {})
    try:
        yield
    finally:
        for n, fn in saved.items():
            setattr(envsnapshot, n, fn)


@contextmanager
def pickles_written_by(write):
    """While inside, MedCAT's dill serialiser hands each raw part to ``write(raw_parts, path)``
    instead of pickling it itself. Yields whether that applies; when it does not (a MedCAT that
    saves otherwise), MedCAT writes its own pickles and the caller canonicalises them after."""
    from pathlib import Path

    try:
        from medcat.storage.serialisers import DillSerialiser
    except ImportError as e:
        not_applied("pickles_written_by", f"{type(e).__name__}: {e}")
        yield False
        return
    original = DillSerialiser.__dict__.get("serialise")
    if original is None or not parameters_are(original, ("raw_parts", "target_file")) or \
            getattr(DillSerialiser, "RAW_FILE", None) != "raw_dict.dat":
        not_applied("pickles_written_by", "medcat.storage.serialisers.DillSerialiser changed")
        yield False
        return

    def serialise(self, raw_parts, target_file):
        write(raw_parts, Path(target_file))

    DillSerialiser.serialise = serialise
    try:
        yield True
    finally:
        DillSerialiser.serialise = original


# -- regex tokenizer --------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def regex_tokenizer_types():
    """(RegexTokenizer, Token, Document) of medcat's regex tokenizer, or None when it moved."""
    try:
        from medcat.tokenizing.regex_impl.tokenizer import Document, RegexTokenizer, Token
    except ImportError:
        return None
    return RegexTokenizer, Token, Document


def is_regex_tokenizer(tok) -> bool:
    types = regex_tokenizer_types()
    return types is not None and type(tok) is types[0]


def tokenizer_regex() -> re.Pattern:
    """MedCAT's regex tokenizer pattern (group 2: a token without its whitespace)."""
    types = regex_tokenizer_types()
    pattern = getattr(types[0], "REGEX", None) if types else None
    if isinstance(pattern, re.Pattern) and pattern.groups >= 2:
        return pattern
    not_applied("tokenizer_regex", "RegexTokenizer.REGEX not found; word vectors use the pattern "
                                   "copied from the checked versions")
    return _TOKENIZER_REGEX_CHECKED


_TOKEN_FIELDS = ("_doc", "_text", "_text_with_ws", "_start_index", "_token_index", "_is_punct", "_to_skip")


def regex_token_fields_hold(tok) -> bool:
    """Whether this regex tokenizer's tokens and documents still have the private fields the
    touches read and write (probed on a two-token text)."""
    try:
        doc = tok("Probe text")
        first = doc._tokens[0]
        return (all(hasattr(first, f) for f in _TOKEN_FIELDS) and isinstance(doc._char_indices, list)
                and first._text == "Probe" and first._token_index == 0 and first.index == 0)
    except Exception:  # noqa: BLE001  (any change in the internals means: do not touch)
        return False


def parameters_are(func, names: tuple[str, ...]) -> bool:
    """Whether ``func`` (a method a toolkit subclass overrides or calls) still takes these parameters."""
    import inspect

    try:
        params = tuple(p for p in inspect.signature(func).parameters if p != "self")
    except (TypeError, ValueError):
        return False
    return params == names


def unskipped_tokens(doc) -> tuple[list, list[str], list[int]]:
    """(tokens, texts, token positions) of a regex document's non-skipped tokens, read from their
    fields rather than through three property layers each (checked: dict_ner._ready)."""
    toks = [t for t in doc._tokens if not t._to_skip]
    return toks, [t._text for t in toks], [t._token_index for t in toks]


def fast_tokens_guard(cat):
    """(pipeline, tokenizer regex, tagger) when the one-pass tokens (concepts/fast_tokens.py) can stand
    in for this CAT's tokenizer + tagger, else None (logged once when it is a version change)."""
    try:
        from medcat.components.tagging.tagger import TagAndSkipTagger
        from medcat.pipeline.pipeline import Pipeline
    except ImportError as e:
        not_applied("ct_same_tokens_as", f"{type(e).__name__}: {e}")
        return None
    pipeline = getattr(cat, "_pipeline", None)
    tok = getattr(pipeline, "_tokenizer", None)
    if type(pipeline) is not Pipeline or not is_regex_tokenizer(tok):
        return None  # another pipeline or tokenizer (spaCy): nothing checked, nothing to say
    types = regex_tokenizer_types()
    if "get_doc" in vars(pipeline) or not hasattr(pipeline, "_addons"):
        not_applied("ct_same_tokens_as", "Pipeline.get_doc already replaced or Pipeline._addons not found")
        return None
    regex = getattr(types[0], "REGEX", None)
    if not isinstance(regex, re.Pattern) or regex.groups != 2 or type(tok)._get_tokens_matches is not \
            types[0]._get_tokens_matches:
        not_applied("ct_same_tokens_as", "RegexTokenizer.REGEX is no longer a two-group pattern")
        return None
    taggers = [c for c in components(cat) if isinstance(c, TagAndSkipTagger)]
    if len(taggers) != 1 or type(taggers[0]) not in (TagAndSkipTagger, _regex_tagger_class()) or \
            not all(hasattr(taggers[0], n) for n in ("punct_checker", "word_skipper", "cnf_p")):
        not_applied("ct_same_tokens_as", "not exactly one TagAndSkipTagger with punct_checker/word_skipper/cnf_p")
        return None
    is_stop = getattr(types[1], "is_stop", None)
    if not regex_token_fields_hold(tok) or not isinstance(is_stop, property) or \
            not all(isinstance(getattr(types[1], n, None), property) for n in ("lower", "to_skip", "is_punctuation")):
        not_applied("ct_same_tokens_as", "the regex Token's fields or properties changed")
        return None
    return pipeline, regex, taggers[0]


# a probe of what the tokenizer and tagger distinguish: whitespace runs, punctuation runs, kept
# punctuation, digits, unicode letters and spaces, skip-words, trailing space
_TOKEN_PROBE = ("  Pt is a 45-yo  man;  BP 140/90 mmHg, T 37.5°C... c/o  SOB & CP (x3 days)\n\n"
                "Na+ 135 – café au lait; ok?? :: -- ++ a.b.c ½ tab q.d.s.  \t end  ")


def _token_row(t) -> tuple:
    return (t.text, t.text_with_ws, t.char_index, t.index, t.lower, t.norm, t.is_punctuation, t.to_skip,
            t.is_stop, t._is_punct, t._to_skip, type(t).__mro__[-2].__name__)


def ct_same_tokens_as(tokenize, pipeline, texts=(_TOKEN_PROBE,)) -> bool:
    """Whether ``tokenize`` gives, for each text, the tokens (texts, offsets, indices, lower/norm,
    punctuation and skip marks) of this pipeline's own tokenizer followed by its tagger."""
    for text in texts:
        ours, theirs = tokenize(text), pipeline.tokenizer_with_tag(text)
        if [_token_row(t) for t in ours] != [_token_row(t) for t in theirs] or \
                ours._char_indices != theirs._char_indices or ours.text != theirs.text:
            return False
    return True


def set_get_doc(pipeline, tokenize, skip) -> None:
    """This pipeline's ``get_doc``: ``tokenize`` (which tags too), then its core components but
    ``skip`` (the tagger), then its addons, as ``Pipeline.get_doc`` runs them (this instance only)."""
    from medcat.pipeline.pipeline import IncorrectAddonComponent, IncorrectCoreComponent

    comps, addons = pipeline._components, pipeline._addons

    def get_doc(text: str):
        doc = tokenize(text)
        for comp in comps:
            if comp is skip:
                continue
            doc = comp(doc)
            if doc is None:
                raise IncorrectCoreComponent(f"Core component {comp.full_name} returned None "
                                             "instead of the document.")
        for addon in addons:
            doc = addon(doc)
            if doc is None:
                raise IncorrectAddonComponent(f"Addon component {addon.full_name} returned None "
                                              "instead of the document.")
        return doc

    pipeline.get_doc = get_doc


def release_document(doc) -> None:
    """Drop a regex document's tokens and entities once read: they and the document reference each
    other, so without this every note leaves cycles for the garbage collector to find."""
    types = regex_tokenizer_types()
    if types is not None and type(doc) is types[2]:
        doc.__dict__.clear()


def document_token_lists(doc) -> tuple[list, list]:
    """A regex Document's own token list and token start offsets, to fill in place
    (``Document._tokens``/``_char_indices``: touch "ct_same_tokens_as")."""
    return doc._tokens, doc._char_indices


def cdb_has_subnames(cdb) -> bool:
    """Whether the CDB keeps MedCAT's name-prefix set the NER walk uses (touch "dict_ner")."""
    return hasattr(cdb, "_subnames") and hasattr(cdb, "_reset_subnames")


def cdb_subnames(cdb) -> set:
    """The CDB's token prefixes of names (what MedCAT's NER walk extends), rebuilt when stale."""
    if cdb.has_changed_names or not cdb._subnames:
        cdb._reset_subnames()
    return cdb._subnames


def use_constant_time_entity_spans(cat) -> bool:
    """Give medcat's regex tokenizer an O(1) entity constructor (this CAT instance only).

    medcat 2.9's ``RegexTokenizer.entity_from_tokens`` finds each entity's token positions with
    ``list.index`` over the whole document (a linear scan with a Python ``__eq__`` per token), which
    is ~40% of annotation time on 3 kB notes. A regex token's ``index`` is its position in the
    document, so the same entity is built from it directly.
    """
    try:
        from medcat.tokenizing.regex_impl import tokenizer as regex_tokenizer
    except ImportError:
        not_applied("entity_spans", "medcat.tokenizing.regex_impl.tokenizer not found")
        return False
    tok = getattr(getattr(cat, "pipe", None), "tokenizer", None)
    build = getattr(regex_tokenizer, "_entity_from_tokens", None)
    if type(tok) is not getattr(regex_tokenizer, "RegexTokenizer", None):
        return False  # another tokenizer (spaCy): nothing was checked, nothing to say
    if build is None:
        not_applied("entity_spans", "tokenizer._entity_from_tokens not found")
        return False

    def entity_from_tokens(tokens):
        if not tokens:
            raise ValueError("Need at least one token for an entity")
        return build(tokens[0]._doc, tokens, tokens[0].index, tokens[-1].index)

    tok.entity_from_tokens = entity_from_tokens
    return True


def skip_no_op_normaliser(cat) -> bool:
    """Skip the token normaliser of a regex-tokenizer CAT: its only effect is ``token.norm = ...``
    (spell-check fixes included), which a regex token ignores (probed here); a fifth of annotation
    time. Its ``-PRON-`` branch cannot run: a regex token's lemma is its lower case."""
    from medcat.components.normalizing.normalizer import TokenNormalizer

    types = regex_tokenizer_types()
    if types is None or type(tokenizer(cat)) is not types[0]:
        return False
    token = types[1]
    norm, lemma = getattr(token, "norm", None), getattr(token, "lemma", None)
    ignored = False
    if isinstance(norm, property) and norm.fset is not None and isinstance(lemma, property):
        probe = token.__new__(token)
        probe._text = "Probe"
        try:
            norm.fset(probe, "other")  # the setter must really ignore assignments
            ignored = norm.fget(probe) == "probe" and lemma.fget(probe) == "probe"
        except AttributeError:
            ignored = False
    if not ignored:
        not_applied("no_op_normaliser", "a regex Token's norm setter no longer ignores assignments")
        return False
    done = False
    for comp in components(cat):
        if type(comp) is TokenNormalizer:
            reclass(comp, _skipped_normaliser_class())
            done = True
    return done


def use_regex_tagger(cat) -> bool:
    """Tag punctuation and skip-words by applying the tagger's two regexes to each regex token's text
    directly (same marks, without the property layers)."""
    from medcat.components.tagging.tagger import TagAndSkipTagger

    if not is_regex_tokenizer(tokenizer(cat)):
        return False
    tagger = next((c for c in components(cat) if type(c) is TagAndSkipTagger), None)
    if tagger is None:
        return False
    if not all(hasattr(tagger, name) for name in ("punct_checker", "word_skipper", "cnf_p")):
        not_applied("regex_tagger", "TagAndSkipTagger's punct_checker/word_skipper/cnf_p not found")
        return False
    reclass(tagger, _regex_tagger_class())
    return True


def use_lean_regex_tokens(cat) -> bool:
    """Regex tokens whose ``lower``, ``base``, ``to_skip`` and ``is_punctuation`` are plain attributes
    set once (MedCAT's are properties read ~7 times per token by the NER walk and tagger)."""
    types = regex_tokenizer_types()
    if types is None or type(tokenizer(cat)) is not types[0]:
        return False
    if not all(isinstance(getattr(types[1], name, None), property)
               for name in ("lower", "base", "to_skip", "is_punctuation")):
        not_applied("lean_regex_tokens", "Token.lower/base/to_skip/is_punctuation are no longer properties")
        return False
    reclass(tokenizer(cat), _lean_tokenizer_class())
    return True


@functools.lru_cache(maxsize=1)
def _skipped_normaliser_class():
    from medcat.components.normalizing.normalizer import TokenNormalizer

    class SkippedNormalizer(TokenNormalizer):
        def __call__(self, doc):
            return doc  # regex tokens ignore every norm assignment the original step makes

    return SkippedNormalizer


@functools.lru_cache(maxsize=1)
def _regex_tagger_class():
    from medcat.components.tagging.tagger import TagAndSkipTagger

    class RegexTagger(TagAndSkipTagger):
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

    return RegexTagger


@functools.lru_cache(maxsize=1)
def _lean_tokenizer_class():
    from medcat.tokenizing.regex_impl.tokenizer import Document, RegexTokenizer, Token

    class CachedLowerToken(Token):
        # plain attributes instead of Token's properties: the same values, set once
        lower = base = to_skip = is_punctuation = None

        def __init__(self, document, text, text_with_ws, start_index, token_index, is_punct, to_skip):
            # Token.__init__'s fields (its norm setter does nothing), plus the cached ones
            self._doc, self._text, self._text_with_ws = document, text, text_with_ws
            self._start_index, self._token_index = start_index, token_index
            self._is_punct = self.is_punctuation = is_punct
            self._to_skip = self.to_skip = to_skip
            self.lower = text.lower()
            self.base = self

    class RegexTokenizerCachedLower(RegexTokenizer):
        def __call__(self, text: str):
            doc = Document(text)
            tokens, starts = doc._tokens, doc._char_indices
            for index, match in enumerate(self._get_tokens_matches(text)):
                start = match.start()
                tokens.append(CachedLowerToken(doc, match.group(2), match.group(1), start, index, False, False))
                starts.append(start)
            return doc

    return RegexTokenizerCachedLower


# -- building a CDB ---------------------------------------------------------------------------
class _ResolvedTokenizer:
    """Stands in for a CDBMaker's pipeline: ``tokenizer_with_tag`` resolved once, the rest forwarded."""

    def __init__(self, pipeline):
        self._pipeline = pipeline
        self.tokenizer_with_tag = pipeline.tokenizer_with_tag

    def __getattr__(self, name):
        return getattr(self._pipeline, name)


def cdb_maker(config):
    """A medcat ``CDBMaker`` whose ``prepare_csvs`` does not pay, once per name, the runtime-Protocol
    isinstance check of ``pipeline.tokenizer_with_tag`` (~0.3 ms: 3x faster CDB builds)."""
    from medcat.model_creation.cdb_maker import CDBMaker

    maker = CDBMaker(config)
    pipeline = getattr(maker, "pipeline", None)
    if pipeline is None or not hasattr(pipeline, "tokenizer_with_tag"):
        not_applied("cdb_maker_tokenizer", "CDBMaker.pipeline.tokenizer_with_tag not found")
        return maker
    maker.pipeline = _ResolvedTokenizer(pipeline)
    return maker
