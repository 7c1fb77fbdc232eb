"""Alternatives resolved by the note itself: the note's other codes establish the context a map asks for.

A map default often comes with context-specific alternatives in the same group (diabetic
retinopathy: E14.3† by default, E10.3† for type 1, E11.3† for type 2). When exactly one of those
alternatives lies in a 3-character ICD-10 category that another concept of the same note already
gives (type 2 diabetes -> E11.9, so E11 is established), that alternative replaces the default;
the dagger/asterisk pairing is unchanged (the asterisk is a separate group of the same concept),
the default stays listed as an alternative, and ``chosen_because`` names the supporting mention
and code. Without such evidence, or with two competing alternatives (type 1 and type 2 both
stated), the default stays: the rule never guesses beyond what the note states.
"""
from __future__ import annotations

from collections.abc import Callable

from coding_toolkit.mapping.codes import icd_parts, target_kind
from coding_toolkit.records import Alternative, CodeSuggestion, CodeSystem
from coding_toolkit.suggest.config import CodingRules, in_ranges
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.rule_sections import AlternativesFromNote, Specificity

DEFAULT_BLOCK = 1


def _category(code: str) -> str | None:
    parts = icd_parts(code)
    return parts[0] if parts else None


def resolve_alternatives(suggestions: list[CodeSuggestion], rules: CodingRules,
                         describe: Callable[[CodeSuggestion], str]) -> list[CodeSuggestion]:
    """``describe(s)`` words the supporting suggestion for ``chosen_because`` (e.g. "'type 2 diabetes' (E11.9)")."""
    if not rules.on("alternatives_from_note") or not any(
            a.block == DEFAULT_BLOCK and a.reason is None for s in suggestions for a in s.alternatives):
        return suggestions  # most notes: no default with context-specific alternatives
    established: dict[tuple[str, str], list[CodeSuggestion]] = {}
    not_establishing = rules.section(AlternativesFromNote).not_establishing
    not_superseding = rules.section(Specificity).not_superseding
    for s in suggestions:
        category = _category(s.code) if s.system != CodeSystem.OPCS4 else None
        # a history code (old MI I25.2: specificity.not_superseding) says nothing about a current condition
        if category and not in_ranges(category, not_establishing) and s.code not in not_superseding:
            established.setdefault((s.system, category), []).append(s)
    out = []
    for s in suggestions:
        own = _category(s.code) if s.system != CodeSystem.OPCS4 else None
        if own is None or s.chosen_because:  # already resolved (e.g. per note, before the episode)
            out.append(s)
            continue
        candidates: list[tuple[Alternative, CodeSuggestion]] = []
        for a in s.alternatives:
            category = _category(a.code)
            if a.block != DEFAULT_BLOCK or a.reason is not None or not a.classifiable or category in (None, own):
                continue
            supporters = [e for e in established.get((s.system, category), ())
                          if e is not s and set(e.sctids) - set(s.sctids)]
            if supporters:
                candidates.append((a, supporters[0]))
        if len({_category(a.code) for a, _ in candidates}) != 1 or len(candidates) != 1:
            out.append(s)  # no evidence, or competing alternatives: the default stays
            continue
        chosen, supporter = candidates[0]
        out.append(take_alternative(s, chosen, f"{_category(chosen.code)} established by {describe(supporter)}"))
    return out


def take_alternative(s: CodeSuggestion, chosen: Alternative, because: str) -> CodeSuggestion:
    """``s`` with its alternative ``chosen`` as the code; the map default stays listed as an alternative."""
    group = max((a.priority for a in s.alternatives if a.block == DEFAULT_BLOCK and a.group == chosen.group),
                default=0) + 1  # the default is the group's highest priority
    replaced = Alternative(code=s.code, display=s.display, title=s.title, block=DEFAULT_BLOCK,
                           group=chosen.group, priority=group, advice=s.advice,
                           sctid=s.sctids[0] if s.sctids else "", reason=f"map default; replaced: {because}")
    return evolve(s, code=chosen.code, display=chosen.display, title=chosen.title, advice=chosen.advice,
                  kind=target_kind(chosen.code),
                  alternatives=(replaced,) + tuple(a for a in s.alternatives if a is not chosen),
                  chosen_because=because)
