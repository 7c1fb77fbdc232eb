"""Hand-built NoteResult objects with the real shapes the map engine gives (docs/reference.md §3)."""

from __future__ import annotations

from coding_toolkit.records import (
    Alternative,
    AnnotatedMention,
    CodeSuggestion,
    ContextLabels,
    FilterDecision,
    MapRow,
    Mention,
    NoteResult,
)
from coding_toolkit.suggest import CodingRules, rank

PROV = {"pack_hash": "sha256:abc123", "map_release": "20241120", "toolkit_version": "0.1.0"}


def row(sctid, system, target, display, title, advice, *, group=1, priority=1, default=True, kind=None):
    return MapRow(
        sctid=sctid,
        system=system,
        version="5th Edition" if system == "ICD-10" else "4.11",
        refset_id="999002271000000101" if system == "ICD-10" else "1891651000000103",
        block=1,
        group=group,
        priority=priority,
        target=target,
        display=display,
        advice=advice,
        default=default,
        kind=kind,
        title=title,
        release="20241120",
    )


def mention(
    start,
    text,
    sctid,
    name,
    conf,
    *,
    status="kept",
    reason=None,
    negation="Affirmed",
    temporality="Recent",
    experiencer="Patient",
    codes=(),
    meta=None,
):
    labels = ContextLabels(
        negation=negation,
        temporality=temporality,
        experiencer=experiencer,
        sources={"negation": "rules"},
        triggers={"negation": "no"} if negation == "Negated" else {},
    )
    return AnnotatedMention(
        mention=Mention(
            start=start,
            end=start + len(text),
            text=text,
            sctid=sctid,
            name=name,
            confidence=conf,
            type_ids=("T047",),
            meta=meta or {},
        ),
        labels=labels,
        decision=FilterDecision(status=status, reason=reason),
        codes=tuple(codes),
    )


MI = row("22298006", "ICD-10", "I219", "I21.9", "Acute myocardial infarction, unspecified", "ALWAYS I21.9")
DM_RET_D = row(
    "25412000",
    "ICD-10",
    "E143D",
    "E14.3†",
    "Unspecified diabetes mellitus with ophthalmic complications",
    "ALWAYS E14.3 | ADDITIONAL CODE MANDATORY",
    kind="dagger",
)
DM_RET_A = row(
    "25412000", "ICD-10", "H360A", "H36.0*", "Diabetic retinopathy", "ALWAYS H36.0", group=2, kind="asterisk"
)
Z764 = row(
    "160903007",
    "ICD-10",
    "Z764",
    "Z76.4",
    "Other boarder in health-care facility",
    "ALWAYS Z76.4 | ADDITIONAL CODE MANDATORY | CODE MUST NEVER BE USED IN A PRIMARY POSITION",
)
HTN = row("38341003", "ICD-10", "I10X", "I10", "Essential (primary) hypertension", "ALWAYS I10.X")
APPX = row("80146002", "OPCS-4", "H019", "H01.9", "Unspecified emergency excision of appendix", "")
DIAB = row("73211009", "ICD-10", "E149", "E14.9", "Unspecified diabetes mellitus without complications", "")


def sugg(r: MapRow, evidence, conf, alternatives=()):
    return CodeSuggestion(
        system=r.system,
        code=r.target,
        display=r.display,
        title=r.title,
        sctids=(r.sctid,),
        evidence=tuple(evidence),
        advice=r.advice,
        alternatives=tuple(alternatives),
        confidence=conf,
        kind=r.kind,
    )


def note_a(note_id="n1", episode_id=None, provenance=None) -> NoteResult:
    """MI twice (strongest), a negated diabetes, a dagger/asterisk pair, a never-primary Z code,
    an operation."""
    text = (
        "Acute MI. No diabetes. Diabetic retinopathy noted. Lives in care home. MI confirmed. "
        "Appendicectomy done."
    )
    ms = (
        mention(0, "Acute MI", "22298006", "Myocardial infarction", 0.92, codes=[MI]),
        mention(
            10,
            "diabetes",
            "73211009",
            "Diabetes mellitus",
            0.88,
            status="filtered",
            reason="negated",
            negation="Negated",
            codes=[DIAB],
        ),
        mention(
            23, "Diabetic retinopathy", "25412000", "Diabetic retinopathy", 0.81, codes=[DM_RET_D, DM_RET_A]
        ),
        mention(51, "care home", "160903007", "Lives in care home", 0.99, codes=[Z764]),
        mention(62, "MI", "22298006", "Myocardial infarction", 0.7, codes=[MI]),
        mention(78, "Appendicectomy", "80146002", "Appendicectomy", 0.95, codes=[APPX]),
    )
    ss = (
        sugg(Z764, [3], 0.99),
        sugg(DM_RET_A, [2], 0.81),
        sugg(DM_RET_D, [2], 0.81),
        sugg(MI, [0, 4], 0.92, alternatives=(Alternative(code="I252", display="I25.2", title="Old MI"),)),
        sugg(APPX, [5], 0.95),
    )
    ss = rank(ss, CodingRules.load())  # ranked by the suggestion stage, as the pipeline gives them
    return NoteResult(
        note_id=note_id,
        mentions=ms,
        suggestions=ss,
        provenance=dict(provenance or PROV),
        episode_id=episode_id,
        text_hash="h-" + note_id,
        text=text,
    )


def note_b(note_id="n2", episode_id=None) -> NoteResult:
    """Hypertension only (one mention)."""
    ms = (mention(0, "hypertension", "38341003", "Hypertensive disorder", 0.97, codes=[HTN]),)
    return NoteResult(
        note_id=note_id,
        mentions=ms,
        suggestions=rank([sugg(HTN, [0], 0.97)], CodingRules.load()),
        provenance=dict(PROV),
        episode_id=episode_id,
        text_hash="h-" + note_id,
    )


def suggestions_only(r: NoteResult) -> NoteResult:
    """What the bulk runner re-feeds on resume: note id, episode id and suggestions, no mentions."""
    return NoteResult(
        note_id=r.note_id,
        mentions=(),
        suggestions=r.suggestions,
        provenance=r.provenance,
        episode_id=r.episode_id,
        text_hash=r.text_hash,
    )
