"""Frozen records passed between stages.

Every stage (terminology, mapping, concepts, context, pipeline, io, bulk) depends on these
records and on its own modules only; wiring happens in ``pipeline.py`` and ``cli/``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class CodeSystem(str, Enum):  # noqa: UP042 -- StrEnum is Python 3.11+, and 3.10 is supported
    """Classification of a map row or suggestion; a ``str`` (``"ICD-10" == CodeSystem.ICD10``) whose
    ``str()`` and f-string form are the plain name, so JSON, SQL and CSV carry "ICD-10"."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    ICD10 = "ICD-10"
    OPCS4 = "OPCS-4"
    ICD10_INT = "ICD-10 (International)"


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
    system: str  # a CodeSystem value: "ICD-10" | "OPCS-4"
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
    # words standing inside the linked name ("left" in "fractured left neck of femur"): laterality and
    # modifiers the name does not hold (refine/inside_names.py); () = none
    qualifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContextLabels:
    """Meta-annotation of one mention: each task's value and which classifier gave it."""

    negation: str = "Affirmed"  # Affirmed | Negated
    # Recent | Historical | Hypothetical | Resolved (present during this stay, resolved before discharge)
    # | Uncertain (a possibility: "?PE", "possible", "rule out", "cannot be excluded"; not confirmed)
    temporality: str = "Recent"
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
    # a refined mention (refine/): positions, in the note's mentions, of the parts it was refined from
    # (each filtered with the reason "refined into <sctid>"); () = linked directly
    parts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Alternative:
    """Another code a coder may choose instead of a suggestion's code.

    Map alternatives (the context-specific priorities of the default's group, other blocks) carry
    ``reason=None``. A coding rule that changed the suggestion says why in ``reason``: the map
    default a note-established alternative replaced (``"map default; replaced: E11 established by
    'type 2 diabetes' (E11.9)"``) or an unspecified code a more specific one superseded
    (``"superseded by E11.3"``).
    """

    code: str  # CDS form
    display: str | None = None
    title: str | None = None
    block: int = 1
    group: int = 1
    priority: int = 1
    advice: str = ""
    classifiable: bool = True
    sctid: str = ""
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class CodeSuggestion:
    system: str  # a CodeSystem value
    code: str  # CDS form
    display: str | None
    title: str | None
    sctids: tuple[str, ...]
    evidence: tuple[int, ...]  # indexes into the note's mentions
    advice: str
    alternatives: tuple[Alternative, ...] = ()
    confidence: float = 0.0
    kind: str | None = None  # "dagger" | "asterisk" | None (mapping.codes.target_kind)
    # position in its system's CDS order (1 = the primary diagnosis / procedure when allowed); 0 = unranked
    rank: int = 0
    # why this code may not be in a primary position (asterisk, map advice, external cause); None = it may
    never_primary: str | None = None
    # set when a coding rule chose a map alternative over the default: the note's supporting mention and code
    chosen_because: str | None = None
    # the main-diagnosis heading the note states this code under ("discharge diagnosis"): such codes rank
    # ahead of the others in their system, in the order stated (suggest/ranking.py; a code never allowed
    # as primary still is not); None = ranked by evidence strength
    stated_under: str | None = None


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
