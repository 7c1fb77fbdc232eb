"""The organism beside the infection: B95-B97 "as the cause of" codes, and J13-J15 for a pneumonia.

A coder reading "urinary tract infection ... urine culture grew E. coli" codes N39.0 + B96.2: N39.0 does
not name the organism, and ICD-10 gives B95-B97 to say which one caused it. A pneumonia whose organism is
stated takes the organism's own category instead (J15.5 for E. coli; the specificity rule then supersedes
J18). The table ``organism_codes`` in ``data/coding_rules.json`` holds the infections whose codes do not
name the organism, and per organism its codes, its SCTIDs and its names.

An organism is *stated* when a linked mention of a listed concept, or one of the listed names in the text,
is affirmed, current and the patient's (the context labels of a mention over it), its clause holds no
negative culture ("no growth", "negative", "contaminant", "colonised") and no word before it in the clause
makes it past, negated or uncertain ("previous", "no", "?", "to cover"), nor the word after it something
else than the organism found ("pneumococcal vaccination", "MRSA screen"). Words inside another kept
concept's name ("pneumococcal pneumonia", J13) belong to that concept, whose code names the organism. An organism the refinement composed with
its infection into one concept (Sepsis caused by E. coli, A41.5) is not stated again: that code names it.
Switch: ``organism_codes``.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from coding_toolkit.mapping.codes import to_display
from coding_toolkit.records import AnnotatedMention, CodeSuggestion, CodeSystem
from coding_toolkit.suggest.config import CodingRules, in_code_ranges
from coding_toolkit.suggest.rule_sections import OrganismCodes

Organism = tuple[tuple[str, ...], str, str, frozenset[str], tuple[str, ...]]  # a row of OrganismCodes.organisms
# a clause ends at ; or a line end, or a sentence end: a full stop before a capital ("E. coli" goes on)
_CLAUSE_END = re.compile(r"[;\n]|[.!?](?=[\s,]+[A-Z(\[])")
_CURRENT = ("Recent", "Resolved")  # resolved during this stay is still this stay's infection


@lru_cache(maxsize=8)
def _names(section: OrganismCodes) -> tuple[re.Pattern, dict[str, Organism]]:
    """One pattern of every listed name (longest first, whole words, any spacing: "E.coli") and the
    name without spaces, lower case -> its row."""
    names = {name: row for row in section.organisms for name in row[4]}
    alternation = "|".join(r"\s*".join(map(re.escape, n.split())) for n in sorted(names, key=len, reverse=True))
    return (re.compile(rf"(?<![\w.])(?:{alternation})(?![\w-])", re.IGNORECASE),
            {_squeezed(name): row for name, row in names.items()})


def _squeezed(words: str) -> str:
    return re.sub(r"\s+", "", words.lower())


@lru_cache(maxsize=8)
def _phrase(words: tuple[str, ...]) -> re.Pattern:
    alternation = "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) of the clause around a span, looking back at most 300 characters."""
    before = max(0, start - 300)
    for m in _CLAUSE_END.finditer(text, before, start):
        before = m.end()
    after = _CLAUSE_END.search(text, end)
    return before, after.start() if after else len(text)


def _said_as_grown(text: str, start: int, end: int, section: OrganismCodes) -> bool:
    """The organism's words are a current finding: no negative culture in its clause, no negating,
    past or uncertain word before it in the clause."""
    a, b = _clause(text, start, end)
    if section.not_grown and _phrase(section.not_grown).search(text, a, b):
        return False
    if section.not_after and _phrase(section.not_after).match(text[end:b].lstrip()):
        return False
    return not (section.not_before and _phrase(section.not_before).search(text, a, start))


def _labels_current(am: AnnotatedMention) -> bool:
    labels = am.labels
    return (labels.negation == "Affirmed" and labels.experiencer == "Patient" and labels.temporality in _CURRENT
            and not (am.decision.reason or "").startswith("refined into"))


def stated_organisms(text: str | None, mentions: Sequence[AnnotatedMention], section: OrganismCodes
                     ) -> list[tuple[Organism, str, int | None]]:
    """(row, words, index of the linked mention or None) of each organism the note states, first statement
    of each row in note order."""
    by_id = {sctid: row for row in section.organisms for sctid in row[3]}
    found: dict[tuple[str, ...], tuple[int, Organism, str, int | None]] = {}

    def offer(row: Organism, start: int, words: str, index: int | None) -> None:
        if row[0] not in found or start < found[row[0]][0]:
            found[row[0]] = (start, row, words, index)

    for i, am in enumerate(mentions):
        row = by_id.get(am.mention.sctid)
        if row is None or not _labels_current(am):
            continue
        if text is None or _said_as_grown(text, am.mention.start, am.mention.end, section):
            offer(row, am.mention.start, am.mention.text, i)
    if text:
        pattern, by_name = _names(section)
        for match in pattern.finditer(text):
            over = [i for i, am in enumerate(mentions)
                    if am.mention.start < match.end() and match.start() < am.mention.end]
            if any(not _labels_current(mentions[i]) for i in over):
                continue  # the words of a negated, past or composed mention
            if any(mentions[i].decision.status == "kept" and mentions[i].mention.sctid not in by_id for i in over):
                continue  # part of another concept's name ("pneumococcal pneumonia" J13): that code names it
            if _said_as_grown(text, match.start(), match.end(), section):
                row = by_name[_squeezed(match.group())]
                linked = next((i for i in over if mentions[i].mention.sctid in row[3]), None)
                offer(row, match.start(), match.group(), linked)
    return [(row, words, index) for _start, row, words, index in sorted(found.values(), key=lambda f: f[0])]


def organism_suggestions(text: str | None, mentions: Sequence[AnnotatedMention],
                         suggestions: Sequence[CodeSuggestion], rules: CodingRules) -> list[CodeSuggestion]:
    """The organism codes to add beside the note's kept infection codes (none when the note gives them)."""
    if not rules.on("organism_codes"):
        return []
    section = rules.section(OrganismCodes)
    infections = [s for s in suggestions if s.system == CodeSystem.ICD10
                  and (in_code_ranges(s.code, section.infections) or in_code_ranges(s.code, section.pneumonia))]
    if not infections:
        return []
    organisms = stated_organisms(text, mentions, section)
    given = {s.code for s in suggestions if s.system == CodeSystem.ICD10}
    out = []
    for infection in infections:
        pneumonia = in_code_ranges(infection.code, section.pneumonia)
        shown = infection.display or infection.code
        for (codes, pneumonia_code, why, _ids, _names), words, index in organisms:
            for code in ((pneumonia_code,) if pneumonia_code else ()) if pneumonia else codes:
                if code in given:
                    continue
                given.add(code)
                title = f"pneumonia due to {words}" if pneumonia else why
                because = (f"'{words}' stated with pneumonia {shown}: the organism's own category"
                           if pneumonia else f"'{words}' stated with infection {shown}: {why}")
                linked = () if index is None else (mentions[index].mention.sctid,)
                # the organism's mention when linked (the coder sees its span), else the infection's
                out.append(CodeSuggestion(
                    system=CodeSystem.ICD10, code=code, display=to_display(code, "ICD-10"),
                    title=title[:1].upper() + title[1:], sctids=linked + infection.sctids,
                    evidence=(index,) if index is not None else infection.evidence, advice="",
                    confidence=infection.confidence, chosen_because=because))
    return out
