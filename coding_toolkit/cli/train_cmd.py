"""``coding-toolkit train unsupervised|supervised|meta``: train a pack into a new pack."""
from __future__ import annotations

import click

from coding_toolkit.cli.options import notes_file_options, progress_option
from coding_toolkit.wording import counted


def _prf(m: dict | None) -> str:
    if not m:
        return "n/a"
    c = m["concepts"]
    return f"P {c['precision']:.3f}  R {c['recall']:.3f}  F1 {c['f1']:.3f}  (tp {c['tp']}, fp {c['fp']}, fn {c['fn']})"


@click.group("train")
def train() -> None:
    """Train a model pack (unsupervised, supervised, meta)."""


@train.command("unsupervised")
@click.option("--pack", "pack_dir", required=True, type=click.Path(), help="Pack to start from: a pack folder or 'starter'.")
@click.option("--notes", required=True, type=click.Path(exists=True),
              help="Notes: CSV/TSV/JSONL/Parquet or a folder of .txt files.")
@click.option("--out", required=True, type=click.Path(), help="New folder for the trained pack.")
@notes_file_options
@click.option("--checkpoint-every", default=2000, show_default=True, type=click.IntRange(min=1),
              help="Save a resumable checkpoint every N notes.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seed for the random draws in training: the same pack, notes and seed give the same hash.")
@progress_option
def unsupervised(pack_dir, notes, out, text_column, id_column, checkpoint_every, seed, progress) -> None:
    """Self-supervised training on notes (resumes a partial run of the same --out)."""
    import itertools

    from coding_toolkit.concepts.pack import load_pack
    from coding_toolkit.concepts.train import train_unsupervised
    from coding_toolkit.io.notes_reader import count_notes, texts_of
    from coding_toolkit.io.outputs import check_output

    check_output(out, "--out")  # its checkpoint goes beside it

    texts = texts_of(notes, text_column=text_column, id_column=id_column)
    first = next(texts, None)  # a wrong column fails here, before the model loads
    texts = itertools.chain([] if first is None else [first], texts)
    pack = load_pack(pack_dir)
    # counting reads the notes once more: only worth it for a progress bar's total
    total = count_notes(notes, text_column=text_column, id_column=id_column) if progress else None
    result = train_unsupervised(pack, texts, out, progress=progress, checkpoint_every=checkpoint_every,
                                total=total, notes_name=str(notes), seed=seed)
    resumed = f" (resumed after {result['resumed_from']})" if result["resumed_from"] else ""
    click.echo(f"trained on {counted(result['notes'], 'note')}{resumed} at {result['docs_per_s']} notes/s -> {result['pack']}")


@train.command("supervised")
@click.option("--pack", "pack_dir", required=True, type=click.Path(), help="Pack to start from: a pack folder or 'starter'.")
@click.option("--export", "export_path", required=True, type=click.Path(), help="MedCATtrainer JSON export.")
@click.option("--out", required=True, type=click.Path(), help="New folder for the trained pack.")
@click.option("--test-fraction", default=None, type=float,
              help="Share of documents held out to score before/after. Default: 0.2, or 0 (train on all, no "
                   "held-out score) for an export of fewer than 10 documents.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--epochs", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--allow-new-concepts", is_flag=True,
              help="Train even when most annotated concepts are not in the pack (they get no map rows).")
@progress_option
def supervised(pack_dir, export_path, out, test_fraction, seed, epochs, allow_new_concepts, progress) -> None:
    """Supervised training on reviewed annotations (rejected ones are never trained as positives)."""
    from coding_toolkit.concepts.pack import load_pack
    from coding_toolkit.concepts.train import train_supervised
    from coding_toolkit.io.outputs import check_output

    check_output(out, "--out")
    pack = load_pack(pack_dir)
    result = train_supervised(pack, export_path, out, test_fraction=test_fraction, seed=seed, nepochs=epochs,
                              progress=progress, allow_new_concepts=allow_new_concepts)
    t = result["training"]
    click.echo(f"trained on {counted(t['train_documents'], 'document')}: {counted(t['positives'], 'positive')}, "
               f"{counted(t['negatives'], 'negative')}, dropped {t['dropped']}")
    if t["new_concepts"]:
        click.echo(f"warning: {t['new_concepts']} of {t['annotated_concepts']} annotated concepts were not in "
                   "the pack and were added without map rows", err=True)
    if t["held_out_note"]:
        click.echo(f"held-out: none; {t['held_out_note']}")
    else:
        click.echo(f"held-out {counted(t['test_documents'], 'document')}")
        click.echo(f"  before  {_prf(result['before'])}")
        click.echo(f"  after   {_prf(result['after'])}")
    click.echo(f"pack written to {result['pack']}")


@train.command("meta")
@click.option("--pack", "pack_dir", required=True, type=click.Path(), help="Pack to add the MetaCAT model to: a pack folder or 'starter'.")
@click.option("--export", "export_path", required=True, type=click.Path(), help="MedCATtrainer JSON export.")
@click.option("--task", required=True, help="Meta-annotation task in the export, e.g. Negation.")
@click.option("--out", required=True, type=click.Path(), help="New folder for the pack with the MetaCAT model.")
@click.option("--test-fraction", default=0.2, show_default=True, type=float,
              help="Share of documents held out to score the model against the rules.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Attach the model even when it is worse than the rules on the held-out split.")
@progress_option
def meta(pack_dir, export_path, task, out, test_fraction, seed, force, progress) -> None:
    """Train a MetaCAT model (negation, temporality, experiencer) and attach it to a new pack,
    unless it is less accurate than the rules on held-out documents (see --force)."""
    from coding_toolkit.concepts.metacat import train_meta
    from coding_toolkit.io.outputs import check_output

    check_output(out, "--out")
    result = train_meta(pack_dir, export_path, task, out, progress=progress, test_fraction=test_fraction,
                        seed=seed, force=force)
    if result.get("heldout_n"):
        click.echo(f"held-out {result['heldout_n']} spans: MetaCAT accuracy {result['heldout_model_accuracy']:.3f}, "
                   f"rules {result['heldout_rules_accuracy']:.3f}")
    if result.get("forced"):
        click.echo("warning: attached with --force although it is not better than the rules", err=True)
    click.echo(f"trained MetaCAT task {task!r} -> {out}")
    for key, value in (result or {}).items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and not key.startswith("heldout_"):
            click.echo(f"  {key}: {value}")
