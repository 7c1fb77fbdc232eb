"""``coding-toolkit learn``: a coding profile from the trust's coded episodes (docs/evaluation.md)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from coding_toolkit.cli.options import notes_file_options, pipeline_options
from coding_toolkit.evaluation.profile import (
    DEFAULT_HELD_OUT,
    DEFAULT_MAX_SHARE,
    DEFAULT_MIN_SUGGESTED,
    DEFAULT_PRIOR_WEIGHT,
    DEFAULT_SEED,
)
from coding_toolkit.run_config import DEFAULT_BATCH_NOTES, DEFAULT_WORKERS, RunConfig
from coding_toolkit.wording import counted


@click.command("learn")
@click.option("--coded", "coded_path", required=True, type=click.Path(), metavar="CODED",
              help="The trust's coded episodes (long or wide CDS CSV/TSV, as for evaluate --coded).")
@click.option("--notes", required=True, metavar="NOTES", help="The notes the episodes were coded from.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), metavar="PROFILE.json",
              help="Where to write the profile (counts and codes only, never note text).")
@click.option("--pack", default=None, metavar="PACK_DIR", help="Model pack folder (default: the starter pack).")
@notes_file_options
@click.option("--episode-column", default=None, metavar="COL",
              help="Column grouping notes into episodes (and CODED's episode column if it has that name).")
@pipeline_options("Longer notes are rejected (listed), not learnt from.")
@click.option("--held-out", "held_out_share", default=DEFAULT_HELD_OUT, show_default=True,
              type=click.FloatRange(0.05, 0.9), help="Share of episodes kept apart to score the profile on.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int, help="Seed of the split by episode.")
@click.option("--min-suggested", default=DEFAULT_MIN_SUGGESTED, show_default=True, type=click.IntRange(1),
              help="Episodes a (concept, code) must be suggested in before it can be filtered as rarely coded.")
@click.option("--max-share", default=DEFAULT_MAX_SHARE, show_default=True, type=click.FloatRange(0.0, 1.0),
              help="Filtered as 'rarely coded here' below this share of its suggestions coded.")
@click.option("--prior-weight", default=DEFAULT_PRIOR_WEIGHT, show_default=True, type=click.FloatRange(0.0),
              help="Pseudo-episodes at the trust's overall share that calibration adds to each (concept, code).")
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 64),
              help="Processes annotating the notes.")
@click.option("--batch-size", default=DEFAULT_BATCH_NOTES, show_default=True, type=click.IntRange(1),
              help="Notes per batch (as annotate --batch-size).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on when stderr is a terminal).")
def learn(coded_path, notes, out, pack, text_column, id_column, episode_column, policy_path, rules_path,
          max_note_chars, held_out_share, seed, min_suggested, max_share, prior_weight, workers, batch_size, as_json,
          progress):
    """Learn how this trust codes: per (concept, code), how often a suggestion was coded, from one part of
    the episodes (seeded split by episode); scored before/after on the rest. Use it with annotate/serve
    --profile."""
    import sys

    from coding_toolkit.evaluation.learn import learn_profile
    from coding_toolkit.evaluation.run import variants
    from coding_toolkit.io.notes_reader import notes_format
    from coding_toolkit.process import freeze_loaded_objects

    if Path(out).is_dir():
        raise click.UsageError(f"--out {out} is a folder; give a file name such as profile.json")
    notes_format(notes)
    progress = sys.stderr.isatty() if progress is None else progress
    if pack and pack != "starter":
        from coding_toolkit.concepts.pack import resolve_pack_path
        pack = str(resolve_pack_path(pack))
    else:
        pack = None
    base = RunConfig(rules_path=rules_path, max_note_chars=max_note_chars, text_column=text_column,
                     id_column=id_column, episode_column=episode_column, workers=workers, batch_notes=batch_size)
    policy = str(Path(policy_path).resolve()) if policy_path else None
    variant = variants([pack], [policy] if policy else [], base)[0]
    profile, summary = learn_profile(coded_path, notes, variant, episode_column=episode_column, seed=seed,
                                     held_out_share=held_out_share, min_suggested=min_suggested,
                                     max_share=max_share, prior_weight=prior_weight, progress=progress,
                                     loaded=freeze_loaded_objects)
    profile.save(out)
    if as_json:
        click.echo(json.dumps({**summary, "out": out}, indent=2, sort_keys=True))
        return
    learnt, held = summary["profile"], summary["held_out"]
    click.echo(f"learnt from {counted(learnt['episodes_learnt'], 'episode')} ({counted(summary['pairs'], 'concept/code pair')}, "
               f"{summary['rarely_coded_pairs']} rarely coded: suggested in >= {min_suggested} episodes, "
               f"coded in < {max_share:.0%}) -> {out}")
    click.echo(f"scored on {counted(learnt['episodes_held_out'], 'held-out episode')} (seed {seed}):")
    for name in ("before", "after"):
        m, p = held[name]["codes"], held[name]
        click.echo(f"  {name:<7} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  "
                   f"(tp {m['tp']}, fp {m['fp']}, fn {m['fn']})  primary agreement {p['primary_agreement']:.3f}")
    if summary["rejected"]:
        click.echo(f"not used ({len(summary['rejected'])}; all of them with --json):")
        for r in summary["rejected"][:10]:
            click.echo(f"  {r['episode_id'] or '(no id)'} {r['where']}: {r['reason']}")
