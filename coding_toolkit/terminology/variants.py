"""Name variants for concepts whose names are US-spelt FSNs (the SNOMED CT GPS starter concepts).

NHS notes say "appendicectomy", "haemorrhage", "neck of femur fracture", "MI"; the GPS has
"Appendectomy", "Hemorrhage", "Fracture of neck of femur", "Myocardial infarction". The rules live
in ``model_packs/name_variants.json`` (data, not code):

- ``spelling``: US -> UK regular-expression rewrites applied together to a term;
- ``phrase_swaps``: whole-phrase rewrites to the wording clinicians use;
- ``strip_prefixes`` / ``strip_suffixes``: drop qualifiers such as "Disorder of" or " syndrome";
- ``of_word_order``: "X of Y" -> "Y X" (and an adjectival form for a few body parts);
- ``abbreviations``: unambiguous abbreviations and lay names per SCTID, kept verbatim (case matters
  for short abbreviations: MedCAT only links short names written in capitals).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coding_toolkit.errors import ReleaseError, where
from coding_toolkit.records import ConceptEntry
from coding_toolkit.terminology.rf2 import strip_tag

__all__ = ["VariantRules", "load_variant_rules", "generate_variants"]

_SPACES = re.compile(r"\s+")


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


def load_variant_rules(path: str | Path | None = None) -> VariantRules:
    """Read the rule file (default: the shipped ``model_packs/name_variants.json``)."""
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

    for base in bases:
        # Stage 1: wording (phrase swaps, stripped qualifiers) on the US and UK forms.
        stage = [base, _uk_spelling(base, rules)]
        for term in list(stage):
            stage.extend(_phrase_swaps(term, rules))
        for term in list(stage):
            stage.extend(_strip(term, rules))
        # Stage 2: word order of every wording; UK spelling applied to the result as well.
        for term in list(stage):
            stage.extend(_of_order(term, rules))
        for term in stage:
            add(term)
            add(_uk_spelling(term, rules))
    for name in rules.abbreviations.get(entry.sctid, ()):
        add(name)
    return list(seen.values())


_DEFAULT: VariantRules | None = None


def _default_rules() -> VariantRules:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_variant_rules()
    return _DEFAULT
