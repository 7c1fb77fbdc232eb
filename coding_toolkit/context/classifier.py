"""Rule-based ConText: negation, temporality and experiencer for mention spans in a note.

Per note: split into sentences and sections once, find the triggers of the sentences holding a
mention (per token: only rules that can start with a token are tried there; longest match wins, so
pseudo-triggers such as "no increase" shadow "no"), then for each span walk outwards from the span
inside its sentence: the nearest trigger whose scope reaches the span sets its task, unless a
termination trigger lies in between. Tasks not set by a trigger take the section's value ("Past
medical history:" -> Historical), else the default.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from coding_toolkit.context.rules import (
    NUMBER_TOKEN,
    TASK_VALUES,
    TOKEN_RE,
    ContextRule,
    ListScope,
    RuleSet,
    load_rules,
    normalise_literal,
)
from coding_toolkit.context.segment import Segmenter
from coding_toolkit.errors import InputError
from coding_toolkit.records import ContextLabels

DEFAULTS = {task: values[0] for task, values in TASK_VALUES.items()}
_WORD = re.compile(r"\w+")


def _in_scope(max_scope: int | None, text: str, gap_start: int, gap_end: int) -> bool:
    """Whether a trigger reaches over ``text[gap_start:gap_end]``: None = to the sentence end; N = at
    most N words between; 0 = touching (only white space between, so not "smoker, with ...")."""
    if max_scope is None:
        return True
    if max_scope == 0:
        return not text[gap_start:gap_end].strip()
    return len(_WORD.findall(text, gap_start, gap_end)) <= max_scope


def _phrases_regex(phrases: Sequence[str]) -> re.Pattern[str] | None:
    """One regex for whole phrases (any white space inside; word boundaries where a phrase has word ends)."""
    parts = [(r"(?<!\w)" if re.match(r"\w", p) else "") + r"\s+".join(map(re.escape, p.split()))
             + (r"(?!\w)" if re.search(r"\w$", p) else "") for p in sorted(phrases, key=len, reverse=True)]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


class _Lists:
    """``ListScope`` compiled: whether a gap between a trigger and a span is a list the trigger opens."""

    def __init__(self, lists: ListScope):
        self.item_words, self.clause_words = lists.item_words, lists.clause_words
        self.split, self.discussion = _phrases_regex(lists.separators), _phrases_regex(lists.discussion_words)

    def reach(self, text: str, gap_start: int, gap_end: int, sentence: tuple[int, int]) -> bool:
        gap = text[gap_start:gap_end]
        if self.split is None or self.discussion is None or "," not in gap:
            return False  # "risk of bleeding and infection" is in the word scope already
        if not self.discussion.search(text, *sentence):
            return False  # a problem list ("at risk of falls, T2DM, CKD 3") is not a discussion of risks
        for item in self.split.split(gap):
            words = _WORD.findall(item)
            if len(words) > self.item_words or any(w.lower() in self.clause_words for w in words):
                return False
        return True


class Trigger(NamedTuple):
    start: int
    end: int
    rule: ContextRule


def _trie_regex(literals: Sequence[str]) -> str:
    """One regex for all literals, as a character trie (shared prefixes are tried once: fast).

    At each node the longer continuations are tried before ending, so the longest literal wins;
    a space matches any white space; word boundaries are added where a literal starts/ends with a
    word character ("h/o" and "?" need none).
    """
    trie: dict = {}
    for literal in literals:
        node = trie
        for ch in literal:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + emit(child)
                    for ch, child in sorted(node.items()) if len(ch) == 1]
        return "(?:" + "|".join(branches + ([node["end"]] if "end" in node else [])) + ")"

    def mark_ends(node: dict, last: str) -> None:
        for ch, child in node.items():
            if len(ch) == 1:
                mark_ends(child, ch)
        if node.get(""):
            node["end"] = r"(?!\w)" if re.match(r"\w", last) else ""
            del node[""]

    mark_ends(trie, "")
    heads = []
    for ch, child in sorted(trie.items()):
        head = r"(?<!\w)" if re.match(r"\w", ch) else ""
        heads.append(head + (r"\s+" if ch == " " else re.escape(ch)) + emit(child))
    return "|".join(heads)


class ContextClassifier:
    """ConText over a whole note: ``classify(text, spans) -> [ContextLabels]`` (one per span, same order)."""

    def __init__(self, rules: RuleSet | str | Path | None = None):
        self.rules = rules if isinstance(rules, RuleSet) else load_rules(rules)
        self._category_sets: Mapping[str, Mapping[str, str]] = self.rules.categories
        self._weak = self.rules.weak_categories
        self._yields = self.rules.yields_to
        self._by_literal = {r.literal: r for r in self.rules.rules if r.literal is not None}
        # Triggers are looked for per token, not per character: at a token that can open a trigger,
        # the rules that can start with it are matched there, anchored (regex.match).
        by_first: dict[str, list[str]] = {}
        for literal in self._by_literal:
            by_first.setdefault(TOKEN_RE.match(literal).group(), []).append(literal)
        self._patterns = [(re.compile(r.pattern, re.IGNORECASE), r) for r in self.rules.rules if r.pattern]
        pattern_keys: dict[str, list[int]] = {}
        for i, (_, rule) in enumerate(self._patterns):
            for token in rule.first_tokens or ():
                pattern_keys.setdefault(token, []).append(i)
        self._number_patterns = tuple(pattern_keys.pop(NUMBER_TOKEN, ()))
        # first token (lower case) -> (trie regex of the literals starting with it, indices of patterns);
        # the literals become their compiled trie when a note first has that token (find_triggers):
        # building all ~500 up front was a tenth of a second of every start-up (issue 27)
        self._dispatch: dict[str, tuple[re.Pattern | tuple[str, ...] | None, tuple[int, ...]]] = {
            key: (tuple(by_first[key]) if key in by_first else None, tuple(pattern_keys.get(key, ())))
            for key in {*by_first, *pattern_keys}}
        # a pattern without first_tokens is scanned at every character (finditer)
        self._scan_all = [i for i, (_, rule) in enumerate(self._patterns) if rule.first_tokens is None]
        self._segmenter = Segmenter(self.rules.sections, self.rules.abbreviations)
        self._lists = _Lists(self.rules.lists)

    # -- triggers ---------------------------------------------------------------------------------
    def find_triggers(self, text: str, start: int = 0, end: int | None = None) -> list[Trigger]:
        """Triggers in ``text[start:end]`` (look-behinds still see the text before ``start``)."""
        end = len(text) if end is None else end
        literal_hits: list[Trigger] = []
        pattern_hits: list[list[Trigger]] = [[] for _ in self._patterns]
        resume = [start] * len(self._patterns)  # one pattern's matches do not overlap (as with finditer)
        dispatch, number_patterns, no_hit = self._dispatch, self._number_patterns, (None, ())
        for token in TOKEN_RE.finditer(text, start, end):
            word = token.group()
            literal_re, pattern_ids = dispatch.get(word.lower(), no_hit)
            if literal_re.__class__ is tuple:  # first time this token is met: compile its trie
                literal_re = re.compile(_trie_regex(literal_re), re.IGNORECASE)
                dispatch[word.lower()] = (literal_re, pattern_ids)
            if number_patterns and word[0].isdecimal():
                pattern_ids += number_patterns
            if literal_re is None and not pattern_ids:
                continue
            pos = token.start()
            if literal_re is not None:
                m = literal_re.match(text, pos, end)
                rule = (self._by_literal.get(m.group().lower()) or self._by_literal.get(normalise_literal(m.group()))
                        ) if m else None
                if rule is not None:
                    literal_hits.append(Trigger(pos, m.end(), rule))
            for i in pattern_ids:
                if pos >= resume[i]:
                    regex, rule = self._patterns[i]
                    m = regex.match(text, pos, end)
                    if m and m.end() > pos:
                        pattern_hits[i].append(Trigger(pos, m.end(), rule))
                        resume[i] = m.end()
        for i in self._scan_all:
            regex, rule = self._patterns[i]
            pattern_hits[i] = [Trigger(m.start(), m.end(), rule)
                               for m in regex.finditer(text, start, end) if m.end() > m.start()]
        # (candidates in the order the former whole-text scans gave them: ties below keep the first)
        candidates = literal_hits + [t for hits in pattern_hits for t in hits]
        # longest first; an overlapping shorter candidate is dropped ("no increase" beats "no")
        candidates.sort(key=lambda t: (t.start - t.end, t.start))
        taken = bytearray(end - start + 1)
        kept = []
        for t in candidates:
            if taken.find(1, t.start - start, t.end - start) == -1:
                taken[t.start - start:t.end - start] = b"\x01" * (t.end - t.start)
                kept.append(t)
        kept.sort()
        return kept

    # -- classification -----------------------------------------------------------------------------
    def classify(self, text: str, spans: Sequence[tuple[int, int]]) -> list[ContextLabels]:
        return self.classify_with_headings(text, spans)[0]

    def classify_with_headings(self, text: str, spans: Sequence[tuple[int, int]]
                               ) -> tuple[list[ContextLabels], list[str | None]]:
        """``classify``, and the heading of the section holding each span as written (lower case, single
        spaces; None = none), from the same split of the note: whether or not that section sets a task
        (``Discharge diagnosis:``; "suspected diagnosis" for ``SUSPECTED DIAGNOSIS:``, although its
        section is the known heading ``DIAGNOSIS:``)."""
        segments = self._segmenter.split(text)
        for index, (a, b) in enumerate(spans):
            if not (0 <= a <= b <= len(text)):
                raise InputError(f"mention #{index}: span ({a}, {b}) lies outside the note of {len(text)} characters;"
                                 " fix: pass character offsets into this note's text")
        # a trigger's scope ends at its sentence: look for triggers only in sentences holding a
        # mention (most of a long note holds none), each such sentence scanned once
        span_sentences = [segments.sentence_of(a) for a, _ in spans]
        triggers: list[Trigger] = []
        for s0, s1 in sorted(set(span_sentences)):
            triggers.extend(self.find_triggers(text, s0, s1))
        starts = [t.start for t in triggers]
        out, headings = [], []
        for (a, b), (s0, s1) in zip(spans, span_sentences):
            lo, hi = bisect_left(starts, s0), bisect_left(starts, s1)
            values, found, weak = self._nearest(text, triggers, starts, lo, hi, a, b, (s0, s1))
            under = segments.under(a, b)  # any heading; only one that sets a task labels the mention
            headings.append(under.phrase if under is not None else None)
            section = under if under is not None and under.sets else None
            sources = {}
            for task in TASK_VALUES:
                sources[task] = "rules"
                # a weak cue (resolved) yields to the section on the heading's own line ("PMH: DVT, resolved");
                # on a later line it describes this stay's course (a section's end after a list is uncertain)
                if (task not in values or (task in weak and "\n" not in text[section.start:a] if section else False)) \
                        and section is not None and task in section.sets:
                    values[task] = section.sets[task]
                    found[task] = f"section: {section.heading}"
            out.append(ContextLabels(
                negation=values.get("negation", DEFAULTS["negation"]),
                temporality=values.get("temporality", DEFAULTS["temporality"]),
                experiencer=values.get("experiencer", DEFAULTS["experiencer"]),
                sources=sources, triggers=found))
        return out, headings

    def _nearest(self, text: str, triggers: list[Trigger], starts: list[int], lo: int, hi: int, a: int, b: int,
                 sentence: tuple[int, int]) -> tuple[dict[str, str], dict[str, str], set[str]]:
        """Per task, the value and trigger text of the nearest trigger in scope (left wins a tie), and the
        tasks set only by a weak category (any other trigger in scope, or the section, overrides those)."""
        best: dict[str, tuple[bool, int, str, str, str]] = {}  # task -> (weak, distance, value, trigger, category)
        left = bisect_left(starts, a, lo, hi)  # first trigger starting at/after a
        # a trigger that opens the span ("status post CABG", "history of MI") counts as in scope
        inner = left
        while inner < hi and triggers[inner].start < b:
            t = triggers[inner]
            if t.end <= b and t.rule.direction in ("FORWARD", "BIDIRECTIONAL") and not text[a:t.start].strip():
                self._offer(best, t, 0, text)
            inner += 1
        # leftwards: FORWARD/BIDIRECTIONAL triggers ending before the span
        terminated: set[str] = set()
        for i in range(left - 1, lo - 1, -1):
            t = triggers[i]
            if t.end > a:
                continue
            if self._apply(best, t, text, t.end, a, ("FORWARD", "BIDIRECTIONAL"), terminated, a - t.end, sentence):
                break
        # rightwards: BACKWARD/BIDIRECTIONAL triggers starting after the span
        terminated = set()
        for i in range(inner, hi):
            t = triggers[i]
            if text.rfind("(", b, t.start) > text.rfind(")", b, t.start):
                break  # inside a bracket opened after the span: "CTS - severe (absent SNAP)" is about the bracket
            if self._apply(best, t, text, b, t.start, ("BACKWARD", "BIDIRECTIONAL"), terminated, t.start - b,
                           sentence):
                break
        return ({task: v[2] for task, v in best.items()}, {task: v[3] for task, v in best.items()},
                {task for task, v in best.items() if v[0]})

    def _apply(self, best, t: Trigger, text: str, gap_start: int, gap_end: int, directions: tuple[str, ...],
               terminated: set[str], distance: int, sentence: tuple[int, int]) -> bool:
        """Offer trigger ``t`` if its scope reaches the span; update terminations. True = stop walking."""
        rule = t.rule
        if rule.direction == "TERMINATE":
            if rule.terminates is None:
                return True
            terminated.update(rule.terminates)
            return False
        if rule.direction in directions and not terminated.issuperset(rule.categories):
            if _in_scope(rule.max_scope, text, gap_start, gap_end) or (
                    rule.over_lists and self._lists.reach(text, gap_start, gap_end, sentence)):
                self._offer(best, t, distance, text, skip=terminated)
        if rule.terminates:
            terminated.update(rule.terminates)
        return False

    def _offer(self, best, t: Trigger, distance: int, text: str, skip: set[str] = frozenset()) -> None:
        if t.rule.direction == "PSEUDO":
            return
        for category in t.rule.categories:
            if category in skip:
                continue
            weak = category in self._weak
            for task, value in self._category_sets[category].items():
                current = best.get(task)
                # a category that yields to another loses to it at any distance ("history of possible
                # seizure": the past wins over the hedge); a strong cue beats a weak one at any
                # distance; otherwise the nearer wins
                if (current is None or category in self._yields.get(current[4], ())
                        or (current[4] not in self._yields.get(category, ()) and (weak, distance) < current[:2])):
                    best[task] = (weak, distance, value, " ".join(text[t.start:t.end].split()), category)
