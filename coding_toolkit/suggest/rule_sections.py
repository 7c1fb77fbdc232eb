"""One frozen record per section of ``data/coding_rules.json``, each with the function reading it.

``SECTIONS`` (section name -> record class, in the order provenance lists the switches) is the one
place a rule is registered: ``CodingRules.load`` reads every section through it, the policy's switches
are checked against it and ``CodingRules.switches()`` reports it. A rule module asks for its section
by class (``rules.section(ExplainedSymptoms).pairs``: typed) and for a switch by name
(``rules.on("primary_from_heading")``). Field checks and their messages: ``rule_fields.py``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from coding_toolkit.suggest.rule_fields import (
    CodeRanges,
    CodeTable,
    Fields,
    ReasonRanges,
    code_ranges,
    table,
    words,
)

_CDS = re.compile(r"^[A-Z]\d{2}[0-9X]$")


@dataclass(frozen=True)
class RuleSection:
    """A section's data, validated; ``enabled`` is the switch (the file's, or the policy's override)."""
    NAME: ClassVar[str]
    # a rule added after trusts may have copied the file: a copy without the section takes the shipped
    # one (an upgrade keeps working; the section is switched like any other)
    ADDED_LATER: ClassVar[bool] = True
    enabled: bool

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> RuleSection:
        raise NotImplementedError


@dataclass(frozen=True)
class NeverPrimary(RuleSection):
    NAME = "never_primary"
    ADDED_LATER = False
    advice: tuple[str, ...]  # map advice phrases, upper case
    icd10: ReasonRanges
    opcs4: ReasonRanges

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> NeverPrimary:
        return cls(enabled, tuple(a.upper() for a in f.words("advice")), f.reason_ranges("icd10_ranges", True),
                   f.reason_ranges("opcs4_ranges", True))


@dataclass(frozen=True)
class AlternativesFromNote(RuleSection):
    NAME = "alternatives_from_note"
    ADDED_LATER = False
    not_establishing: ReasonRanges

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> AlternativesFromNote:
        return cls(enabled, f.reason_ranges("not_establishing", False))


@dataclass(frozen=True)
class Specificity(RuleSection):
    NAME = "specificity"
    ADDED_LATER = False
    unspecified_fourth: tuple[str, ...]
    not_superseding: frozenset[str]  # CDS codes that never replace an unspecified code of their category
    # (codes, the codes of neighbouring categories that supersede them): J45 asthma gives way to J46
    neighbours: tuple[tuple[CodeRanges, CodeRanges], ...] = ()
    # the same for OPCS-4: a diagnostic endoscopy (M45 cystoscopy) gives way to the therapeutic operation on
    # the same site done through the scope (M42-M44)
    operations: tuple[tuple[CodeRanges, CodeRanges], ...] = ()

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> Specificity:
        fourth = f.words("unspecified_fourth", ["9"])
        if any(len(x) != 1 or not x.isdigit() for x in fourth):
            raise f.fail("unspecified_fourth", f"{list(fourth)} are not single digits", 'use ["9"]')
        return cls(enabled, fourth, frozenset(w.upper() for w in f.words("not_superseding")),
                   f.range_pairs("neighbouring_categories", "codes", "superseded_by"),
                   f.range_pairs("diagnostic_endoscopy", "codes", "superseded_by"))


@dataclass(frozen=True)
class ServiceNames(RuleSection):
    NAME = "service_names"
    ADDED_LATER = False
    reason: str
    following: tuple[str, ...]
    preceding: tuple[str, ...]
    # service names on heading lines ("DISCHARGE SUMMARY - Stroke Medicine"): ``heading_line``
    document_words: tuple[str, ...]
    service_words: tuple[str, ...]
    title_words: tuple[str, ...]
    line_max_length: int

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> ServiceNames:
        line = f.child("heading_line")
        return cls(enabled, f.text("reason", "service name"), f.words("following"), f.words("preceding"),
                   line.words("document_words"), line.words("service_words"), line.words("title_words"),
                   line.characters("max_length", 90, "e.g. 90"))


@dataclass(frozen=True)
class PrimaryFromHeading(RuleSection):
    NAME = "primary_from_heading"
    headings: frozenset[str]  # lower case, single spaces (as the context stage gives headings)
    not_after: frozenset[str]  # words that make "<word> diagnosis" no main heading

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> PrimaryFromHeading:
        return cls(enabled, f.headings("headings"), frozenset(f.single_words("not_after")))


@dataclass(frozen=True)
class UncertainFinalDiagnosis(RuleSection):
    NAME = "uncertain_final_diagnosis"
    reason: str

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> UncertainFinalDiagnosis:
        return cls(enabled, f.text("reason", "uncertain final diagnosis coded as confirmed (standard)"))


@dataclass(frozen=True)
class ProceduresInHistory(RuleSection):
    NAME = "procedures_in_history"
    headings: frozenset[str]  # history sections: a procedure told there was done before this episode
    reason: str
    # past-time cues in a procedure's own clause (``past_time``): "one year ago", "in November", "recent"
    ago_units: tuple[str, ...]
    months: tuple[str, ...]
    before: tuple[str, ...]
    words_before: int
    words_after: int
    clause_ends: tuple[str, ...]
    this_episode: tuple[str, ...]
    plan_words: tuple[str, ...]

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> ProceduresInHistory:
        past = f.child("past_time")
        return cls(enabled, f.headings("headings"), f.text("reason", "historical"), past.words("ago_units"),
                   past.words("months"), past.words("before"), past.word_count("words_before", 4),
                   past.word_count("words_after", 4), past.words("clause_ends"), past.words("this_episode"),
                   past.words("plan_words"))


@dataclass(frozen=True)
class ExplainedSymptoms(RuleSection):
    NAME = "explained_symptoms"
    reason: str
    symptoms: CodeRanges
    never_explains: CodeRanges
    pairs: tuple[tuple[CodeRanges, CodeRanges], ...]  # (symptoms, the diagnoses explaining them)
    concepts: frozenset[tuple[str, str]]  # (symptom SCTID, disorder SCTID)

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> ExplainedSymptoms:
        concepts = []
        for i, pair in enumerate(f.get("concept_pairs", [])):
            ids = (str(pair.get("symptom", "")), str(pair.get("explained_by", ""))) if isinstance(pair, Mapping) else ("", "")
            if not all(x.isdigit() for x in ids):
                raise f.fail(f"concept_pairs[{i}]", "needs two SCTIDs",
                             'use {"symptom": "29857009", "explained_by": "22298006"}')
            concepts.append(ids)
        return cls(enabled, f.text("reason", "explained by {code}"), f.code_ranges("symptoms"),
                   f.code_ranges("never_explains"), f.range_pairs("pairs", "symptoms", "explained_by"),
                   frozenset(concepts))


@dataclass(frozen=True)
class StatusCodes(RuleSection):
    NAME = "status_codes"
    from_history: tuple[tuple[str, str, str, str, str], ...]  # (system, from, to, code, why)
    medication_headings: frozenset[str]
    medications: CodeTable  # (code, why, words)
    allergy_headings: frozenset[str]
    no_allergy_words: tuple[str, ...]
    allergies: CodeTable
    history_headings: frozenset[str]
    devices: CodeTable
    ex_smoker: CodeTable  # one row: (code, why, phrases)
    ex_smoker_current: CodeRanges  # current-smoking codes a mention inside an ex-smoker phrase must not give
    ex_smoker_reason: str

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> StatusCodes:
        history = []
        for i, row in enumerate(f.get("from_history", [])):
            system = row.get("system") if isinstance(row, Mapping) else None
            if system not in ("ICD-10", "OPCS-4"):
                raise f.fail(f"from_history[{i}].system", f"{system!r}", 'write "ICD-10" or "OPCS-4"')
            (low, high), = code_ranges(f.src, f.name(f"from_history[{i}]"), [row])
            (code, why, _), = table(f.src, f.name(f"from_history[{i}]"), [{**row, "w": ["x"]}], "w")
            history.append((system, low, high, code, why))
        smoker = f.child("ex_smoker")
        return cls(enabled, tuple(history), f.headings("medication_headings"), f.table("medications", "words"),
                   f.headings("allergy_headings"), f.words("no_allergy_words"), f.table("allergies", "words"),
                   f.headings("history_headings"), f.table("devices", "phrases"),
                   table(f.src, smoker.section, [smoker.raw] if smoker.raw else [], "phrases"),
                   smoker.code_ranges("current_codes"),
                   smoker.text("reason", "ex-smoker: Z86.4, not current tobacco use"))


@dataclass(frozen=True)
class OpcsLaterality(RuleSection):
    NAME = "opcs_laterality"
    SIDES: ClassVar = ("bilateral", "right", "left", "unstated")
    window: int
    codes: tuple[tuple[str, str], ...]  # (side, code): bilateral, right, left, unstated
    titles: tuple[tuple[str, str], ...]  # (side, title) where no title file is imported
    words: tuple[tuple[str, tuple[str, ...]], ...]  # (side, words)
    categories: CodeRanges

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> OpcsLaterality:
        sides = cls.SIDES
        codes = f.get("codes", {})
        if not isinstance(codes, Mapping) or set(codes) != set(sides):
            raise f.fail("codes", "needs bilateral, right, left and unstated",
                         '{"bilateral": "Z941", "right": "Z942", "left": "Z943", "unstated": "Z944"}')
        window = f.characters("window", 40, "e.g. 40")
        side_words = f.child("words")
        return cls(enabled, window, tuple((side, str(codes[side]).upper()) for side in sides),
                   tuple((side, str(title)) for side, title in f.child("titles").raw.items()
                         if side in sides and isinstance(title, str)),
                   tuple((side, side_words.words(side, None)) for side in sides[:3]),
                   f.code_ranges("categories"))


@dataclass(frozen=True)
class PrimaryFocus(RuleSection):
    NAME = "primary_focus"
    admission_reasons: CodeRanges
    indication_headings: frozenset[str]
    presenting_headings: frozenset[str]
    arising_words: tuple[str, ...]
    arising_headings: frozenset[str]
    background: CodeRanges

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> PrimaryFocus:
        return cls(enabled, f.code_ranges("admission_reasons"), f.headings("indication_headings"),
                   f.headings("presenting_headings"), f.words("arising_words"), f.headings("arising_headings"),
                   f.code_ranges("background"))


@dataclass(frozen=True)
class OrganismCodes(RuleSection):
    NAME = "organism_codes"
    infections: CodeRanges  # infection codes whose category does not name the organism (N39.0, L03 ...)
    pneumonia: CodeRanges  # pneumonia, organism unspecified (J18): the organism's own category replaces it
    # (codes, pneumonia code or "", why, SCTIDs, names lower case)
    organisms: tuple[tuple[tuple[str, ...], str, str, frozenset[str], tuple[str, ...]], ...]
    not_grown: tuple[str, ...]  # in the organism's clause: a negative culture ("no growth", "negative")
    not_before: tuple[str, ...]  # just before the organism: negated, past, uncertain ("no", "previous", "?")
    not_after: tuple[str, ...] = ()  # right after it: not the organism found ("pneumococcal vaccination")

    @classmethod
    def read(cls, f: Fields, enabled: bool) -> OrganismCodes:
        rows = []
        for i, row in enumerate(f.get("organisms", [])):
            where = f"organisms[{i}]"
            row = row if isinstance(row, Mapping) else {}
            codes = row.get("codes")
            if not isinstance(codes, list) or not codes or not all(isinstance(c, str) and _CDS.match(c.upper())
                                                                   for c in codes):
                raise f.fail(f"{where}.codes", f"{codes!r} is not a list of 4-character CDS codes", 'e.g. ["B962"]')
            pneumonia = str(row.get("pneumonia") or "").upper()
            if pneumonia and not _CDS.match(pneumonia):
                raise f.fail(f"{where}.pneumonia", f"{pneumonia!r} is not a 4-character CDS code", 'e.g. "J155"')
            ids = row.get("sctids", [])
            if not isinstance(ids, list) or not all(str(x).isdigit() for x in ids):
                raise f.fail(f"{where}.sctids", f"{ids!r} is not a list of SCTIDs", 'e.g. ["112283007"]')
            names = words(f.src, f.name(f"{where}.names"), row.get("names"))
            rows.append((tuple(c.upper() for c in codes), pneumonia, str(row.get("why") or codes[0]),
                         frozenset(str(x) for x in ids), names))
        return cls(enabled, f.code_ranges("infections"), f.code_ranges("pneumonia"), tuple(rows),
                   f.words("not_grown"), f.words("not_before"), f.words("not_after"))


# section name -> record; this order is the order of the switches in every result's provenance
SECTIONS: dict[str, type[RuleSection]] = {cls.NAME: cls for cls in (
    NeverPrimary, AlternativesFromNote, Specificity, ServiceNames, PrimaryFromHeading, UncertainFinalDiagnosis,
    ExplainedSymptoms, StatusCodes, OpcsLaterality, PrimaryFocus, ProceduresInHistory, OrganismCodes)}
