"""Never-primary codes: which suggestions may not take the primary position, and why (in words).

- asterisk (manifestation) codes: dual classification puts them after their dagger code (always on);
- map advice that forbids a primary position (``CODE MUST NEVER BE USED IN A PRIMARY POSITION``,
  ``... FOR USE IN A SECONDARY POSITION``): phrases in ``data/coding_rules.json``;
- classification ranges: ICD-10 chapter XX external causes (V01-Y98), OPCS-4 chapters Y/Z
  subsidiary codes.
Dagger/asterisk detection is ``mapping.codes.target_kind`` (one definition); a suggestion's ``kind``
is set from it by the map engine.
"""
from __future__ import annotations

from functools import lru_cache

from coding_toolkit.mapping.codes import target_kind
from coding_toolkit.records import CodeSuggestion, CodeSystem
from coding_toolkit.suggest.config import CodingRules, in_ranges
from coding_toolkit.suggest.rule_sections import NeverPrimary

ASTERISK_REASON = "asterisk (manifestation) code: follows its dagger code"


def kind_of(s: CodeSuggestion) -> str | None:
    """``dagger`` / ``asterisk`` / None: the suggestion's kind, else read from its code."""
    return s.kind or (target_kind(s.code) if s.system != CodeSystem.OPCS4 else None)


def never_primary_reason(s: CodeSuggestion, rules: CodingRules) -> str | None:
    return _reason(str(s.system), s.code, kind_of(s), s.advice or "", rules)


@lru_cache(maxsize=16384)  # pure in its arguments; asked for every suggestion of every note
def _reason(system: str, code: str, kind: str | None, advice: str, rules: CodingRules) -> str | None:
    if kind == "asterisk":
        return ASTERISK_REASON
    if not rules.on("never_primary"):
        return None
    advice = advice.upper()
    section = rules.section(NeverPrimary)
    for phrase in section.advice:
        if phrase in advice:
            return f"map advice: {phrase}"
    category = code.replace(" ", "")[:3].upper()
    ranges = section.opcs4 if system == CodeSystem.OPCS4 else section.icd10
    return in_ranges(category, ranges)
