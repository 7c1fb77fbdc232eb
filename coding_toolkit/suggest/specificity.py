"""Specificity within a category: an unspecified code gives way to a more specific one of the same note.

When the same note (or episode) gives an unspecified ICD-10 code (4th character ``.9``, or a
3-character code padded with ``X``) or OPCS-4 code (``.9``: "hysterectomy" Q07.9 beside "total
abdominal hysterectomy" Q07.4) and a more specific code of the same 3-character category, the
specific code stays and the unspecified one leaves the defaults: it is kept as an alternative of
the specific code with reason ``superseded by E11.3`` (type 2 diabetes E11.9 + diabetic
retinopathy E11.3† -> E11.3†). Two specific codes of one category (E11.3 and E11.5) both stay. A code listed
in ``not_superseding`` (old myocardial infarction I25.2: history) stays beside the unspecified code.

Some categories are the unspecified form of a neighbouring one: ICD-10 excludes acute severe asthma
(J46) from asthma (J45), and N19 (kidney failure), I64 (stroke), F03 (dementia), E14.9 (diabetes), D64.9
(anaemia) and J18 (pneumonia) say "unspecified" where the neighbouring categories name the kind. A coder
codes only the named kind, so ``neighbouring_categories`` (pairs of code ranges: ``codes`` and the
``superseded_by`` codes replacing them) supersedes the same way, with the same reason. OPCS-4 has its own
pairs, ``diagnostic_endoscopy``: a diagnostic endoscopic examination done in the same session as a
therapeutic endoscopic operation on the same site is not coded apart (the cystoscopy M45.9 of a
transurethral resection of a bladder tumour M42.1, the colonoscopy H22.9 of a snare polypectomy H20.1).
"""
from __future__ import annotations

from coding_toolkit.mapping.codes import icd_parts, to_display
from coding_toolkit.records import Alternative, CodeSuggestion, CodeSystem
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.merge import earliest_statement, evolve
from coding_toolkit.suggest.ranking import rank_key
from coding_toolkit.suggest.rule_fields import in_code_ranges
from coding_toolkit.suggest.rule_sections import Specificity


def _is_unspecified(parts: tuple[str, str, str, str], rules: CodingRules) -> bool:
    _category, fourth, fifth, _marker = parts
    return fourth == "" or (fourth in rules.section(Specificity).unspecified_fourth and fifth == "")


def _parts(s: CodeSuggestion) -> tuple[str, str, str, str] | None:
    """ICD-10 parts of the code; an OPCS-4 code as category and 4th character (``.9`` is unspecified in
    OPCS-4 too: "hysterectomy" Q07.9 beside "total abdominal hysterectomy" Q07.4 is the same operation)."""
    if s.system != CodeSystem.OPCS4:
        return icd_parts(s.code)
    code = s.code.replace(".", "")
    return (code[:3], code[3:4], "", "") if len(code) >= 3 else None


def supersede_unspecified(suggestions: list[CodeSuggestion], rules: CodingRules) -> list[CodeSuggestion]:
    if not rules.on("specificity"):
        return suggestions
    section = rules.section(Specificity)
    parsed = {id(s): _parts(s) for s in suggestions}
    categories = [(s.system, p[0]) for s in suggestions if (p := parsed[id(s)]) is not None]
    # each classification its own pairs (ICD-10 N19 gives way to N17; OPCS-4 N17 and N19 are other operations)
    families = [(s, by) for s in suggestions if parsed[id(s)] is not None
                for codes, by in (section.operations if s.system == CodeSystem.OPCS4 else section.neighbours)
                if in_code_ranges(s.code, codes)]
    if len(set(categories)) == len(categories) and not families:
        return suggestions  # no category given twice, no code a neighbouring category replaces: nothing to do
    specific: dict[tuple[str, str], list[CodeSuggestion]] = {}
    for s in suggestions:
        parts = parsed[id(s)]
        if parts is not None and not _is_unspecified(parts, rules) and s.code not in section.not_superseding:
            specific.setdefault((s.system, parts[0]), []).append(s)
    winner: dict[int, CodeSuggestion] = {}  # id(superseded suggestion) -> the code replacing it
    for s in suggestions:
        parts = parsed[id(s)]
        better = specific.get((s.system, parts[0])) if parts is not None and _is_unspecified(parts, rules) else None
        if better:
            winner[id(s)] = min(better, key=rank_key)
    # a neighbouring category's code (J46 acute severe asthma for J45 asthma), among the codes still standing
    standing = [s for s in suggestions if id(s) not in winner]
    for s, by in families:
        better = [t for t in standing if t is not s and t.system == s.system and id(t) not in winner
                  and t.code not in section.not_superseding and in_code_ranges(t.code, by)]
        if better and id(s) not in winner:
            winner[id(s)] = min(better, key=rank_key)
    superseded: dict[int, list[CodeSuggestion]] = {}  # id(standing suggestion) -> the codes it replaces
    for s in suggestions:
        if id(s) in winner:
            final = winner[id(s)]
            while id(final) in winner:  # J45.9 -> J45.0 -> J46: the code left standing takes both
                final = winner[id(final)]
            superseded.setdefault(id(final), []).append(s)
    # each specific code keeps the codes it replaces as alternatives; one of them stated under the
    # main-diagnosis heading passes that statement on (its earlier place in the stated order, when the
    # specific code is stated too but later)
    return [evolve(s, alternatives=tuple(_superseded_by(old, s) for old in superseded[id(s)]) + s.alternatives,
                   **earliest_statement(s, *superseded[id(s)]))
            if id(s) in superseded else s for s in suggestions if id(s) not in winner]


def _superseded_by(old: CodeSuggestion, winner: CodeSuggestion) -> Alternative:
    shown = winner.display or to_display(winner.code, winner.system) or winner.code
    return Alternative(code=old.code, display=old.display, title=old.title, advice=old.advice,
                       sctid=old.sctids[0] if old.sctids else "", reason=f"superseded by {shown.rstrip('†*')}")
