"""Ranking: the order of one note's (or episode's) codes per classification, as CDS positions use it.

Codes stated under the note's main-diagnosis heading first (``stated_under``, in the order stated:
``main_heading.py``; switch ``primary_from_heading``), then evidence strength (``rank_key``); an
asterisk code directly follows the dagger code it shares a concept with; the primary is the first
of these codes allowed in a primary position (``never_primary``),
moved to the front with its asterisk codes. When no code may be primary, the strength order stays
and rank 1 carries its ``never_primary`` reason: the CDS primary is then left empty for the coder.
Every output (CDS, CSV, SQL ``rank``, JSONL order, FHIR order) follows ``CodeSuggestion.rank``.
"""
from __future__ import annotations

from collections.abc import Iterable

from coding_toolkit.records import CodeSuggestion, CodeSystem
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.never_primary import kind_of, never_primary_reason
from coding_toolkit.suggest.primary_focus import counts_as_stated, is_background

SYSTEM_ORDER: dict[str, int] = {CodeSystem.ICD10: 0, CodeSystem.ICD10_INT: 1, CodeSystem.OPCS4: 2}


def is_symptom_code(s: CodeSuggestion) -> bool:
    """ICD-10 chapter XVIII (R00-R99): symptoms and signs, which coders do not use in place of a
    definitive diagnosis, so they rank after every other diagnosis."""
    return s.system != CodeSystem.OPCS4 and s.code.startswith("R")


def rank_key(s: CodeSuggestion) -> tuple:
    """Sort key for evidence strength, strongest first.

    Symptom codes (R00-R99) after definitive diagnoses; then more supporting kept mentions; then
    the higher best confidence (to two decimals, so noise does not reorder); then the earlier
    first mention (discharge summaries state the diagnosis before the background). Codes still tied
    (one mention's several codes) keep the order they arrive in, which is the map's own: groups in
    order, main code before its approach or subsidiary code (``merge_mentions``), as a coder
    sequences them; every sort that uses this key is stable, so the order stays deterministic.
    """
    return (is_symptom_code(s), -len(s.evidence), -round(s.confidence, 2), min(s.evidence, default=0))


_PARTNER_KIND = {"dagger": "asterisk", "asterisk": "dagger"}


def dagger_asterisk_partners(s: CodeSuggestion, candidates: Iterable[CodeSuggestion]) -> list[CodeSuggestion]:
    """The dagger/asterisk partners of ``s`` among ``candidates`` (in their order): suggestions of
    the other kind sharing a concept with it. The one pairing rule (ranking, the review page)."""
    other = _PARTNER_KIND.get(kind_of(s) or "")
    if not other:
        return []
    concepts = set(s.sctids)
    return [c for c in candidates if kind_of(c) == other and concepts & set(c.sctids)]


def order_key(s: CodeSuggestion, rules: CodingRules) -> tuple:
    """The order before dagger/asterisk pairing and the primary move: with ``primary_from_heading``, codes
    stated under a main-diagnosis heading first, by their stated order (the ``rank`` they arrive with:
    ``main_heading.py`` numbers a note's; an episode keeps its notes' ranks), symptom codes after
    definitive diagnoses; then every other code, background comorbidities (``primary_focus.py``) last, by
    ``rank_key``."""
    if counts_as_stated(s, rules):
        return (0, is_symptom_code(s), s.rank, rank_key(s))
    return (1, is_background(s, rules), 0, rank_key(s))


def _order_one_system(suggestions: list[CodeSuggestion], rules: CodingRules) -> list[CodeSuggestion]:
    ranked = sorted(suggestions, key=lambda s: order_key(s, rules))
    why = {id(s): never_primary_reason(s, rules) for s in ranked}
    daggers = [s for s in ranked if kind_of(s) == "dagger"]
    attached: dict[str, list[CodeSuggestion]] = {}
    placed: set[str] = set()
    for s in ranked:
        if kind_of(s) == "asterisk":
            dagger = next(iter(dagger_asterisk_partners(s, daggers)), None)
            if dagger is not None:
                attached.setdefault(dagger.code, []).append(s)
                placed.add(s.code)
    blocks = [[s] + attached.get(s.code, []) for s in ranked if s.code not in placed]
    first = next((i for i, b in enumerate(blocks) if why[id(b[0])] is None), None)
    if first is not None:
        blocks.insert(0, blocks.pop(first))
    ordered = (s for b in blocks for s in b)
    # a rule switched off: a heading (or the focus) from the notes is not why a code ranks
    return [s if (s.rank, s.never_primary) == (i, why[id(s)]) and (counts_as_stated(s, rules) or not s.stated_under)
            else evolve(s, rank=i, never_primary=why[id(s)],
                        stated_under=s.stated_under if counts_as_stated(s, rules) else None)
            for i, s in enumerate(ordered, 1)]


def rank(suggestions: Iterable[CodeSuggestion], rules: CodingRules) -> tuple[CodeSuggestion, ...]:
    """All suggestions with ``rank`` and ``never_primary`` set, ICD-10 first, then OPCS-4, each in rank order."""
    by_system: dict[str, list[CodeSuggestion]] = {}
    for s in suggestions:
        if s.code.startswith("#"):
            continue
        by_system.setdefault(s.system, []).append(s)
    out: list[CodeSuggestion] = []
    for system in sorted(by_system, key=lambda name: (SYSTEM_ORDER.get(name, 9), str(name))):
        out.extend(_order_one_system(by_system[system], rules))
    return tuple(out)


def primary_and_others(suggestions: Iterable[CodeSuggestion], system: str) -> tuple[str, list[str]]:
    """(primary code or "", the others) of one system, from ranked suggestions (CDS positions)."""
    ordered = sorted((s for s in suggestions if s.system == system), key=lambda s: s.rank)
    if ordered and ordered[0].never_primary is None:
        return ordered[0].code, [s.code for s in ordered[1:]]
    return "", [s.code for s in ordered]
