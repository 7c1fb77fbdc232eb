"""``learn``: a coding profile from the trust's coded episodes, fitted on one part, scored on the rest.

The split is by episode (``profile.held_out``: a seeded hash of the episode id), so no episode's
notes are on both sides. Counting: for each training episode, every (concept, code) its notes'
suggestions gave counts once as suggested, and once as coded when the episode's coding holds the
code (4-character CDS, as the scoring compares); when the code has map alternatives, each of them
(or the code itself) the coders assigned counts as chosen.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coding_toolkit import __version__
from coding_toolkit.evaluation.coded import read_coded
from coding_toolkit.evaluation.evaluate import brief
from coding_toolkit.evaluation.profile import CodingProfile, held_out, suggestion_key
from coding_toolkit.evaluation.run import (
    Variant,
    annotate_variant,
    group_episodes,
    match_episodes,
    results_of,
)
from coding_toolkit.evaluation.scoring import Scorer

CALIBRATION_BINS = 10


def calibration(pairs: list[tuple[float, bool]]) -> list[dict[str, Any]]:
    """Reliability table: per confidence tenth, the suggestions, their mean confidence, the share coded."""
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(CALIBRATION_BINS)]
    for confidence, coded in pairs:
        bins[min(int(confidence * CALIBRATION_BINS), CALIBRATION_BINS - 1)].append((confidence, coded))
    return [{"from": i / CALIBRATION_BINS, "to": (i + 1) / CALIBRATION_BINS, "suggestions": len(b),
             "mean_confidence": round(sum(c for c, _ in b) / len(b), 4),
             "share_coded": round(sum(k for _, k in b) / len(b), 4)} for i, b in enumerate(bins) if b]


def learn_profile(coded_path: str, notes: str, variant: Variant, *, episode_column: str | None = None,
                  seed: int, held_out_share: float, min_suggested: int, max_share: float, prior_weight: float,
                  progress: bool = False, loaded: Callable[[], None] | None = None,
                  ) -> tuple[CodingProfile, dict[str, Any]]:
    from coding_toolkit.suggest.episode import episode_suggestions

    coded = read_coded(coded_path, episode_column)
    run = annotate_variant(notes, variant, progress=progress, loaded=loaded)
    episodes = group_episodes(results_of(run, with_mentions=False))
    scored, rejects = match_episodes(coded, [episodes], notes, [run.rejects_file])
    profile = CodingProfile(min_suggested=min_suggested, max_share=max_share, prior_weight=prior_weight)
    test = []
    for episode in scored:
        if held_out(episode.episode_id, seed, held_out_share):
            test.append(episode)
        else:
            results = episodes.by_episode[episode.episode_id]
            profile.count_episode((s for r in results for s in r.suggestions), episode.codes)
    if not profile.pairs:
        from coding_toolkit.errors import InputError
        raise InputError(f"{coded_path}: nothing to learn from: {len(scored) - len(test)} training episodes gave no "
                         "suggestion; fix: check that NOTES and CODED share episode ids (--episode-column)")
    before, after = Scorer(rules=run.rules), Scorer(rules=run.rules)
    reliability: list[tuple[float, bool]] = []
    for episode in test:
        results = episodes.by_episode[episode.episode_id]
        before.add(episode, results)
        applied = [profile.apply(r, run.rules) for r in results]
        after.add(episode, applied)
        for s in episode_suggestions((r.suggestions for r in applied), run.rules):
            key = suggestion_key(s)
            if key:
                reliability.append((s.confidence, key in episode.codes))
    rare = sum(1 for s, c in profile.pairs.values() if s >= min_suggested and c / s < max_share)
    profile.learnt = {"coded": str(Path(coded_path).resolve()), "coded_shape": coded.shape, "episodes_learnt": len(scored) - len(test),
                      "episodes_held_out": len(test), "seed": seed, "held_out_share": held_out_share,
                      "pack_hash": run.pack_hash, "policy": variant.config.policy_path,
                      "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      "toolkit_version": __version__}
    profile.held_out_scores = {"before": brief(before.result()), "after": brief(after.result()),
                               "calibration": calibration(reliability)}
    summary = {"profile": profile.learnt, "pairs": len(profile.pairs), "rarely_coded_pairs": rare,
               "held_out": profile.held_out_scores,
               "rejected": [{"episode_id": r.episode_id, "where": r.where, "reason": r.reason} for r in rejects]}
    return profile, summary
