"""Frozen records passed between stages.

Every stage (terminology, mapping, concepts, context, pipeline, io, bulk) depends on these
records and on its own modules only; wiring happens in ``pipeline.py`` and ``cli/``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Note:
    """One free-text document to annotate."""

    note_id: str
    text: str
    episode_id: str | None = None
    # where the note came from (file name and line/row), for error messages; never its text
    source: str | None = None
    # set by a reader that had to damage the text (e.g. bytes that are not UTF-8): annotate rejects it
    problem: str | None = None
    problem_kind: str = "damaged text"  # the reject category counted for ``problem``


@dataclass(frozen=True)
class ConceptEntry:
    """One concept with its names, as a model builder needs it (terminology -> concepts)."""

    sctid: str
    preferred_term: str
    fsn: str = ""
    semantic_tag: str = ""
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class MapRow:
    """One NHS map alternative for a concept, as the map engine returns it.

    ``target`` is the raw map target in CDS form (``I219``, ``E143D``, ``H019``, ``#NIS``).
    """

    sctid: str
    system: str  # "ICD-10" | "OPCS-4"
    version: str  # "5th Edition", "4.11", ...
    refset_id: str
    block: int
    group: int
    priority: int
    target: str
    display: str | None
    advice: str
    rule: str = ""
    default: bool = False
    classifiable: bool = True
    kind: str | None = None  # "dagger" | "asterisk" | None
    title: str | None = None
    release: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Mention:
    """A concept found in a note by the concept linker."""

    start: int
    end: int
    text: str
    sctid: str
    name: str
    confidence: float
    type_ids: tuple[str, ...] = ()
    # meta-annotations produced by MetaCAT models inside the pack, task -> value
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ContextLabels:
    """Meta-annotation of one mention: each task's value and which classifier gave it."""

    negation: str = "Affirmed"  # Affirmed | Negated
    temporality: str = "Recent"  # Recent | Historical | Hypothetical
    experiencer: str = "Patient"  # Patient | Other
    sources: dict[str, str] = field(default_factory=dict)  # task -> "rules" | "metacat:<name>"
    triggers: dict[str, str] = field(default_factory=dict)  # task -> trigger phrase/section

    def as_meta(self) -> dict[str, str]:
        return {"negation": self.negation, "temporality": self.temporality,
                "experiencer": self.experiencer}


@dataclass(frozen=True)
class FilterDecision:
    status: str  # "kept" | "filtered"
    reason: str | None = None


@dataclass(frozen=True)
class AnnotatedMention:
    mention: Mention
    labels: ContextLabels
    decision: FilterDecision
    codes: tuple[MapRow, ...] = ()


@dataclass(frozen=True)
class CodeSuggestion:
    system: str
    code: str  # CDS form
    display: str | None
    title: str | None
    sctids: tuple[str, ...]
    evidence: tuple[int, ...]  # indexes into the note's mentions
    advice: str
    alternatives: tuple[dict[str, Any], ...] = ()
    confidence: float = 0.0
    kind: str | None = None


@dataclass(frozen=True)
class NoteResult:
    note_id: str
    mentions: tuple[AnnotatedMention, ...]
    suggestions: tuple[CodeSuggestion, ...]
    provenance: dict[str, Any]
    episode_id: str | None = None
    text_hash: str = ""
    # the note text, set only when an output asks for it (FHIR with fhir_include_text); never in JSONL
    text: str | None = None
