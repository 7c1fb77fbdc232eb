"""Alternatives whose context the note states in words: "Category 2 sacral pressure ulcer" -> L89.1.

A map alternative says when it applies (``IF CATEGORY 2 CHOOSE L89.1``, ``IF SLIPPING, TRIPPING OR
STUMBLING, AT HOME CHOOSE W01.0``, ``IF NOT USING CEMENT CHOOSE W38.1``). When the clause of the note
that holds the code's evidence states every phrase of that context (``data/stated_context.json``: a
pattern per phrase, and words that rule it out), the alternative replaces the default, as
``note_alternatives`` does for a context another code establishes: the default stays listed and
``chosen_because`` quotes the words. Phrases without a pattern never match, so the coder still chooses
there; of several qualifying alternatives the one stating the most phrases wins, a tie keeps the default.

A hedged statement ("acute pancreatitis - probable gallstone aetiology": ``hedges`` in the data, next to
the words) counts only as the uncertain final diagnosis rule counts an uncertain diagnosis: when the code
is stated under the main-diagnosis heading and that rule is on; anywhere else ("Plan: ?gallstones - USS")
the default stays.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from coding_toolkit.records import Alternative, AnnotatedMention, CodeSuggestion
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.note_alternatives import DEFAULT_BLOCK, take_alternative

DATA = Path(__file__).with_name("data") / "stated_context.json"
_CONTEXT = re.compile(r"\bIF (.+?) CHOOSE\b")
_CLAUSE_END = re.compile(r"\n|;|\.(?!\d)")
Phrase = tuple[re.Pattern[str], re.Pattern[str] | None]


@lru_cache(maxsize=1)
def _phrases() -> dict[str, Phrase]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))["phrases"]
    return {key: (re.compile(v["pattern"], re.IGNORECASE),
                  re.compile(v["unless"], re.IGNORECASE) if v.get("unless") else None) for key, v in raw.items()}


@lru_cache(maxsize=1)
def _hedges() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(hedge just before the words: matched at the end of the text before them, hedge just after them)."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))["hedges"]
    return re.compile(raw["before"], re.IGNORECASE), re.compile(raw["after"], re.IGNORECASE)


def _parts(context: str, phrases: dict[str, Phrase]) -> list[str] | None:
    """``context`` split into known phrases joined by ', ' (longest first); None when a part is unknown."""
    out: list[str] = []
    rest = context.strip()
    while rest:
        key = next((k for k in sorted(phrases, key=len, reverse=True)
                    if rest == k or rest.startswith(k + ", ")), None)
        if key is None:
            return None
        out.append(key)
        rest = rest[len(key) + 2:]
    return out


def _clause(text: str, start: int, end: int) -> str:
    """The clause holding ``text[start:end]``: from the previous new line, ';' or full stop to the next."""
    before = [m.end() for m in _CLAUSE_END.finditer(text, 0, start)]
    after = _CLAUSE_END.search(text, end)
    return text[before[-1] if before else 0: after.start() if after else len(text)]


def _states(clause: str, parts: list[str], phrases: dict[str, Phrase]) -> tuple[str, bool] | None:
    """The words stating every part (joined) and whether one of them is hedged; None when one is not stated."""
    words = []
    hedged = False
    before, after = _hedges()
    for part in parts:
        pattern, unless = phrases[part]
        found = pattern.search(clause)
        if found is None or (unless is not None and unless.search(clause)):
            return None
        hedge_before, hedge_after = before.search(clause, 0, found.start()), after.match(clause, found.end())
        start = hedge_before.start() if hedge_before else found.start()
        words.append(clause[start:hedge_after.end() if hedge_after else found.end()])  # the hedge quoted too
        hedged = hedged or bool(hedge_before or hedge_after)
    return ", ".join(words), hedged


def choose_stated_alternatives(suggestions: Sequence[CodeSuggestion], mentions: Sequence[AnnotatedMention],
                               text: str | None, rules: CodingRules) -> list[CodeSuggestion]:
    if not rules.on("alternatives_from_note") or not text:
        return list(suggestions)
    phrases = _phrases()
    uncertain_final = rules.on("uncertain_final_diagnosis")
    out = []
    for s in suggestions:
        options: list[tuple[int, Alternative, str]] = []
        for a in s.alternatives:
            context = _CONTEXT.search(a.advice or "")
            if context is None or a.block != DEFAULT_BLOCK or a.reason is not None or not a.classifiable:
                continue
            parts = _parts(context.group(1), phrases)
            if not parts:
                continue
            for i in s.evidence:
                m = mentions[i].mention
                stated = _states(_clause(text, m.start, m.end), parts, phrases)
                if stated is None:
                    continue
                words, hedged = stated
                if hedged and not (uncertain_final and s.stated_under):
                    continue  # "?gallstones" in a plan: not a statement of the cause
                why = f"stated in the note: '{words}' ({context.group(1).lower()})"
                options.append((len(parts), a, why + ("; uncertain final diagnosis coded as confirmed (standard)"
                                                      if hedged else "")))
                break
        best = max((n for n, _, _ in options), default=0)
        top = [(a, why) for n, a, why in options if n == best]
        if s.chosen_because or len({a.code for a, _ in top}) != 1:
            out.append(s)  # nothing stated, already resolved, or competing alternatives: the default stays
            continue
        out.append(take_alternative(s, *top[0]))
    return out
