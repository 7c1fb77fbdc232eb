"""Name variants for concepts whose names are US-spelt FSNs (the SNOMED CT GPS starter concepts).

NHS notes say "appendicectomy", "haemorrhage", "neck of femur fracture", "MI"; the GPS has
"Appendectomy", "Hemorrhage", "Fracture of neck of femur", "Myocardial infarction". The rules live
in ``model_packs/name_variants.json`` (data, not code):

- ``spelling``: US -> UK regular-expression rewrites applied together to a term;
- ``phrase_swaps``: whole-phrase rewrites to the wording clinicians use;
- ``strip_prefixes`` / ``strip_suffixes``: drop qualifiers such as "Disorder of" or " syndrome";
- ``of_word_order``: "X of Y" -> "Y X" (and an adjectival form for a few body parts);
- ``abbreviations``: unambiguous abbreviations and lay names per SCTID, kept verbatim (case matters
  for short abbreviations: MedCAT only links short names written in capitals);
- ``possessive``: "Huntington's chorea" -> "huntington chorea", "huntingtons chorea";
- ``plural``: the head noun's plural for disorders and findings ("renal cell carcinomas");
- ``paraphrases``: clinical wording of whole terms ("Malignant neoplasm of breast" -> "breast cancer",
  "Neoplasm of ovary" -> "ovarian tumour", "Neoplastic disease" -> "tumour", "tumour" <-> "neoplasm",
  "Malignant lymphoma" -> "lymphoma");
- ``eponyms``: "Huntington's chorea" -> "huntington disease", "Von Hippel-Lindau syndrome" ->
  "von hippel-lindau disease".

Every rule has a name and can be switched off. ``rule_sets`` in the file says which rules run for the
starter pack (all) and for a trust's own release (only the safe, general ones: spelling, possessive,
plural); ``load_variant_rules(rule_set=..., enable=..., disable=...)`` chooses.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coding_toolkit.errors import ReleaseError, where
from coding_toolkit.records import ConceptEntry
from coding_toolkit.terminology.rf2 import strip_tag

__all__ = ["VariantRules", "load_variant_rules", "generate_variants", "share_variants", "name_key", "RULE_NAMES"]

_SPACES = re.compile(r"\s+")
RULE_NAMES = ("spelling", "possessive", "plural", "phrase_swaps", "paraphrases", "eponyms", "strip",
              "of_word_order", "abbreviations")
_POSSESSIVE = re.compile(r"\b([a-z][a-z-]*)'s\b")
_KEY_DROP = re.compile(r"'s\b|[^\w\s]")


def name_key(name: str) -> str:
    """How MedCAT compares names, roughly: case, possessive 's and punctuation ignored."""
    return _SPACES.sub(" ", _KEY_DROP.sub(" ", name.lower())).strip()


@dataclass(frozen=True)
class Paraphrase:
    pattern: re.Pattern
    names: tuple[str, ...]


@dataclass(frozen=True)
class VariantRules:
    spelling: tuple[tuple[re.Pattern, str], ...]
    phrase_swaps: tuple[tuple[re.Pattern, str], ...]
    strip_prefixes: tuple[str, ...]
    strip_suffixes: tuple[str, ...]
    min_words_after_strip: int
    of_max_head_words: int
    of_max_words: int
    of_skip_heads: frozenset[str]
    of_skip_tail_words: frozenset[str]
    adjectives: dict[str, str]
    abbreviations: dict[str, tuple[str, ...]]
    source: str = ""
    enabled: frozenset[str] = frozenset(RULE_NAMES)
    paraphrases: tuple[Paraphrase, ...] = ()
    site_adjectives: dict[str, tuple[str, ...]] = field(default_factory=dict)
    plural_tags: frozenset[str] = frozenset()
    plural_heads: re.Pattern | None = None
    plural_skip: re.Pattern | None = None
    plural_rules: tuple[tuple[re.Pattern, str], ...] = ()
    eponym_particles: frozenset[str] = frozenset()
    eponym_heads: frozenset[str] = frozenset()

    def on(self, rule: str) -> bool:
        return rule in self.enabled

    def only(self, *rules: str) -> VariantRules:
        """The same rules with only ``rules`` switched on (names from RULE_NAMES)."""
        return replace(self, enabled=_check_names(rules, self.source))


def _check_names(rules, source) -> frozenset[str]:
    bad = sorted(set(rules) - set(RULE_NAMES))
    if bad:
        raise ReleaseError(f"{source or 'name-variant rules'}: unknown rule {bad[0]!r}; fix: use one of "
                           f"{', '.join(RULE_NAMES)}")
    return frozenset(rules)


def _compile(pairs: Any, path: Path, field: str) -> tuple[tuple[re.Pattern, str], ...]:
    out = []
    if not isinstance(pairs, list):
        raise ReleaseError(f"{where(path, field=field)}: expected a list of [pattern, replacement]; fix the rule file")
    for index, pair in enumerate(pairs):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            raise ReleaseError(f"{where(path, field=f'{field}[{index}]')}: expected [pattern, replacement], "
                               f"got {pair!r}; fix the rule file")
        try:
            out.append((re.compile(pair[0], re.IGNORECASE), pair[1]))
        except re.error as e:
            raise ReleaseError(f"{where(path, field=f'{field}[{index}]')}: bad regular expression "
                               f"{pair[0]!r} ({e}); fix the rule file") from e
    return tuple(out)


def _paraphrases(raw: Any, path: Path) -> tuple[Paraphrase, ...]:
    out = []
    for index, rule in enumerate(raw.get("rules", []) if isinstance(raw, dict) else []):
        field_name = f"paraphrases.rules[{index}]"
        if not (isinstance(rule, dict) and isinstance(rule.get("pattern"), str)
                and isinstance(rule.get("names"), list) and all(isinstance(n, str) for n in rule["names"])):
            raise ReleaseError(f"{where(path, field=field_name)}: expected {{\"pattern\": regex, \"names\": "
                               "[templates]}; fix the rule file")
        (compiled,) = _compile([[rule["pattern"], ""]], path, field_name)
        out.append(Paraphrase(compiled[0], tuple(rule["names"])))
    return tuple(out)


def load_variant_rules(path: str | Path | None = None, *, rule_set: str = "starter",
                       enable=(), disable=()) -> VariantRules:
    """Read the rule file (default: the shipped ``model_packs/name_variants.json``).

    ``rule_set`` names the file's list of rules to run ("starter" or "release"); ``enable`` /
    ``disable`` switch single rules on or off on top of it.
    """
    if path is None:
        from coding_toolkit.resources import data_path

        path = data_path("model_packs", "name_variants.json")
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ReleaseError(f"{path}: name-variant rule file not found; fix: pass an existing JSON file") from e
    except json.JSONDecodeError as e:
        raise ReleaseError(f"{where(path, e.lineno)}: invalid JSON ({e.msg}); fix the rule file") from e
    of = raw.get("of_word_order", {})
    sets = raw.get("rule_sets", {"starter": list(RULE_NAMES)})
    if rule_set not in sets:
        raise ReleaseError(f"{where(path, field='rule_sets')}: no rule set {rule_set!r}; fix: use one of "
                           f"{', '.join(k for k in sets if not k.startswith('_'))}")
    enabled = (_check_names(sets[rule_set], path) | _check_names(enable, path)) - _check_names(disable, path)
    para = raw.get("paraphrases", {})
    plural = raw.get("plural", {})
    eponyms = raw.get("eponyms", {})
    heads = _compile([[plural["heads"], ""]], path, "plural.heads")[0][0] if plural.get("heads") else None
    skip = _compile([[plural["skip_heads"], ""]], path, "plural.skip_heads")[0][0] if plural.get("skip_heads") else None
    abbreviations = {}
    for sctid, names in raw.get("abbreviations", {}).items():
        if sctid.startswith("_"):
            continue
        if not sctid.isdigit() or not isinstance(names, list):
            raise ReleaseError(f"{where(path, field=f'abbreviations.{sctid}')}: expected an SCTID mapped to a "
                               "list of names; fix the rule file")
        abbreviations[sctid] = tuple(names)
    return VariantRules(
        spelling=_compile(raw.get("spelling", []), path, "spelling"),
        phrase_swaps=_compile(raw.get("phrase_swaps", []), path, "phrase_swaps"),
        strip_prefixes=tuple(p.lower() for p in raw.get("strip_prefixes", [])),
        strip_suffixes=tuple(s.lower() for s in raw.get("strip_suffixes", [])),
        min_words_after_strip=int(raw.get("keep_after_strip_min_words", 2)),
        of_max_head_words=int(of.get("max_head_words", 3)),
        of_max_words=int(of.get("max_words", 7)),
        of_skip_heads=frozenset(h.lower() for h in of.get("skip_heads", [])),
        of_skip_tail_words=frozenset(w.lower() for w in of.get("skip_tail_words", [])),
        adjectives={k.lower(): v.lower() for k, v in of.get("adjectives", {}).items() if not k.startswith("_")},
        abbreviations=abbreviations,
        source=str(path),
        enabled=enabled,
        paraphrases=_paraphrases(para, path),
        site_adjectives={k: tuple(v) for k, v in para.get("site_adjectives", {}).items() if not k.startswith("_")},
        plural_tags=frozenset(t.lower() for t in plural.get("tags", [])),
        plural_heads=heads,
        plural_skip=skip,
        plural_rules=_compile(plural.get("rules", []), path, "plural.rules"),
        eponym_particles=frozenset(p.lower() for p in eponyms.get("particles", [])),
        eponym_heads=frozenset(h.lower() for h in eponyms.get("heads", [])),
    )


def _norm(term: str) -> str:
    return _SPACES.sub(" ", strip_tag(term)).strip().lower()


def _uk_spelling(term: str, rules: VariantRules) -> str:
    for pattern, repl in rules.spelling:
        term = pattern.sub(repl, term)
    return term


def _phrase_swaps(term: str, rules: VariantRules) -> list[str]:
    out = []
    for pattern, repl in rules.phrase_swaps:
        if pattern.search(term):
            out.append(pattern.sub(repl, term))
    return out


def _strip(term: str, rules: VariantRules) -> list[str]:
    out = []
    for prefix in rules.strip_prefixes:
        if term.startswith(prefix):
            out.append(term[len(prefix):])
    for suffix in rules.strip_suffixes:
        if term.endswith(suffix):
            rest = term[: -len(suffix)].strip(" ,")
            if len(rest.split()) >= rules.min_words_after_strip:
                out.append(rest)
    return out


def _of_order(term: str, rules: VariantRules) -> list[str]:
    """'fracture of neck of femur' -> 'neck of femur fracture', 'femoral neck fracture'."""
    if " of " not in term or len(term.split()) > rules.of_max_words:
        return []
    head, tail = term.split(" of ", 1)
    if not head or not tail or len(head.split()) > rules.of_max_head_words or head in rules.of_skip_heads:
        return []
    if rules.of_skip_tail_words.intersection(tail.replace(",", " ").split()) or "," in head:
        return []  # "destruction of haemorrhoids by sclerotherapy": reordering would garble it
    # "X of the Y" reads "Y X" too
    tail = tail[4:] if tail.startswith("the ") else tail
    out = [f"{tail} {head}"]
    adjective = rules.adjectives.get(tail)
    if adjective and adjective != tail:
        out.append(f"{adjective} {head}")
    return out


def _paraphrase(term: str, rules: VariantRules) -> list[str]:
    """Whole-term clinical wording: 'malignant neoplasm of breast' -> 'breast cancer', ..."""
    out = []
    for rule in rules.paraphrases:
        match = rule.pattern.search(term)
        if not match:
            continue
        groups = {k: (v or "") for k, v in match.groupdict().items()}
        site = groups.get("site", "")
        adjectives = rules.site_adjectives.get(site, ()) if site else ()
        for template in rule.names:
            if "{site_adj}" in template:
                out.extend(template.format(**groups, site_adj=adj) for adj in adjectives)
            else:
                out.append(template.format(**groups))
    return out


def _is_eponym(word: str, original: str) -> bool:
    """An eponym: a possessive ('huntington's'), or capitalised hyphen pair ('Prader-Willi')."""
    if word.endswith("'s"):
        return True
    parts = original.split("-")
    return len(parts) > 1 and all(p[:1].isupper() for p in parts)


def _eponyms(entry: ConceptEntry, term: str, rules: VariantRules) -> list[str]:
    """'huntington's chorea' -> 'huntington disease', 'von hippel-lindau syndrome' -> '... disease'."""
    words, original = term.split(), strip_tag(entry.preferred_term or entry.fsn).split()
    if len(original) != len(words):
        return []
    start = 1 if words[0] in rules.eponym_particles and len(words) == 3 else 0
    if len(words) - start != 2 or words[-1] not in rules.eponym_heads:
        return []
    if not (start or _is_eponym(words[0], original[0])):
        return []
    name = " ".join(words[:-1])
    if name.endswith("'s"):  # "huntington's chorea": both the bare and the possessive form
        return [f"{name[:-2]} disease", f"{name} disease"]
    out = [f"{name} disease"] if words[-1] != "disease" else []
    if not start and "-" in name:  # "lesch-nyhan": a double-barrelled eponym names it alone
        out.append(name)
    return out


def _possessive(term: str) -> list[str]:
    """"huntington's chorea" -> 'huntington chorea', 'huntingtons chorea'."""
    if "'s" not in term:
        return []
    return [_POSSESSIVE.sub(r"\1", term), _POSSESSIVE.sub(r"\1s", term)]


def _plural(term: str, rules: VariantRules) -> list[str]:
    """Plural of the head noun (before the first ' of ', else the last word)."""
    head_part, sep, tail = term.partition(" of ")
    words = head_part.split()
    if "," in head_part or (words and "-" in words[-1]):  # "leukemia, disease"; "lesch-nyhan" (a name)
        return []
    if not words or rules.plural_heads is None or not rules.plural_heads.search(words[-1]):
        return []
    if rules.plural_skip is not None and rules.plural_skip.search(words[-1]):
        return []
    for pattern, repl in rules.plural_rules:
        if pattern.search(words[-1]):
            words[-1] = pattern.sub(repl, words[-1], count=1)
            return [" ".join(words) + sep + tail]
    return []


def generate_variants(entry: ConceptEntry, rules: VariantRules | None = None) -> list[str]:
    """Extra names for ``entry``: UK spellings, clinical wording, word order, abbreviations.

    Returns new names only (not the entry's own preferred term, FSN or synonyms, compared
    case-insensitively), in a stable order, without duplicates.
    """
    rules = rules or _default_rules()
    own = {_norm(n) for n in (entry.preferred_term, entry.fsn, *entry.synonyms) if n}
    bases = [n for n in dict.fromkeys(_norm(n) for n in (entry.preferred_term, entry.fsn, *entry.synonyms)) if n]
    seen: dict[str, str] = {}

    def add(name: str) -> None:
        name = _SPACES.sub(" ", name).strip(" ,")
        key = name.lower()
        if name and key not in own and key not in seen:
            seen[key] = name

    uk = (lambda t: _uk_spelling(t, rules)) if rules.on("spelling") else (lambda t: t)
    for base in bases:
        # Stage 1: wording (phrase swaps, paraphrases, eponyms, stripped qualifiers) on the US and UK forms.
        stage = list(dict.fromkeys([base, uk(base)]))
        if rules.on("paraphrases"):
            stage.extend(_paraphrase(base, rules))
        if rules.on("eponyms"):
            stage.extend(_eponyms(entry, base, rules))
        if rules.on("phrase_swaps"):
            for term in list(stage):
                stage.extend(_phrase_swaps(term, rules))
        if rules.on("strip"):
            for term in list(stage):
                stage.extend(_strip(term, rules))
        # Stage 2: word order of every wording; UK spelling applied to the result as well.
        if rules.on("of_word_order"):
            for term in list(stage):
                stage.extend(_of_order(term, rules))
        for term in stage:
            add(term)
            add(uk(term))
    # Stage 3: surface forms of every name so far: possessive and plural.
    names = [*bases, *seen.values()]
    if rules.on("possessive"):
        for name in list(names):
            for form in _possessive(name):
                add(form)
                names.append(form)
    if rules.on("plural") and entry.semantic_tag.lower() in rules.plural_tags:
        for name in names:
            for form in _plural(name, rules):
                add(form)
    if rules.on("abbreviations"):
        for name in rules.abbreviations.get(entry.sctid, ()):
            add(name)
    return list(seen.values())


def share_variants(generated: dict[str, list[str]], terms: dict[str, str]) -> dict[str, list[str]]:
    """Give every generated name to one concept at most, so no name becomes ambiguous.

    An untrained pack has no context vectors, so MedCAT links an ambiguous name to nothing. Names are
    compared as MedCAT compares them (``name_key``). A variant that is another concept's own term is
    dropped ("cushing disease" is Cushing's disease's name, not a variant of Cushing's syndrome). A
    variant generated for several concepts goes to the one with the shortest own term, the more
    general reading ("ovarian cancer": Malignant tumor of ovary, not Primary malignant neoplasm of
    ovary); on a tie it goes to none.
    """
    own = {name_key(term): sctid for sctid, term in terms.items()}
    owners: dict[str, list[str]] = {}
    for sctid, names in generated.items():
        for name in names:
            key = name_key(name)
            if own.get(key, sctid) == sctid:
                owners.setdefault(key, []).append(sctid)
    winner: dict[str, str | None] = {}
    for key, sctids in owners.items():
        sctids = list(dict.fromkeys(sctids))
        if len(sctids) == 1:
            winner[key] = sctids[0]
            continue
        ranked = sorted(sctids, key=lambda s: (len(terms[s].split()), len(terms[s])))
        first, second = ranked[0], ranked[1]
        tie = (len(terms[first].split()), len(terms[first])) == (len(terms[second].split()), len(terms[second]))
        winner[key] = None if tie else first
    return {sctid: [n for n in names if winner.get(name_key(n)) == sctid] for sctid, names in generated.items()}


_DEFAULT: VariantRules | None = None


def _default_rules() -> VariantRules:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_variant_rules()
    return _DEFAULT
