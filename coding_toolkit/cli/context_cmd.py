"""``coding-toolkit context evaluate``: score the negation/temporality/experiencer filter on a gold TSV."""
from __future__ import annotations

import json

import click


@click.group("context")
def context() -> None:
    """Evaluate the negation/temporality/experiencer filter."""


def _pack_models(pack_dir: str) -> dict:
    """MetaCAT task name -> span predictor, for every MetaCAT model in the pack."""
    from coding_toolkit.concepts.metacat import meta_predictor, predict_spans
    from coding_toolkit.concepts.pack import load_pack

    models = meta_predictor(load_pack(pack_dir).cat)
    return {name: (lambda items, mc=mc: predict_spans(mc, items)) for name, mc in models.items()}


@context.command("evaluate")
@click.argument("tsv", type=click.Path(exists=True, dir_okay=False))
@click.option("--pack", "pack_dir", type=click.Path(), default=None,
              help="Use this pack's MetaCAT models for their tasks (rules for the rest); a folder or 'starter'.")
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Extra context rule file (JSON), merged after the shipped rules (same literal: yours wins).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(tsv: str, pack_dir: str | None, rules_file: str | None, as_json: bool) -> None:
    """Classify each target span of TSV (columns sentence, start, end, negation, temporality,
    experiencer) and print precision, recall and F1 per label value and accuracy per task."""
    from coding_toolkit.context.evaluate import TASKS, evaluate_file
    from coding_toolkit.context.rules import load_rules

    rules = load_rules(extra=rules_file) if rules_file else None
    models = _pack_models(pack_dir) if pack_dir else None
    result = evaluate_file(tsv, rules=rules, meta_models=models)
    if as_json:
        click.echo(json.dumps(result, sort_keys=True))
        return
    click.echo(f"{result['n']} spans scored, {result['skipped']} skipped (span -1)")
    for task in TASKS:
        click.echo(f"{task}  accuracy {result[task]['accuracy']:.3f}  ({', '.join(result['sources'][task])})")
        for value, m in result[task].items():
            if value == "accuracy":
                continue
            click.echo(f"  {value:<13} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}  "
                       f"(n={m['support']})")
