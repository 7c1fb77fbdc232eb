"""Symptoms explained by a diagnosis: a sign or symptom is not coded beside the diagnosis that explains it.

The coding standards do not code a sign or symptom (ICD-10 chapter XVIII, R00-R99) when a related
definitive diagnosis is made: chest pain R07.4 beside a myocardial infarction I21.9, breathlessness
R06.0 beside a COPD exacerbation, fever R50.9 beside sepsis. A kept mention whose ICD-10 map defaults
are all symptom codes is filtered, with reason ``explained by I21.9``, when a kept diagnosis of the same
note explains it; a symptom nothing explains stays (and may be the primary diagnosis).

"Explains" is data (``explained_symptoms`` in ``data/coding_rules.json``): body-system pairs of ICD-10
ranges (R00-R09 by circulatory and respiratory diagnoses, R10-R19 by digestive ones, R50 fever by
infections ...), refined by SNOMED CT concept pairs (``concept_pairs``). A terminology index that knows
a disorder's *has definitional manifestation* / *associated with* attributes or its is-a ancestors
plugs in as ``knowledge`` (``ConceptKnowledge``): its yes or no decides before the chapter pairs.
Codes in ``never_explains`` (hypertension, obesity, status codes ...) explain nothing, nor does a chronic
condition kept from the past history ("PMH: IHD" does not explain today's chest pain). Switch:
``explained_symptoms``.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from coding_toolkit.mapping.codes import to_display
from coding_toolkit.records import AnnotatedMention, CodeSystem, FilterDecision
from coding_toolkit.suggest.config import CodingRules, in_code_ranges
from coding_toolkit.suggest.merge import evolve
from coding_toolkit.suggest.rule_sections import ExplainedSymptoms


class ConceptKnowledge(Protocol):
    """What a SNOMED CT release says about a symptom and a disorder (a concept-model index)."""

    def explains(self, symptom_sctid: str, disorder_sctid: str) -> bool | None:
        """True when the release relates them (manifestation, associated finding, is-a a listed pair),
        False when it rules it out, None when it does not say (the chapter pairs decide)."""


def _icd_defaults(am: AnnotatedMention) -> list[str]:
    return [row.target for row in am.codes
            if row.default and row.classifiable and row.system in (CodeSystem.ICD10, CodeSystem.ICD10_INT)]


def _explains(symptom: AnnotatedMention, symptom_codes: list[str], diagnosis: AnnotatedMention, code: str,
              rules: CodingRules, knowledge: ConceptKnowledge | None) -> bool:
    if (symptom.mention.sctid, diagnosis.mention.sctid) in rules.section(ExplainedSymptoms).concepts:
        return True
    if knowledge is not None:
        said = knowledge.explains(symptom.mention.sctid, diagnosis.mention.sctid)
        if said is not None:
            return said
    return _pairs_explain(tuple(symptom_codes), code, rules)


@lru_cache(maxsize=16384)
def _kind(code: str, rules: CodingRules) -> str:
    """"symptom" (``symptoms``), "diagnosis" (one that may explain a symptom) or "other" (``never_explains``)."""
    section = rules.section(ExplainedSymptoms)
    if in_code_ranges(code, section.symptoms):
        return "symptom"
    return "other" if in_code_ranges(code, section.never_explains) else "diagnosis"


@lru_cache(maxsize=4096)  # pure in its arguments; asked for every symptom and diagnosis pair of a note
def _pairs_explain(symptom_codes: tuple[str, ...], code: str, rules: CodingRules) -> bool:
    return any(in_code_ranges(code, explainers) and all(in_code_ranges(c, symptoms) for c in symptom_codes)
               for symptoms, explainers in rules.section(ExplainedSymptoms).pairs)


def filter_explained_symptoms(mentions: Sequence[AnnotatedMention], rules: CodingRules,
                              knowledge: ConceptKnowledge | None = None) -> tuple[AnnotatedMention, ...]:
    if not rules.on("explained_symptoms"):
        return tuple(mentions)
    diagnoses = []  # (mention, code) of kept definitive diagnoses, in note order
    symptoms = {}  # index -> the symptom codes of a kept symptom mention
    for i, am in enumerate(mentions):
        if am.decision.status != "kept":
            continue
        codes = _icd_defaults(am)
        if codes and all(_kind(c, rules) == "symptom" for c in codes):
            symptoms[i] = codes
        elif am.labels.temporality != "Historical":  # a condition named only in the past history explains nothing now
            diagnoses += [(am, c) for c in codes if _kind(c, rules) == "diagnosis"]
    if not symptoms or not diagnoses:
        return tuple(mentions)
    out = list(mentions)
    for i, codes in symptoms.items():
        by = next((code for am, code in diagnoses if _explains(mentions[i], codes, am, code, rules, knowledge)), None)
        if by is not None:
            shown = (to_display(by, "ICD-10") or by).rstrip("†*")
            reason = rules.section(ExplainedSymptoms).reason.format(code=shown)
            out[i] = evolve(out[i], decision=FilterDecision("filtered", reason))
    return tuple(out)
