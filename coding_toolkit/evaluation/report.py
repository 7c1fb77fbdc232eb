"""The evaluation's HTML report: one self-contained file (inline CSS and SVG plots, no script, no
external asset), for a coding manager. Evidence snippets (note text) only with ``--show-text``."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

from coding_toolkit.evaluation.scoring import TOP
from coding_toolkit.wording import counted

SNIPPET_CONTEXT = 60  # characters of note text either side of an evidence mention
VOLUME_CODES = 15  # codes in the "by volume" plot
_CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:24px;color:#1d2733;max-width:1100px}
h1{font-size:22px} h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccd} h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0} td,th{border:1px solid #ccd;padding:3px 8px;text-align:right;font-size:13px}
th{background:#eef1f6} td.l,th.l{text-align:left} .warn{background:#fff3cd;border:1px solid #e0c060;padding:8px}
.cards{display:flex;gap:12px;flex-wrap:wrap} .card{border:1px solid #ccd;border-radius:6px;padding:10px 14px}
.card b{font-size:22px;display:block} .snip{font-family:monospace;font-size:12px;color:#333} mark{background:#ffe08a}
.up{color:#17692f} .down{color:#a11}
"""
_TP, _FN, _FP, _P, _R = "#2e7d32", "#c62828", "#ef8f00", "#1f5fa8", "#7fb2e5"


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _prf_cells(m: dict) -> str:
    return (f"<td>{_pct(m['precision'])}</td><td>{_pct(m['recall'])}</td><td>{_pct(m['f1'])}</td>"
            f"<td>{m['tp']}</td><td>{m['fp']}</td><td>{m['fn']}</td>")


_PRF_HEAD = "<th>precision</th><th>recall</th><th>F1</th><th>tp</th><th>fp</th><th>fn</th>"


def chapter_plot(by_chapter: dict[str, dict[str, dict]]) -> str:
    """Horizontal bars: precision and recall per chapter (both systems)."""
    rows = [(f"{system} {name}", m) for system, chapters in by_chapter.items() for name, m in chapters.items()]
    if not rows:
        return ""
    label_w, bar_w, row_h = 330, 420, 26
    height = 30 + row_h * len(rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="precision and recall per chapter" '
             f'width="{label_w + bar_w + 80}" height="{height}" class="plot chapters">',
             f'<rect x="{label_w}" y="4" width="10" height="10" fill="{_P}"/><text x="{label_w + 14}" y="13" '
             f'font-size="11">precision</text><rect x="{label_w + 90}" y="4" width="10" height="10" fill="{_R}"/>'
             f'<text x="{label_w + 104}" y="13" font-size="11">recall</text>']
    for i, (label, m) in enumerate(rows):
        y = 24 + i * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" font-size="11" text-anchor="end">{escape(label[:48])}</text>')
        for j, (key, color) in enumerate((("precision", _P), ("recall", _R))):
            w = round(bar_w * m[key], 1)
            parts.append(f'<rect x="{label_w}" y="{y + j * 10}" width="{w}" height="9" fill="{color}">'
                         f'<title>{escape(label)} {key} {_pct(m[key])}</title></rect>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 14}" font-size="10">F1 {_pct(m["f1"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def volume_plot(by_code: list[dict]) -> str:
    """The most-coded codes: per code, coded-and-suggested (tp), missed (fn) and suggested-not-coded (fp)."""
    rows = by_code[:VOLUME_CODES]
    if not rows:
        return ""
    top = max(max(r["coded"], r["fp"]) for r in rows) or 1
    label_w, bar_w, row_h = 120, 520, 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="codes by volume" '
             f'width="{label_w + bar_w + 180}" height="{30 + row_h * len(rows)}" class="plot volume">']
    for k, (name, color) in enumerate((("coded and suggested", _TP), ("missed", _FN), ("suggested, not coded", _FP))):
        parts.append(f'<rect x="{label_w + k * 170}" y="4" width="10" height="10" fill="{color}"/>'
                     f'<text x="{label_w + 14 + k * 170}" y="13" font-size="11">{name}</text>')
    for i, r in enumerate(rows):
        y = 24 + i * row_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
                     f'{escape(r["system"])} {escape(r["display"])}</text>')
        x = label_w
        for key, color in (("tp", _TP), ("fn", _FN)):
            w = round(bar_w * r[key] / top, 1)
            parts.append(f'<rect x="{x}" y="{y}" width="{w}" height="10" fill="{color}"><title>{escape(r["display"])} '
                         f'{key} {r[key]}</title></rect>')
            x += w
        w = round(bar_w * r["fp"] / top, 1)
        parts.append(f'<rect x="{label_w}" y="{y + 11}" width="{w}" height="7" fill="{_FP}"><title>'
                     f'{escape(r["display"])} fp {r["fp"]}</title></rect>')
        parts.append(f'<text x="{label_w + bar_w + 6}" y="{y + 13}" font-size="10">coded {r["coded"]}, '
                     f'recall {_pct(r["recall"])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def snippets(notes: str, config, wanted: set[tuple[str, int, int]]) -> dict[tuple[str, int, int], str]:
    """HTML snippets (mention marked) for (note_id, start, end), reading the notes once more."""
    if not wanted:
        return {}
    ids = {w[0] for w in wanted}
    out = {}
    for note in config.read_notes(notes):
        if note.note_id not in ids or not isinstance(note.text, str):
            continue
        for note_id, start, end in (w for w in wanted if w[0] == note.note_id):
            text = note.text
            a, b = max(0, start - SNIPPET_CONTEXT), min(len(text), end + SNIPPET_CONTEXT)
            out[(note_id, start, end)] = (("…" if a else "") + escape(text[a:start]) + "<mark>"
                                          + escape(text[start:end]) + "</mark>" + escape(text[end:b])
                                          + ("…" if b < len(text) else ""))
    return out


def _code_table(entry: dict, key: str, kind: str, texts: dict | None) -> str:
    rows = entry[key][:TOP]
    if not rows:
        return "<p>none</p>"
    count = "fp" if kind == "fp" else "fn"
    head = (f"<tr><th class=l>code</th><th class=l>system</th><th>{count}</th><th>tp</th>"
            + ("<th>shown as alternative</th>" if kind == "fn" else "")
            + ("<th class=l>examples (note id: text)</th>" if texts is not None else "") + "</tr>")
    body = []
    examples = entry.get("_examples") or {}
    for r in rows:
        cells = (f"<td class=l>{escape(r['display'])}</td><td class=l>{escape(r['system'])}</td>"
                 f"<td>{r[count]}</td><td>{r['tp']}</td>" + (f"<td>{r['as_alternative']}</td>" if kind == "fn" else ""))
        if texts is not None:
            shown = []
            for note_id, start, end, label in examples.get((r["system"], r["code"], kind), []):
                snippet = texts.get((note_id, start, end))
                if snippet:
                    shown.append(f"<div class=snip>{escape(note_id)} [{escape(label)}]: {snippet}</div>")
            cells += f"<td class=l>{''.join(shown) or 'no mention found'}</td>"
        body.append(f"<tr>{cells}</tr>")
    return f"<table>{head}{''.join(body)}</table>"


def _variant_section(entry: dict, texts: dict | None) -> str:
    p, alt = entry["primary"], entry["alternatives"]
    out = [f"<h2>{escape(entry['label'])}</h2>",
           "<div class=cards>",
           f"<div class=card>precision<b>{_pct(entry['codes']['precision'])}</b></div>",
           f"<div class=card>recall<b>{_pct(entry['codes']['recall'])}</b></div>",
           f"<div class=card>F1<b>{_pct(entry['codes']['f1'])}</b></div>",
           f"<div class=card>primary agreement<b>{_pct(entry['primary_agreement'])}</b>{p['agree']} of {p['episodes']}</div>",
           f"<div class=card>missed codes shown as alternatives<b>{alt['shown_as_alternative']} of {alt['missed']}</b></div>",
           "</div>",
           f"<table><tr><th class=l></th>{_PRF_HEAD}</tr><tr><td class=l>both systems</td>{_prf_cells(entry['codes'])}</tr>"
           + "".join(f"<tr><td class=l>{escape(s)}</td>{_prf_cells(m)}</tr>" for s, m in entry["by_system"].items())
           + "</table>",
           "<h3>Precision and recall per chapter</h3>", chapter_plot(entry["by_chapter"]),
           "<h3>The codes your coders assign most</h3>", volume_plot(entry["by_code"]),
           "<h3>Per chapter</h3>",
           f"<table><tr><th class=l>system</th><th class=l>chapter</th>{_PRF_HEAD}</tr>"
           + "".join(f"<tr><td class=l>{escape(s)}</td><td class=l>{escape(n)}</td>{_prf_cells(m)}</tr>"
                     for s, chapters in entry["by_chapter"].items() for n, m in chapters.items()) + "</table>",
           "<h3>Top false positives (suggested, not coded)</h3>", _code_table(entry, "top_false_positives", "fp", texts),
           "<h3>Top misses (coded, not suggested)</h3>", _code_table(entry, "top_misses", "fn", texts)]
    if "profile" in entry:
        prof = entry["profile"]
        where = "held-out" if prof["learnt_from_this_coded"] else "(none learnt from)"
        out.append(f"<h3>Coding profile: {counted(prof['held_out_episodes'], where + ' episode')}, before and after</h3>")
        out.append(f"<table><tr><th class=l></th>{_PRF_HEAD}<th>primary agreement</th></tr>"
                   + "".join(f"<tr><td class=l>{name}</td>{_prf_cells(prof[name]['codes'])}"
                             f"<td>{_pct(prof[name]['primary_agreement'])}</td></tr>" for name in ("before", "after"))
                   + "</table>")
    return "".join(out)


def _differences(result: dict) -> str:
    if not result["differences"]:
        return ""
    rows = []
    for d in result["differences"]:
        cells = "".join(f"<td class={'up' if d[k] > 0 else 'down' if d[k] < 0 else ''}>{d[k]:+.1%}</td>"
                        for k in ("precision", "recall", "f1", "primary_agreement"))
        rows.append(f"<tr><td class=l>{escape(d['variant'])} vs {escape(d['baseline'])}</td>{cells}</tr>")
    side = "".join(f"<tr><td class=l>{escape(v['label'])}</td>{_prf_cells(v['codes'])}<td>{_pct(v['primary_agreement'])}</td></tr>"
                   for v in result["variants"])
    return ("<h2>Side by side</h2><p>The same episodes scored for each; differences from the first.</p>"
            f"<table><tr><th class=l></th>{_PRF_HEAD}<th>primary agreement</th></tr>{side}</table>"
            "<table><tr><th class=l></th><th>precision</th><th>recall</th><th>F1</th><th>primary agreement</th></tr>"
            + "".join(rows) + "</table>")


def render(result: dict, texts: dict | None = None) -> str:
    entries = result["variants"] or [result]
    warn = ("<p class=warn>Codes come from the ILLUSTRATIVE starter map, not the NHS map: not for clinical use.</p>"
            if any(e.get("illustrative") for e in entries) else "")
    rejected = result["rejected"]
    reject_rows = "".join(f"<tr><td class=l>{escape(r['episode_id'])}</td><td class=l>{escape(r['where'])}</td>"
                          f"<td class=l>{escape(r['reason'])}</td></tr>" for r in rejected)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Coding evaluation: {escape(Path(result['coded']).name)}</title>
<style>{_CSS}</style></head><body>
<h1>Suggested codes against your coders' codes</h1>{warn}
<p>{counted(result['episodes'], 'episode')} ({counted(result['notes'], 'note')}) from <code>{escape(result['notes_input'])}</code> scored against
<code>{escape(result['coded'])}</code> ({escape(result['coded_shape'])} shape); {len(rejected)} not scored (listed at the end).
Generated {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}.</p>
<p>Scoring: per episode, the set of suggested codes against the set of coded codes, both as 4-character CDS codes
with the dagger/asterisk mark ignored, ICD-10 and OPCS-4; precision, recall and F1 add up every episode's counts
(micro). Primary agreement: the share of episodes with a coded primary diagnosis whose first-ranked ICD-10
suggestion is that code.</p>
{_differences(result)}
{''.join(_variant_section(e, texts) for e in entries)}
<h2>Not scored</h2>
{f'<table><tr><th class=l>episode</th><th class=l>where</th><th class=l>reason</th></tr>{reject_rows}</table>' if rejected else '<p>none</p>'}
</body></html>
"""


def write_report(result: dict[str, Any], path: str | Path, *, notes: str | None = None, config=None) -> None:
    """Write the report atomically; ``notes`` (only with --show-text) adds the evidence snippets."""
    texts = None
    if notes is not None:
        wanted = {(n, s, e) for entry in (result["variants"] or [result])
                  for found in (entry.get("_examples") or {}).values() for n, s, e, _ in found}
        texts = snippets(notes, config, wanted)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render(result, texts), encoding="utf-8")
    os.replace(tmp, path)
