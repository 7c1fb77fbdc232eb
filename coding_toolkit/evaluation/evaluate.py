"""``evaluate --coded``: score each variant's suggestions against the trust's coded episodes.

The same episodes for every variant (those every variant has notes for); the first variant is the
baseline the differences are taken from. With a coding profile, the episodes the profile did not
learn from (its seeded split) are also scored before and after the profile.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from coding_toolkit.evaluation.coded import read_coded
from coding_toolkit.evaluation.run import (
    Variant,
    annotate_variant,
    group_episodes,
    match_episodes,
    results_of,
)
from coding_toolkit.evaluation.scoring import Scorer

HEADLINE = ("precision", "recall", "f1")


def brief(score: dict) -> dict:
    """The headline of a score (before/after tables)."""
    return {"episodes": score["episodes"], "codes": score["codes"], "primary_agreement": score["primary_agreement"],
            "primary": score["primary"], "alternatives": score["alternatives"]}


def profile_before_after(profile, scored, by_episode, rules, coded_path: str) -> dict[str, Any]:
    """Scores without and with ``profile``: on the episodes it held out when CODED is the file it was
    learnt from, else on every episode (none of them was learnt from)."""
    from coding_toolkit.evaluation.profile import held_out

    seed = int(profile.learnt.get("seed", 0))
    share = float(profile.learnt.get("held_out_share", 0.0))
    same_history = profile.learnt.get("coded") == str(Path(coded_path).resolve())
    before, after = Scorer(rules=rules), Scorer(rules=rules)
    for episode in scored:
        if not same_history or held_out(episode.episode_id, seed, share):
            results = by_episode[episode.episode_id]
            before.add(episode, results)
            after.add(episode, [profile.apply(r, rules) for r in results])
    return {"held_out_episodes": before.episodes, "learnt_from_this_coded": same_history, "seed": seed,
            "held_out_share": share,
            "before": brief(before.result()), "after": brief(after.result())}


def differences(base: dict, other: dict) -> dict[str, Any]:
    """``other`` minus ``base``: headline figures, primary agreement and F1 per chapter."""
    chapters = {}
    for system, rows in other["by_chapter"].items():
        for name, m in rows.items():
            b = base["by_chapter"].get(system, {}).get(name)
            chapters[f"{system} {name}"] = round(m["f1"] - (b["f1"] if b else 0.0), 4)
    return {"variant": other["label"], "baseline": base["label"],
            **{k: round(other["codes"][k] - base["codes"][k], 4) for k in HEADLINE},
            "primary_agreement": round(other["primary_agreement"] - base["primary_agreement"], 4),
            "f1_by_chapter": {k: v for k, v in sorted(chapters.items()) if v}}


def evaluate_coded(coded_path: str, notes: str, variants: Sequence[Variant], *, episode_column: str | None = None,
                   profile=None, show_text: bool = False, progress: bool = False,
                   loaded: Callable[[], None] | None = None) -> dict[str, Any]:
    coded = read_coded(coded_path, episode_column)  # its errors come before any model load
    runs = [annotate_variant(notes, v, progress=progress, keep_mentions=show_text, loaded=loaded) for v in variants]
    grouped = [group_episodes(results_of(r, with_mentions=show_text)) for r in runs]
    scored, rejects = match_episodes(coded, grouped, notes, [r.rejects_file for r in runs])
    out_variants = []
    for run, episodes in zip(runs, grouped):
        scorer = Scorer(rules=run.rules, collect_examples=show_text)
        for episode in scored:
            scorer.add(episode, episodes.by_episode[episode.episode_id])
        entry = {"label": run.variant.label, "pack": run.variant.config.pack, "pack_hash": run.pack_hash,
                 "policy": run.variant.config.policy_path, "illustrative": run.provenance.get("illustrative"),
                 "map_release": run.provenance.get("map_release"), "work_file": str(run.path),
                 "reused_annotations": run.reused, "notes_rejected_file": run.rejects_file, **scorer.result()}
        if profile is not None:
            entry["profile"] = profile_before_after(profile, scored, episodes.by_episode, run.rules, coded_path)
        if show_text:
            entry["_examples"] = dict(scorer.examples)
        out_variants.append(entry)
    first = out_variants[0]
    result = dict(first)
    result.update({
        "coded": str(coded_path), "coded_shape": coded.shape, "notes_input": str(notes),
        "rejected": [{"episode_id": r.episode_id, "where": r.where, "reason": r.reason} for r in rejects],
        "variants": out_variants if len(out_variants) > 1 else [],
        "differences": [differences(first, other) for other in out_variants[1:]],
    })
    if profile is not None:
        result["profile_file"] = profile.source
    return result
