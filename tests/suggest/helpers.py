"""Map rows and mentions in the shapes the map engine and context stage give (illustrative map rows)."""
from __future__ import annotations

from coding_toolkit.mapping.codes import target_kind, to_display
from coding_toolkit.records import AnnotatedMention, ContextLabels, FilterDecision, MapRow, Mention


def row(sctid, target, *, group=1, priority=1, default=True, advice="", block=1, system="ICD-10"):
    return MapRow(sctid=sctid, system=system, version="5th Edition", refset_id="999002271000000101",
                  block=block, group=group, priority=priority, target=target, display=to_display(target, system),
                  advice=advice, default=default, classifiable=not target.startswith("#"),
                  kind=target_kind(target) if system != "OPCS-4" else None)


def group(sctid, *targets, group_no=1, advice=""):
    """One map group in priority order; the last target is the default (highest priority)."""
    return [row(sctid, t, group=group_no, priority=i, default=i == len(targets), advice=advice)
            for i, t in enumerate(targets, 1)]


def kept(text, start, codes, *, sctid=None, confidence=0.9, status="kept", reason=None, temporality="Recent"):
    sctid = sctid or codes[0].sctid
    return AnnotatedMention(
        Mention(start=start, end=start + len(text), text=text, sctid=sctid, name=text, confidence=confidence),
        ContextLabels(temporality=temporality), FilterDecision(status, reason), tuple(codes))


T2DM = [row("44054006", "E119", advice="ALWAYS E11.9")]
T1DM = [row("46635009", "E109", advice="ALWAYS E10.9")]
# diabetic retinopathy: group 1 the dagger (E10.3 type 1, E11.3 type 2, default E14.3), group 2 the asterisk
RETINOPATHY = group("4855003", "E103D", "E113D", "E143D") + [row("4855003", "H360A", group=2)]
DKA = group("420422005", "E101", "E111", "E141")
FALL = [row("1912002", "W199", advice="ALWAYS W19.9 | THIS IS AN EXTERNAL CAUSE CODE FOR USE IN A SECONDARY POSITION")]
HIP_FRACTURE = [row("5913000", "S720", advice="ALWAYS S72.0 | POSSIBLE REQUIREMENT FOR AN EXTERNAL CAUSE CODE")]
SMOKER = [row("77176002", "Z720", advice="ALWAYS Z72.0 | CODE MUST NEVER BE USED IN A PRIMARY POSITION")]
HF = group("84114007", "I110", "I500", "I509")
CCF = [row("42343007", "I500")]
HTN = group("38341003", "O109", "I159", "I10X")
AF = [row("49436004", "I48X")]
CKD = [row("709044004", "N189")]
CKD3 = [row("433144002", "N183")]
STROKE = [row("230690007", "I64X")]
HHD = [row("64715009", "I119")]
WOUND = [row("95345008", "T814")]
