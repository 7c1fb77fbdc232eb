"""The primary diagnosis is what the episode was for, when no main-diagnosis heading says so.

Without a code stated under a main-diagnosis heading (``main_heading.py``), the condition treated or
investigated ranks first, found in this order (the first that applies wins):

1. an admission-reason code (``admission_reasons``: Z51.1 chemotherapy, Z51.0 radiotherapy ...);
2. the indication of the main procedure: a diagnosis in the sentence (on the line) of the note's first
   kept procedure ("Colonoscopy for iron deficiency anaemia") or under an indication heading ("Pre-op
   diagnosis:"); not another sentence of the procedure's paragraph ("Phenergan resolved his nausea");
3. the presenting problem: a diagnosis under a presenting-complaint heading;
4. a current problem: when some diagnoses are named only in the past history (chronic conditions kept
   from it), those the note also speaks of as current.

Such codes get ``stated_under`` ("admission reason", "indication for H22.9", "presenting problem") and
rank first, in note order. A condition arising during the stay ("developed AKI", "post-operative
delirium", a "Complications:" section) is never taken as the focus. Background comorbidities
(``background``: hypertension, diabetes without a named complication, depression ...) rank after every
other diagnosis in ``ranking.py``, headings or not. Switch: ``primary_focus``; lists in
``data/coding_rules.json``.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from coding_toolkit.mapping.codes import to_display
from coding_toolkit.records import AnnotatedMention, CodeSuggestion, CodeSystem
from coding_toolkit.suggest.config import CodingRules, in_code_ranges
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.never_primary import never_primary_reason
from coding_toolkit.suggest.note_text import line_bounds, sentence_bounds
from coding_toolkit.suggest.rule_sections import PrimaryFocus

ADMISSION_REASON, INDICATION, PRESENTING = "admission reason", "indication for", "presenting problem"
CURRENT = "current problem (not only past history)"


def is_focus(stated_under: str | None) -> bool:
    """Whether ``stated_under`` was set by this rule (not by a main-diagnosis heading)."""
    return stated_under is not None and stated_under.startswith((ADMISSION_REASON, INDICATION, PRESENTING, CURRENT))


def counts_as_stated(s: CodeSuggestion, rules: CodingRules) -> bool:
    """Whether ``s`` ranks among the stated codes: stated under a heading with ``primary_from_heading`` on, or
    marked as the episode's focus with ``primary_focus`` on."""
    if not s.stated_under:
        return False
    return rules.on("primary_focus") if is_focus(s.stated_under) else rules.on("primary_from_heading")


def is_background(s: CodeSuggestion, rules: CodingRules) -> bool:
    """A background comorbidity: coded, but never what the episode was for when anything else is there."""
    return rules.on("primary_focus") and s.system != CodeSystem.OPCS4 and _background_code(s.code, rules)


@lru_cache(maxsize=16384)  # pure; asked for every suggestion at every ranking
def _background_code(code: str, rules: CodingRules) -> bool:
    section = rules.section(PrimaryFocus)
    return in_code_ranges(code, section.background) and not in_code_ranges(code, section.admission_reasons)


def _arising(text: str | None, am: AnnotatedMention, heading: str | None, rules: CodingRules) -> bool:
    if heading in rules.section(PrimaryFocus).arising_headings:
        return True
    if not text:
        return False
    start, end = line_bounds(text, am.mention.start)
    return _arising_pattern(rules.section(PrimaryFocus).arising_words).search(text, start, end) is not None


@lru_cache(maxsize=8)
def _arising_pattern(words: tuple[str, ...]) -> re.Pattern:
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def mark_focus(suggestions: list[CodeSuggestion], mentions: Sequence[AnnotatedMention],
               headings: Sequence[str | None] | None, text: str | None, rules: CodingRules) -> list[CodeSuggestion]:
    """``suggestions`` with the episode's focus marked (``stated_under`` and stated order), unless a
    main-diagnosis heading already states the primary."""
    if not rules.on("primary_focus") or any(s.stated_under for s in suggestions):
        return suggestions
    heads = list(headings or [])

    def heading(i: int) -> str | None:
        return heads[i] if i < len(heads) else None

    def arising(s: CodeSuggestion) -> bool:
        return all(_arising(text, mentions[i], heading(i), rules) for i in s.evidence)

    # a background comorbidity stated as the indication or presenting problem is the focus ("Indication:
    # morbid obesity" for a gastric bypass); it is never taken as a current problem over another
    candidates = [s for s in suggestions if s.system != CodeSystem.OPCS4 and never_primary_reason(s, rules) is None]
    for why, found in _tiers(candidates, suggestions, mentions, heading, text, rules):
        found = [(s, i) for s, i in found if not arising(s)]  # a condition arising during the stay is no focus
        if found:
            # definitive diagnoses before symptoms (R00-R99), then in note order
            ordered = sorted(found, key=lambda f: (f[0].code.startswith("R"), mentions[f[1]].mention.start))
            order = {id(s): n for n, (s, _i) in enumerate(ordered, 1)}
            return [evolve(s, stated_under=why, rank=order[id(s)]) if id(s) in order else s for s in suggestions]
    return suggestions


def _tiers(candidates: list[CodeSuggestion], suggestions: list[CodeSuggestion], mentions: Sequence[AnnotatedMention],
           heading, text: str | None, rules: CodingRules) -> Iterator[tuple[str, list[tuple[CodeSuggestion, int]]]]:
    """(why, [(suggestion, its mention)]) per tier, in order; computed only as far as needed."""
    section = rules.section(PrimaryFocus)
    indication, presenting = section.indication_headings, section.presenting_headings
    yield ADMISSION_REASON, [(s, min(s.evidence, default=0)) for s in candidates
                             if in_code_ranges(s.code, section.admission_reasons)]
    procedure = next((s for s in suggestions if s.system == CodeSystem.OPCS4 and s.evidence
                      and never_primary_reason(s, rules) is None), None)
    # the procedure's sentence ("Colonoscopy for iron deficiency anaemia"), not the rest of its paragraph
    on_line = sentence_bounds(text, mentions[procedure.evidence[0]].mention.start) \
        if procedure is not None and text is not None else None
    indicated = []
    for s in candidates:
        i = next((i for i in s.evidence if heading(i) in indication
                  or (on_line is not None and sentence_bounds(text or "", mentions[i].mention.start) == on_line)), None)
        if i is not None:
            indicated.append((s, i))
    shown = (to_display(procedure.code, "OPCS-4") or procedure.code) if procedure is not None else "the procedure"
    yield f"{INDICATION} {shown}", indicated
    yield PRESENTING, [(s, i) for s in candidates
                       if (i := next((i for i in s.evidence if heading(i) in presenting), None))
                       is not None]
    # last: conditions the note speaks of now, ahead of those named only in the past history (chronic
    # conditions kept from it) -- only when the note has both
    foreground = [s for s in candidates if not is_background(s, rules)]
    current = [(s, i) for s in foreground
               if (i := next((i for i in s.evidence if mentions[i].labels.temporality != "Historical"), None))
               is not None]
    yield CURRENT, current if len(current) < len(foreground) else []
