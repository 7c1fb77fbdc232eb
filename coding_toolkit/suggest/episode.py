"""Episode level: the same coding rules over all notes of an episode (CDS per episode).

The notes' suggestions are joined per code (evidence added up, best confidence kept), then the
note rules run again over the whole episode: an alternative established by another note, an
unspecified code superseded by a specific one from another note, and one ranking.
"""
from __future__ import annotations

from collections.abc import Iterable

from coding_toolkit.records import CodeSuggestion
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.merge import merge_suggestions


def episode_suggestions(per_note: Iterable[Iterable[CodeSuggestion]], rules: CodingRules | None = None
                        ) -> tuple[CodeSuggestion, ...]:
    from coding_toolkit.suggest import apply_code_rules

    joined = merge_suggestions(s for note in per_note for s in note)
    return apply_code_rules(joined, rules, describe=lambda s: s.display or s.code)
