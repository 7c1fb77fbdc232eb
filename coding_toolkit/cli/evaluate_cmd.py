"""``coding-toolkit evaluate``: score a pack against a MedCATtrainer export."""
from __future__ import annotations

import json

import click


def _row(label: str, m: dict) -> str:
    return (f"{label:<40} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  "
            f"(tp {m['tp']}, fp {m['fp']}, fn {m['fn']})")


@click.command("evaluate")
@click.option("--pack", "pack_dir", required=True, type=click.Path(), help="Model pack folder, or 'starter' for the embedded starter pack.")
@click.option("--export", "export_path", required=True, type=click.Path(), help="MedCATtrainer JSON export.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def evaluate(pack_dir, export_path, as_json) -> None:
    """Precision, recall and F1 overall, per concept, and at ICD-10/OPCS-4 code level."""
    from coding_toolkit.concepts.evaluate import evaluate as run
    from coding_toolkit.concepts.export import load_export
    from coding_toolkit.concepts.pack import load_pack

    export = load_export(export_path)  # validate before the (slower) model load
    result = run(load_pack(pack_dir), export, source=export_path)
    if as_json:
        click.echo(json.dumps(result, indent=2, sort_keys=True))
        return
    click.echo(f"{result['documents']} documents, {result['gold_annotations']} gold annotations")
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
