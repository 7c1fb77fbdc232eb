"""The scoring, fixed (docs/evaluation.md): per episode, suggested codes vs the trust's coded codes.

* Both sides become sets of (system, 4-character CDS code, dagger/asterisk ignored): ``codes.score_key``.
  The suggested side is the episode's suggestions as the CDS output ranks them
  (``suggest.episode_suggestions`` over the episode's notes, the run's coding rules).
* Micro precision, recall and F1 over all episodes, with tp/fp/fn; the same per ICD-10 chapter,
  per OPCS-4 chapter and per code.
* Primary agreement: of the episodes with a coded primary diagnosis, the share whose first-ranked
  ICD-10 suggestion (the CDS primary position; empty when no code may be primary) is that code.
* Alternatives: of the coded codes missed, how many a suggestion showed as an alternative.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from coding_toolkit.concepts.evaluate import prf
from coding_toolkit.evaluation.coded import CodedEpisode
from coding_toolkit.evaluation.codes import ICD, OPCS, chapter, chapter_order, display_key, score_key
from coding_toolkit.records import CodeSuggestion, CodeSystem, NoteResult
from coding_toolkit.suggest import primary_and_others
from coding_toolkit.suggest.episode import episode_suggestions

TOP = 20  # false positives and misses listed
EXAMPLES = 2  # evidence snippets per listed code (HTML report with --show-text only)
_SYSTEMS = {str(CodeSystem.ICD10): ICD, str(CodeSystem.ICD10_INT): ICD, str(CodeSystem.OPCS4): OPCS}


def suggested_keys(suggestions: Iterable[CodeSuggestion]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for s in suggestions:
        system = _SYSTEMS.get(str(s.system))
        key = score_key(s.code, system) if system else None
        if system and key:
            out.add((system, key))
    return out


def _alternative_keys(ranked: Sequence[CodeSuggestion]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for s in ranked:
        system = _SYSTEMS.get(str(s.system))
        if system:
            out.update((system, k) for a in s.alternatives if (k := score_key(a.code, system)))
    return out


def first_icd(ranked: Sequence[CodeSuggestion]) -> str | None:
    """Score key of the CDS primary diagnosis of ranked suggestions (None when the position stays empty)."""
    primary = primary_and_others(ranked, CodeSystem.ICD10)[0]
    return score_key(primary, ICD) if primary else None


@dataclass
class Scorer:
    """Adds up one variant's episodes; ``result()`` is the JSON the CLI prints."""

    rules: Any = None  # suggest.CodingRules of the run (None: the defaults)
    collect_examples: bool = False
    episodes: int = 0
    notes: int = 0
    counts: dict = field(default_factory=lambda: defaultdict(Counter))  # (system, key) -> tp/fp/fn/alt
    primary: Counter = field(default_factory=Counter)
    # (system, key, "fp" | "fn") -> [(note_id, start, end, label)] where the code was (or could have been) found
    examples: dict = field(default_factory=lambda: defaultdict(list))

    def add(self, coded: CodedEpisode, results: Sequence[NoteResult]) -> dict[str, set[tuple[str, str]]]:
        """Score one episode (its notes' results); returns its tp/fp/fn/alt sets."""
        # one note: its suggestions are already in the episode order (the episode rules over one note's
        # ranked codes change nothing: tests/evaluation check it on the example notes), so skip them
        ranked = (results[0].suggestions if len(results) == 1
                  else episode_suggestions((r.suggestions for r in results), self.rules))
        suggested = suggested_keys(ranked)
        codes = set(coded.codes)
        sets = {"tp": suggested & codes, "fp": suggested - codes, "fn": codes - suggested}
        sets["alt"] = sets["fn"] & _alternative_keys(ranked) if sets["fn"] else set()
        for name, keys in sets.items():
            for key in keys:
                self.counts[key][name] += 1
        if coded.primary is not None:
            self.primary["episodes"] += 1
            self.primary["agree"] += first_icd(ranked) == coded.primary
        self.episodes += 1
        self.notes += len(results)
        if self.collect_examples:
            self._examples(results, sets)
        return sets

    def _examples(self, results: Sequence[NoteResult], sets: dict[str, set[tuple[str, str]]]) -> None:
        wanted = {("fp", k) for k in sets["fp"]} | {("fn", k) for k in sets["fn"]}
        wanted = {(kind, k) for kind, k in wanted if len(self.examples[(k[0], k[1], kind)]) < EXAMPLES}
        for r in results:
            if not wanted:
                return
            for am in r.mentions:
                for row in am.codes:
                    system = _SYSTEMS.get(str(row.system))
                    code = score_key(row.target, system) if system else None
                    if system is None or code is None:
                        continue
                    for kind in ("fp", "fn"):
                        if (kind, (system, code)) in wanted:
                            label = am.decision.reason or am.decision.status
                            found = self.examples[(system, code, kind)]
                            found.append((r.note_id, am.mention.start, am.mention.end, label))
                            if len(found) >= EXAMPLES:
                                wanted.discard((kind, (system, code)))

    def result(self) -> dict:
        totals: Counter = Counter()
        by_system: dict[str, Counter] = defaultdict(Counter)
        by_chapter: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
        rows = []
        for (system, key), c in self.counts.items():
            for name in ("tp", "fp", "fn", "alt"):
                totals[name] += c[name]
                by_system[system][name] += c[name]
                by_chapter[system][chapter(key, system)][name] += c[name]
            rows.append({"system": system, "code": key, "display": display_key(key, system),
                         "chapter": chapter(key, system), **prf(c["tp"], c["fp"], c["fn"]),
                         "coded": c["tp"] + c["fn"], "suggested": c["tp"] + c["fp"], "as_alternative": c["alt"]})
        rows.sort(key=lambda r: (-r["coded"], -r["suggested"], r["system"], r["code"]))
        agree, of = self.primary["agree"], self.primary["episodes"]
        missed = totals["fn"]
        return {
            "episodes": self.episodes, "notes": self.notes,
            "codes": prf(totals["tp"], totals["fp"], totals["fn"]),
            "by_system": {s: prf(c["tp"], c["fp"], c["fn"]) for s, c in sorted(by_system.items())},
            "primary_agreement": round(agree / of, 4) if of else 0.0,
            "primary": {"agree": agree, "episodes": of},
            "alternatives": {"missed": missed, "shown_as_alternative": totals["alt"],
                             "recall_with_alternatives": prf(totals["tp"] + totals["alt"], 0,
                                                             missed - totals["alt"])["recall"]},
            "by_chapter": {s: {ch: prf(c["tp"], c["fp"], c["fn"])
                               for ch, c in sorted(chs.items(), key=lambda item: chapter_order(item[0]))}
                           for s, chs in sorted(by_chapter.items())},
            "by_code": rows,
            "top_false_positives": [_brief(r) for r in sorted(rows, key=lambda r: (-r["fp"], r["code"]))
                                    if r["fp"]][:TOP],
            "top_misses": [_brief(r) for r in sorted(rows, key=lambda r: (-r["fn"], r["code"])) if r["fn"]][:TOP],
        }


def _brief(row: dict) -> dict:
    return {k: row[k] for k in ("system", "code", "display", "tp", "fp", "fn", "as_alternative")}
