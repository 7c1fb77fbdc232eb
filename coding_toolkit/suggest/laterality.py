"""OPCS-4 laterality: an operation on a paired organ or a limb gets Z94.1-Z94.4 from the note.

"left phacoemulsification" -> C71.2 + Z94.3; "R cemented hemiarthroplasty" -> W46.1 + Z94.2;
"bilateral inguinal hernia repair" -> T20.x + Z94.1; no side stated -> Z94.4. Which OPCS-4 categories
need a side, the side words and the codes are data (``opcs_laterality`` in ``data/coding_rules.json``).
The side is the nearest side word before the procedure's mention on its line (within ``window``
characters: "L uncemented total hip replacement"), else one after it in the same clause
("hip replacement, left"). Single letters count only as upper-case words ("L", "R"). The laterality
code cites the procedure's mentions as evidence and is never the primary procedure (OPCS-4 chapter Z).
When the procedure's line states no side, the side stated with the diagnosis it treats is used ("Diagnosis:
Right inguinal hernia" / "Procedure: open inguinal hernia repair" -> Z94.2): the diagnoses under a
main-diagnosis or indication heading, when they state exactly one side.
Switch: ``opcs_laterality``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from coding_toolkit.mapping.codes import to_display
from coding_toolkit.records import AnnotatedMention, CodeSuggestion, CodeSystem
from coding_toolkit.suggest.config import CodingRules, in_code_ranges
from coding_toolkit.suggest.main_heading import main_heading
from coding_toolkit.suggest.note_text import line_bounds
from coding_toolkit.suggest.rule_sections import OpcsLaterality, PrimaryFocus


@lru_cache(maxsize=8)
def _side_pattern(words: tuple[tuple[str, tuple[str, ...]], ...]) -> re.Pattern:
    parts = []
    for side, names in words:
        longer = "|".join(re.escape(w) for w in sorted(names, key=len, reverse=True) if len(w) > 1)
        letters = "".join(w.upper() for w in names if len(w) == 1)
        alternatives = ([f"(?i:{longer})"] if longer else []) + ([f"[{letters}]"] if letters else [])
        parts.append(f"(?P<{side}>{'|'.join(alternatives)})")
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


def side_of(text: str, start: int, end: int, rules: CodingRules) -> tuple[str, str] | None:
    """(side, the word as written) for the mention text[start:end], or None when the note states none."""
    section = rules.section(OpcsLaterality)
    pattern = _side_pattern(section.words)
    line_start, line_end = line_bounds(text, start)
    before = list(pattern.finditer(text, max(line_start, start - section.window), end))
    if before:
        found = before[-1]
        return found.lastgroup or "", found.group()
    clause = re.search(r"[.;:(\n]", text[end:line_end])
    stop = min(line_end, end + section.window, end + clause.start() if clause else line_end)
    after = pattern.search(text, end, stop)
    if after is not None and len(after.group()) > 1:
        return after.lastgroup or "", after.group()
    return None


def _stated_side(text: str, mentions: Sequence[AnnotatedMention], headings: Sequence[str | None] | None,
                 rules: CodingRules) -> tuple[int, tuple[str, str]] | None:
    """(mention, side) of the diagnoses stated under a main-diagnosis or indication heading, when one side."""
    found = []
    for i, (am, heading) in enumerate(zip(mentions, headings or ())):
        if (am.decision.status == "kept" and heading and any(r.system != CodeSystem.OPCS4 for r in am.codes)
                and (main_heading(heading, rules) or heading in rules.section(PrimaryFocus).indication_headings)):
            side = side_of(text, am.mention.start, am.mention.end, rules)
            if side is not None:
                found.append((i, side))
    return found[0] if len({side for _i, (side, _w) in found}) == 1 else None


def laterality_suggestions(text: str | None, mentions: Sequence[AnnotatedMention],
                           suggestions: Sequence[CodeSuggestion], rules: CodingRules,
                           headings: Sequence[str | None] | None = None) -> list[CodeSuggestion]:
    """One Z94 code per OPCS-4 suggestion of a category that needs a side (same code twice: merged later)."""
    if not rules.on("opcs_laterality") or not text:
        return []
    section = rules.section(OpcsLaterality)
    codes, titles = dict(section.codes), dict(section.titles)
    out = []
    for s in suggestions:
        if s.system != CodeSystem.OPCS4 or not in_code_ranges(s.code, section.categories):
            continue
        procedure = to_display(s.code, "OPCS-4") or s.code
        found = next(((i, side) for i in s.evidence if (side := side_of(text, mentions[i].mention.start,
                                                                         mentions[i].mention.end, rules))), None)
        found = found or _stated_side(text, mentions, headings, rules)
        if found is not None:
            i, (where, word) = found
            why = f"side '{word}' of '{mentions[i].mention.text}' ({procedure})"
        else:
            where, why = "unstated", f"no side stated for {procedure}"
        out.append(CodeSuggestion(system=CodeSystem.OPCS4, code=codes[where], display=to_display(codes[where], "OPCS-4"),
                                  title=titles.get(where), sctids=s.sctids, evidence=s.evidence, advice="",
                                  confidence=s.confidence, chosen_because=why))
    return out
