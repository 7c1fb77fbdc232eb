"""Comorbidity, history and status codes: what coders add from the history, medication and allergy lists.

History, status and long-term therapy codes are among the codes coders record most (HES 2023-24:
Z86.4 ex-smoker, Z92.1 long-term anticoagulants, Z86.7, Z88.0, I25.2, Z96.6 ...). Where the note's own
concept gives such a code (an "Ex-smoker" finding maps to Z86.4, a "History of X" situation concept to
its history code), the map does it. This rule adds the ones no concept gives, from the table
``status_codes`` in ``data/coding_rules.json``:

- ``from_history``: a mention filtered as historical (for that reason alone, the patient's, affirmed)
  whose map default falls in a row's range: "MI 2016" (I21.9) -> I25.2, "L THR 2015" (W39.1) -> Z96.6,
  a past cancer -> Z85. The mention stays filtered; the added code cites it as evidence. Nothing is
  added when the same concept or code is coded as current in the note, or when the mention's code is
  already a history or status code (a situation concept re-linked from "history of X" carries its own:
  no double coding);
- ``medications``: an anticoagulant (Z92.1) or insulin (Z92.2) in the medication list, or "on warfarin";
- ``allergies``: a drug or substance in the allergy list ("Penicillin (anaphylaxis)" -> Z88.0);
- ``devices``: "pacemaker in situ" (Z95.0), a stoma, an implant or an amputation named in the past history;
- ``ex_smoker``: "stopped smoking 10 years ago", "former smoker" -> Z86.4 (the NHS map's code for an
  ex-smoker); a current-smoking code (Z72.0, F17) of a mention inside such a phrase is filtered
  (``ex_smoker_mentions``: "former smoker" linked to Smoker is not current tobacco use).

Each added suggestion says in ``chosen_because`` what gave it. Which of these a site codes is its
policy: switch the rule off (``status_codes``) or edit the table.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache

from coding_toolkit.mapping.codes import to_display
from coding_toolkit.records import AnnotatedMention, CodeSuggestion, CodeSystem, FilterDecision
from coding_toolkit.suggest.config import CodingRules, in_code_ranges
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.note_text import heading_at, label_of_line, line_bounds
from coding_toolkit.suggest.rule_sections import StatusCodes
from coding_toolkit.suggest.uncertain_final import filtered_only_as

_STOPPED = re.compile(r"\b(?:stop|stopped|discontinu\w*|withheld|held|suspended|reversed|removed|closed|explanted)\b",
                      re.IGNORECASE)
_ITEM_END = re.compile(r"[,;.\n]")
# before an ex-smoker phrase: negation or intention, so not (yet) an ex-smoker
_NOT_YET = re.compile(r"\b(?:not|never|no|to|will|would|should|must|wants?|wish(?:es)?|plans?|planning|try|tries|"
                      r"trying|attempt(?:s|ing)?|agrees?|agreed|advised|encouraged|unable|cannot|help|intends?|"
                      r"considering|ready)\s+(?:\w+\s+)?(?:an?\s+)?$", re.IGNORECASE)


Row = tuple[str, str, tuple[str, ...]]  # (code, why, phrases)
Hit = tuple[str, Row, re.Match]  # (table: "medications" | "devices" | "ex_smoker", row, the phrase found)
_TABLES = ("medications", "devices", "ex_smoker")
_WORD_CHAR = re.compile(r"[\w-]")
_WORD = re.compile(r"[a-z0-9][\w'-]*")


@lru_cache(maxsize=16)
def _index(rules: CodingRules) -> dict[str, list[tuple[re.Pattern, str, Row]]]:
    """First word of each phrase of the text tables -> (the phrase's pattern, table, row), longest first."""
    index: dict[str, list[tuple[re.Pattern, str, Row]]] = {}
    for table in _TABLES:
        for row in getattr(rules.section(StatusCodes), table):
            for phrase in row[2]:
                words = phrase.split()
                pattern = re.compile(r"\s+".join(map(re.escape, words)) + r"(?![\w-])", re.IGNORECASE)
                index.setdefault(words[0], []).append((pattern, table, row))
    for entries in index.values():
        entries.sort(key=lambda e: len(e[0].pattern), reverse=True)
    return index


@lru_cache(maxsize=4)  # one note is asked for by the mention rule and by the code rule
def _hits(text: str, rules: CodingRules) -> tuple[Hit, ...]:
    """Every phrase of the medication, device and ex-smoker tables in the note, in note order. Found from
    the note's set of words and ``str.find`` of the first words it holds (C-level passes): one regular
    expression alternating every phrase took about 0.35 ms on a 3 kB note, a Python loop over its words 0.1 ms."""
    lower = text.lower()
    words = set(_WORD.findall(lower))  # one C-level pass; most notes hold few of the tables' first words
    found: dict[int, Hit] = {}
    for first, entries in _index(rules).items():
        if first not in words:
            continue
        at = lower.find(first)
        while at >= 0:
            if at == 0 or not _WORD_CHAR.match(lower, at - 1):
                for pattern, table, row in entries:
                    match = pattern.match(text, at)
                    if match is not None:
                        found.setdefault(at, (table, row, match))
                        break
            at = lower.find(first, at + 1)
    return tuple(found[at] for at in sorted(found))


def _find(text: str, rules: CodingRules, table: str) -> Iterator[tuple[Row, re.Match]]:
    return ((row, match) for name, row, match in _hits(text, rules) if name == table)


@lru_cache(maxsize=64)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern:
    alternation = "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


def _suggestion(code: str, title: str, why: str, *, evidence: tuple[int, ...] = (), sctids: tuple[str, ...] = (),
                confidence: float = 0.0) -> CodeSuggestion:
    """An added code; its title is the table's words until the pipeline puts the imported title in."""
    return CodeSuggestion(system=CodeSystem.ICD10, code=code, display=to_display(code, "ICD-10"),
                          title=title[:1].upper() + title[1:], sctids=sctids, evidence=evidence, advice="",
                          confidence=confidence, chosen_because=why)


def _item(text: str, start: int, end: int) -> str:
    """The list item around a match: from the previous , ; . or new line to the next."""
    before = max(text.rfind(c, 0, start) for c in ",;\n") + 1
    after = _ITEM_END.search(text, end)
    return text[before:after.start() if after else len(text)]


def _from_history(mentions: Sequence[AnnotatedMention], rules: CodingRules) -> list[CodeSuggestion]:
    current_ids = {am.mention.sctid for am in mentions if am.decision.status == "kept"}
    current_codes = {row.target for am in mentions if am.decision.status == "kept" for row in am.codes if row.default}
    table = rules.section(StatusCodes).from_history
    table_codes = {row[3] for row in table}
    out = []
    for i, am in enumerate(mentions):
        if not filtered_only_as(am, "Historical") or am.mention.sctid in current_ids:
            continue
        defaults = [row for row in am.codes if row.default and row.classifiable]
        if any(row.target in table_codes or row.target.startswith("Z") for row in defaults if row.system != "OPCS-4"):
            continue  # already a history or status code: the concept's own map row gives it
        for row in defaults:
            if row.target in current_codes:
                continue
            found = next(((code, why) for system, low, high, code, why in table
                          if system == row.system and low <= row.target[:len(low)] <= high), None)
            if found is not None:
                code, why = found
                shown = to_display(row.target, row.system) or row.target
                out.append(_suggestion(code, why, f"history: '{am.mention.text}' ({shown}) -> {why}", evidence=(i,),
                                       sctids=(am.mention.sctid,), confidence=am.mention.confidence))
                break
    return out


def _medications(text: str, rules: CodingRules) -> list[CodeSuggestion]:
    out: dict[str, CodeSuggestion] = {}
    for (code, why, _words), match in _find(text, rules, "medications"):
        if code in out:
            continue
        before = text[max(0, match.start() - 16):match.start()].lower()
        listed = heading_at(text, match.start()) in rules.section(StatusCodes).medication_headings
        taking = re.search(r"\bon\s+(?:long[- ]term\s+)?$", before) is not None
        if (listed or taking) and not _STOPPED.search(_item(text, match.start(), match.end())):
            where = "in the medication list" if listed else "'on ...'"
            out[code] = _suggestion(code, why, f"'{match.group()}' {where}: {why}")
    return list(out.values())


def _allergies(text: str, rules: CodingRules) -> list[CodeSuggestion]:
    out: dict[str, CodeSuggestion] = {}
    lower = text.lower()
    section = rules.section(StatusCodes)
    if not any(h in lower for h in section.allergy_headings):
        return []
    pos = 0
    while pos < len(text):
        start, end = line_bounds(text, pos)
        label = label_of_line(text, start, end)
        heading = label[0] if label else heading_at(text, start)
        if heading in section.allergy_headings:
            content = text[label[1] if label else start:end]
            content = re.split(r"\s[-\u2013]\s", content, maxsplit=1)[0]  # "Penicillin (rash) - given X instead"
            if not content.strip().lower().startswith(section.no_allergy_words):
                for code, why, words in section.allergies:
                    found = _word_pattern(words).search(content)
                    if found and code not in out:
                        out[code] = _suggestion(code, why, f"'{found.group()}' in the allergy list: {why}")
        pos = end + 1
    return list(out.values())


def _devices(text: str, rules: CodingRules) -> list[CodeSuggestion]:
    out: dict[str, CodeSuggestion] = {}
    for (code, why, _phrases), match in _find(text, rules, "devices"):
        if code in out:
            continue
        in_situ = re.match(r"\s+(?:in\s+situ|in-situ)\b", text[match.end():match.end() + 12], re.IGNORECASE)
        history = heading_at(text, match.start()) in rules.section(StatusCodes).history_headings
        negated = re.search(r"\b(?:no|not|without)\s+(?:\w+\s+)?$", text[max(0, match.start() - 16):match.start()],
                            re.IGNORECASE)
        if (in_situ or history) and not negated and not _STOPPED.search(_item(text, match.start(), match.end())):
            where = "in situ" if in_situ else "in the past history"
            out[code] = _suggestion(code, why, f"'{match.group()}' {where}: {why}")
    return list(out.values())


def _ex_smoker_spans(text: str, rules: CodingRules) -> list[tuple[int, int, str]]:
    """(start, end, words) of the ex-smoker phrases of a note, not negated ("not an ex-smoker") and not an
    intention ("agrees to quit smoking", "advised to stop smoking")."""
    return [(m.start(), m.end(), m.group()) for _row, m in _find(text, rules, "ex_smoker")
            if not _NOT_YET.search(text[max(0, m.start() - 30):m.start()])]


def ex_smoker_mentions(text: str, mentions: Sequence[AnnotatedMention], rules: CodingRules
                       ) -> tuple[AnnotatedMention, ...]:
    """Mentions inside an ex-smoker phrase whose codes say current tobacco use are filtered (with the reason)."""
    if not rules.on("status_codes") or not rules.section(StatusCodes).ex_smoker:
        return tuple(mentions)
    spans = _ex_smoker_spans(text, rules)
    if not spans:
        return tuple(mentions)
    decision = FilterDecision("filtered", rules.section(StatusCodes).ex_smoker_reason)
    current_codes = rules.section(StatusCodes).ex_smoker_current
    out = []
    for am in mentions:
        current = any(row.default and in_code_ranges(row.target, current_codes) for row in am.codes)
        inside = any(start <= am.mention.start and am.mention.end <= end for start, end, _w in spans)
        out.append(evolve(am, decision=decision) if current and inside and am.decision.status == "kept" else am)
    return tuple(out)


def _ex_smoker(text: str, rules: CodingRules) -> list[CodeSuggestion]:
    spans = _ex_smoker_spans(text, rules)
    rows = rules.section(StatusCodes).ex_smoker
    if not spans or not rows:
        return []
    code, why, _phrases = rows[0]
    return [_suggestion(code, why, f"'{spans[0][2]}': {why}")]


def status_suggestions(text: str | None, mentions: Sequence[AnnotatedMention], rules: CodingRules
                       ) -> list[CodeSuggestion]:
    """The history, status and long-term therapy codes of one note (``text`` None: from its mentions only)."""
    if not rules.on("status_codes"):
        return []
    out = _from_history(mentions, rules)
    if text:
        out += _medications(text, rules) + _allergies(text, rules) + _devices(text, rules) + _ex_smoker(text, rules)
    return out

