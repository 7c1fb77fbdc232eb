"""``csv``: one row per suggestion, with evidence text and offsets, plus one row per filtered mention.

Filtered mentions (negated, historical, hypothetical, family history) get ``status=filtered``,
an empty ``code``, the ``reason`` and the codes they would have given in ``blocked_codes``, so
an auditor sees why a code was not suggested. Column meanings: docs/outputs.md. A text cell starting
with ``= + - @`` (or a tab/CR) gets a leading ``'`` so that a spreadsheet does not run it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from coding_toolkit.io.csv_file import spreadsheet_safe
from coding_toolkit.io.sinks.base import FileSink
from coding_toolkit.records import NoteResult

COLUMNS = (
    "note_id",
    "episode_id",
    "status",
    "system",
    "code",
    "display",
    "title",
    "sctids",
    "evidence_text",
    "evidence_offsets",
    "n_evidence",
    "confidence",
    "kind",
    "advice",
    "alternatives",
    "reason",
    "meta",
    "blocked_codes",
    "pack_hash",
    "map_release",
    "rank",
    "never_primary",
    "chosen_because",
    "stated_under",
)


def _alternatives(alts) -> str:
    parts = []
    for a in alts:
        text = f"{a.display or a.code} {a.title or ''}".strip()
        parts.append(f"{text} ({a.reason})" if a.reason else text)
    return "; ".join(parts)


class CsvSink(FileSink):
    def header(self) -> bytes:
        return self._rows([COLUMNS])

    @staticmethod
    def _rows(rows) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(spreadsheet_safe(row) for row in rows)
        return buf.getvalue().encode("utf-8")

    def encode(self, results: Sequence[NoteResult]) -> bytes:
        rows = []
        for r in results:
            prov = r.provenance
            tail = (prov.get("pack_hash", ""), prov.get("map_release", ""))
            mentions = r.mentions
            for s in r.suggestions:  # in the suggestion stage's order (rank per system)
                ev = [mentions[i].mention for i in s.evidence if 0 <= i < len(mentions)]
                rows.append(
                    (
                        r.note_id,
                        r.episode_id or "",
                        "suggested",
                        s.system,
                        s.code,
                        s.display or "",
                        s.title or "",
                        ";".join(s.sctids),
                        " | ".join(m.text for m in ev),
                        ";".join(f"{m.start}-{m.end}" for m in ev),
                        len(s.evidence),
                        s.confidence,
                        s.kind or "",
                        s.advice,
                        _alternatives(s.alternatives),
                        "",
                        "",
                        "",
                    )
                    + tail
                    + (s.rank or "", s.never_primary or "", s.chosen_because or "", s.stated_under or "")
                )
            for am in mentions:
                if am.decision.status == "kept":
                    continue
                m, lab = am.mention, am.labels
                blocked = ";".join(c.target for c in am.codes if c.default)
                rows.append(
                    (
                        r.note_id,
                        r.episode_id or "",
                        am.decision.status,
                        "",
                        "",
                        "",
                        m.name,
                        m.sctid,
                        m.text,
                        f"{m.start}-{m.end}",
                        1,
                        m.confidence,
                        "",
                        "",
                        "",
                        am.decision.reason or "",
                        f"negation={lab.negation}; temporality={lab.temporality}; "
                        f"experiencer={lab.experiencer}",
                        blocked,
                    )
                    + tail
                    + ("", "", "", "")
                )
        return self._rows(rows) if rows else b""
