"""``coding-toolkit evaluate``: score against a MedCATtrainer export, or against the trust's own coding."""
from __future__ import annotations

import json
from pathlib import Path

import click

from coding_toolkit.cli.options import notes_file_options, pipeline_options, profile_option
from coding_toolkit.run_config import DEFAULT_BATCH_NOTES, DEFAULT_WORKERS, RunConfig
from coding_toolkit.wording import counted

SHOWN_REJECTS = 10


def _row(label: str, m: dict) -> str:
    return (f"{label:<40} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  "
            f"(tp {m['tp']}, fp {m['fp']}, fn {m['fn']})")


@click.command("evaluate")
@click.option("--pack", "packs", multiple=True, type=click.Path(), metavar="PACK_DIR",
              help="Model pack folder, or 'starter' for the embedded starter pack. With --coded: repeat to "
                   "score several packs side by side (default: the starter pack).")
@click.option("--export", "export_path", default=None, type=click.Path(), help="MedCATtrainer JSON export (concept level).")
@click.option("--coded", "coded_path", default=None, type=click.Path(), metavar="CODED",
              help="The trust's coded episodes, CSV/TSV: long (episode_id, system, position, code) or wide CDS "
                   "(PRIMARY DIAGNOSIS (ICD), SECONDARY DIAGNOSIS (ICD) 1..n, ...). Needs --notes.")
@click.option("--notes", "notes", default=None, metavar="NOTES",
              help="The notes the episodes were coded from (CSV/TSV, JSONL, Parquet, .txt folder).")
@notes_file_options
@click.option("--episode-column", default=None, metavar="COL",
              help="Column grouping notes into episodes (and CODED's episode column if it has that name; else "
                   "episode_id). Without it each note is its own episode.")
@pipeline_options("Longer notes are rejected (listed), not scored.")
@click.option("--policy-variant", "policies", multiple=True, type=click.Path(exists=True, dir_okay=False),
              metavar="POLICY", help="Another filter policy JSON scored side by side (repeat; with --policy: "
                                     "that one too).")
@profile_option
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 64),
              help="Processes annotating the notes (as annotate --workers).")
@click.option("--batch-size", default=DEFAULT_BATCH_NOTES, show_default=True, type=click.IntRange(1),
              help="Notes per batch (as annotate --batch-size).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--html", "html_path", default=None, type=click.Path(dir_okay=False), metavar="REPORT.html",
              help="Write a self-contained HTML report with plots (no external files).")
@click.option("--show-text", is_flag=True,
              help="Put two evidence snippets per listed code in the HTML report (note text: patient data).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on when stderr is a terminal).")
def evaluate(packs, export_path, coded_path, notes, text_column, id_column, episode_column, policy_path,
             rules_path, max_note_chars, policies, profile_path, workers, batch_size, as_json, html_path, show_text,
             progress):
    """Score suggestions: against a MedCATtrainer export (--pack P --export E), or against the codes your
    coders assigned (--coded CODED --notes NOTES): micro precision/recall/F1 of 4-character codes per
    episode, primary agreement, per chapter and per code; several --pack/--policy-variant side by side."""
    if export_path and coded_path:
        raise click.UsageError("give --export (MedCATtrainer) or --coded with --notes, not both")
    if coded_path:
        _evaluate_coded(packs, coded_path, notes, text_column, id_column, episode_column, policy_path, rules_path,
                        max_note_chars, policies, profile_path, workers, batch_size, as_json, html_path, show_text,
                        progress)
        return
    if not export_path:
        raise click.UsageError("give --pack P --export EXPORT.json, or --coded CODED --notes NOTES")
    if len(packs) != 1:
        raise click.UsageError("--export scores one pack: give exactly one --pack")
    _evaluate_export(packs[0], export_path, as_json)


def _evaluate_coded(packs, coded_path, notes, text_column, id_column, episode_column, policy_path, rules_path,
                    max_note_chars, policies, profile_path, workers, batch_size, as_json, html_path, show_text,
                    progress):
    import sys

    from coding_toolkit.evaluation.evaluate import evaluate_coded
    from coding_toolkit.evaluation.run import variants

    if not notes:
        raise click.UsageError("--coded needs --notes NOTES (the notes the episodes were coded from)")
    if show_text and not html_path:
        raise click.UsageError("--show-text puts snippets in the HTML report only: add --html REPORT.html")
    if html_path and Path(html_path).is_dir():
        raise click.UsageError(f"--html {html_path} is a folder; give a file name such as report.html")
    from coding_toolkit.io.notes_reader import notes_format
    notes_format(notes)  # a missing notes file: one line, before anything else
    progress = sys.stderr.isatty() if progress is None else progress
    profile = None
    if profile_path:
        from coding_toolkit.evaluation.profile import CodingProfile
        profile = CodingProfile.load(profile_path)
    base = RunConfig(rules_path=rules_path, max_note_chars=max_note_chars, text_column=text_column,
                     id_column=id_column, episode_column=episode_column, workers=workers, batch_notes=batch_size)
    resolved = [str(Path(p).resolve()) if p else None for p in (policy_path, *policies)]
    # --policy (or the built-in policy) first, then each --policy-variant
    chosen = variants([_pack(p) for p in packs], resolved if policies else resolved[:1] if policy_path else [], base)
    from coding_toolkit.process import freeze_loaded_objects

    result = evaluate_coded(coded_path, notes, chosen, episode_column=episode_column, profile=profile,
                            show_text=show_text, progress=progress, loaded=freeze_loaded_objects)
    if html_path:
        from coding_toolkit.evaluation.report import write_report
        write_report(result, html_path, notes=notes if show_text else None, config=base)
    for entry in (result, *result["variants"]):
        entry.pop("_examples", None)  # note positions for the report's snippets, not for print
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
    else:
        _print_coded(result)
    if html_path:
        click.echo(f"report -> {html_path}", err=as_json)
    if result.get("illustrative"):
        click.echo("note: codes come from the ILLUSTRATIVE starter map, not the NHS map; scores against a trust's "
                   "coding mean little until the pack holds its licensed NHS map", err=True)


def _pack(pack: str) -> str | None:
    if pack == "starter":
        return None
    from coding_toolkit.concepts.pack import resolve_pack_path
    return str(resolve_pack_path(pack))


def _print_coded(result: dict) -> None:
    click.echo(f"{counted(result['episodes'], 'episode')} ({counted(result['notes'], 'note')}) scored against {result['coded']} "
               f"({result['coded_shape']} shape); {len(result['rejected'])} not scored (listed below)")
    for entry in result["variants"] or [result]:
        p = entry["primary"]
        alt = entry["alternatives"]
        click.echo(f"\n== {entry['label']}")
        if entry.get("notes_rejected_file"):
            click.echo(f"notes rejected while annotating are listed in {entry['notes_rejected_file']}")
        click.echo(_row("codes (4-character, both systems)", entry["codes"]))
        for system, m in entry["by_system"].items():
            click.echo(_row(f"  {system}", m))
        click.echo(f"{'primary agreement':<40} {entry['primary_agreement']:.3f} ({p['agree']} of {p['episodes']} "
                   "episodes with a coded primary diagnosis)")
        click.echo(f"{'missed codes shown as alternatives':<40} {alt['shown_as_alternative']} of {alt['missed']} "
                   f"(recall counting them {alt['recall_with_alternatives']:.3f})")
        click.echo("by chapter:")
        for system, chapters in entry["by_chapter"].items():
            for name, m in chapters.items():
                click.echo("  " + _row(f"{system} {name}"[:38], m))
        for title, key in (("top false positives", "top_false_positives"), ("top misses", "top_misses")):
            rows = entry[key][:10]
            if rows:
                click.echo(f"{title}: " + ", ".join(f"{r['display']} ({r['fp'] if key.endswith('positives') else r['fn']})"
                                                   for r in rows))
        if "profile" in entry:
            prof = entry["profile"]
            where = "held-out" if prof["learnt_from_this_coded"] else "(none learnt from)"
            click.echo(f"coding profile on {counted(prof['held_out_episodes'], where + ' episode')}:")
            click.echo("  " + _row("before", prof["before"]["codes"])
                       + f"  primary {prof['before']['primary_agreement']:.3f}")
            click.echo("  " + _row("after", prof["after"]["codes"]) + f"  primary {prof['after']['primary_agreement']:.3f}")
    for diff in result["differences"]:
        click.echo(f"\n{diff['variant']} vs {diff['baseline']}: precision {diff['precision']:+.3f}, recall "
                   f"{diff['recall']:+.3f}, F1 {diff['f1']:+.3f}, primary agreement {diff['primary_agreement']:+.3f}")
        for chapter, delta in diff["f1_by_chapter"].items():
            click.echo(f"  F1 {chapter}: {delta:+.3f}")
    rejected = result["rejected"]
    if rejected:
        click.echo(f"\nnot scored ({len(rejected)}; all of them in --json and the --html report):")
        for r in rejected[:SHOWN_REJECTS]:
            click.echo(f"  {r['episode_id'] or '(no id)'} {r['where']}: {r['reason']}")
        if len(rejected) > SHOWN_REJECTS:
            click.echo(f"  ... and {len(rejected) - SHOWN_REJECTS} more")


def _evaluate_export(pack_dir, export_path, as_json) -> None:
    from coding_toolkit.concepts.evaluate import evaluate as run
    from coding_toolkit.concepts.export import load_export
    from coding_toolkit.concepts.pack import load_pack

    export = load_export(export_path)  # validate before the (slower) model load
    result = run(load_pack(pack_dir), export, source=export_path)
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
        return
    click.echo(f"{counted(result['documents'], 'document')}, {counted(result['gold_annotations'], 'gold annotation')}")
    missing = result["concepts_not_in_pack"]
    if missing["new"]:
        click.echo(f"warning: {missing['new']} of {missing['annotated']} annotated concepts are not in the pack "
                   f"(e.g. {', '.join(missing['examples'])}): the pack can never find them", err=True)
    click.echo(_row("concepts (span + SCTID)", result["concepts"]))
    if result.get("codes") and not result.get("codes_note"):
        for system, m in result["codes"].items():
            click.echo(_row(f"codes {system} (default codes per document)", m))
    else:
        click.echo(f"codes: n/a ({result.get('codes_note')})")
    click.echo("per concept:")
    for cui, m in result["per_concept"].items():
        click.echo("  " + _row(f"{cui} {m['name'][:28]}", m))
