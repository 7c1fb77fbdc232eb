"""A trust's coding profile (``learn``): how often each (concept, code) suggestion was coded there.

The profile holds counts and codes only, never note text or episode ids. Applied after the
suggestion stage (``Pipeline.process``, one hook), it

* gives each suggestion a calibrated ``confidence``: the share of the trust's episodes in which
  this concept's suggestion of this code was coded, shrunk towards the trust's overall share
  (``prior_weight`` pseudo-episodes), so a rarely seen pair is not 0 or 1;
* removes a suggestion the trust almost never codes (suggested in at least ``min_suggested``
  episodes, coded in a share below ``max_share``); its evidence mentions that support nothing else
  are kept as filtered, reason ``rarely coded here: 3 of 140``;
* orders map alternatives by how often the trust's coders chose each when this code was suggested;

then ranks the note's codes again with the run's coding rules (``suggest.rank``).
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from coding_toolkit.errors import InputError
from coding_toolkit.evaluation.codes import ICD, OPCS, score_key
from coding_toolkit.records import CodeSuggestion, CodeSystem, FilterDecision, NoteResult

log = logging.getLogger(__name__)

FORMAT = "coding_toolkit coding profile"
VERSION = 1
DEFAULT_MIN_SUGGESTED = 20
DEFAULT_MAX_SHARE = 0.1
DEFAULT_PRIOR_WEIGHT = 5.0
DEFAULT_HELD_OUT = 0.3
DEFAULT_SEED = 2024
RARELY_CODED = "rarely coded here: {coded} of {suggested}"
_SYSTEMS = {str(CodeSystem.ICD10): ICD, str(CodeSystem.ICD10_INT): ICD, str(CodeSystem.OPCS4): OPCS}


def held_out(episode_id: str, seed: int, share: float) -> bool:
    """The seeded split: an episode is held out (scored, not learnt from) by a hash of its id alone,
    so every note of an episode falls on the same side, in every run."""
    digest = hashlib.blake2b(f"{seed}\x00{episode_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


def suggestion_key(s: CodeSuggestion) -> tuple[str, str] | None:
    system = _SYSTEMS.get(str(s.system))
    key = score_key(s.code, system) if system else None
    return (system, key) if system and key else None


@dataclass
class CodingProfile:
    # (sctid, system, code key) -> [episodes suggested, episodes coded]
    pairs: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    # (sctid, system, code key) -> {chosen code key: episodes}
    chosen: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)
    min_suggested: int = DEFAULT_MIN_SUGGESTED
    max_share: float = DEFAULT_MAX_SHARE
    prior_weight: float = DEFAULT_PRIOR_WEIGHT
    learnt: dict[str, Any] = field(default_factory=dict)  # split, episodes, pack: provenance
    held_out_scores: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    digest: str = ""

    # -- file --------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "learnt": self.learnt,
            "rarely_coded": {"min_suggested": self.min_suggested, "max_share": self.max_share},
            "calibration": {"prior_weight": self.prior_weight, "prior_share": round(self.prior_share, 6)},
            "pairs": [[*k, *v] for k, v in sorted(self.pairs.items())],
            "alternatives_chosen": [[*k, code, n] for k, c in sorted(self.chosen.items()) for code, n in sorted(c.items())],
            "held_out": self.held_out_scores,
        }

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> CodingProfile:
        path = Path(path)
        try:
            raw = path.read_bytes()
            data = json.loads(raw)
        except OSError as err:
            raise InputError(f"{path}: cannot read the coding profile ({err.strerror}); fix: give the file "
                             "'coding-toolkit learn --out' wrote") from None
        except ValueError as err:
            raise InputError(f"{path}: not a JSON coding profile ({err}); fix: run coding-toolkit learn again") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"{path}: not a coding profile (no \"format\": \"{FORMAT}\"); fix: give the file "
                             "'coding-toolkit learn --out' wrote")
        if data.get("version") != VERSION:
            raise InputError(f"{path}: coding profile version {data.get('version')!r}, this toolkit reads "
                             f"{VERSION}; fix: run coding-toolkit learn again")
        try:
            rare, calibration = data["rarely_coded"], data["calibration"]
            profile = cls(min_suggested=int(rare["min_suggested"]), max_share=float(rare["max_share"]),
                          prior_weight=float(calibration["prior_weight"]), learnt=dict(data.get("learnt") or {}),
                          held_out_scores=dict(data.get("held_out") or {}), source=str(path),
                          digest=hashlib.sha256(raw).hexdigest()[:16])
            for sctid, system, code, suggested, coded in data["pairs"]:
                profile.pairs[(str(sctid), system, code)] = [int(suggested), int(coded)]
            for sctid, system, code, chosen, n in data["alternatives_chosen"]:
                profile.chosen.setdefault((str(sctid), system, code), {})[chosen] = int(n)
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f"{path}: malformed coding profile ({type(err).__name__}: {err}); fix: run "
                             "coding-toolkit learn again") from None
        return profile

    @property
    def provenance(self) -> dict[str, Any]:
        """What a result records about the profile that shaped it."""
        return {"file": Path(self.source).name if self.source else None, "sha256": self.digest,
                "episodes_learnt": self.learnt.get("episodes_learnt"), "min_suggested": self.min_suggested,
                "max_share": self.max_share}

    # -- learning ----------------------------------------------------------------------------
    def count_episode(self, suggestions: Iterable[CodeSuggestion], coded: frozenset[tuple[str, str]]) -> None:
        """Add one training episode: its notes' suggestions (as the pipeline made them) and its coded codes."""
        seen: set[tuple[str, str, str]] = set()
        alternatives: dict[tuple[str, str, str], set[str]] = {}
        for s in suggestions:
            key = suggestion_key(s)
            if key is None:
                continue
            system, code = key
            options = {score_key(a.code, system) for a in s.alternatives} - {None, code}
            for sctid in s.sctids:
                pair = (sctid, system, code)
                seen.add(pair)
                alternatives.setdefault(pair, set()).update(k for k in options if k)
        for pair in seen:
            counts = self.pairs.setdefault(pair, [0, 0])
            counts[0] += 1
            counts[1] += (pair[1], pair[2]) in coded
            picked = [k for k in alternatives[pair] | {pair[2]} if (pair[1], k) in coded]
            for k in picked:
                tally = self.chosen.setdefault(pair, {})
                tally[k] = tally.get(k, 0) + 1

    @cached_property  # read when applying, after learning is done
    def prior_share(self) -> float:
        """The trust's overall share of (concept, code) suggestions coded: the calibration's prior."""
        suggested = sum(v[0] for v in self.pairs.values())
        return sum(v[1] for v in self.pairs.values()) / suggested if suggested else 0.0

    # -- applying ----------------------------------------------------------------------------
    def _support(self, s: CodeSuggestion, key: tuple[str, str]) -> list[int] | None:
        found = [self.pairs[p] for p in ((sctid, *key) for sctid in s.sctids) if p in self.pairs]
        return max(found, key=lambda c: c[0]) if found else None

    def apply(self, result: NoteResult, rules: Any = None) -> NoteResult:
        """``result`` with the profile's confidence, filter and alternative order; ranks again."""
        from coding_toolkit.suggest import rank
        from coding_toolkit.suggest.merge import evolve

        if not result.suggestions:
            return result
        prior = self.prior_share
        kept: list[CodeSuggestion] = []
        calibrated: dict[tuple[str, str], dict[str, Any]] = {}  # (system, code): one suggestion per code
        dropped: dict[int, str] = {}  # mention index -> reason
        rare = {id(s) for s in result.suggestions if self._rarely_coded(s)}
        # a note's only codes of a system are kept: with nothing else stated, a code this trust rarely
        # assigns next to a diagnosis (a symptom) may be exactly what its coder assigns
        alone = {str(s.system) for s in result.suggestions} - {
            str(s.system) for s in result.suggestions if id(s) not in rare}
        for s in result.suggestions:
            key = suggestion_key(s)
            counts = self._support(s, key) if key else None
            suggested, coded = counts or (0, 0)
            if id(s) in rare and str(s.system) not in alone:
                for i in s.evidence:
                    dropped.setdefault(i, RARELY_CODED.format(coded=coded, suggested=suggested))
                continue
            kept.append(s)
            if key is not None:
                changes: dict[str, Any] = {
                    "confidence": round((coded + self.prior_weight * prior) / (suggested + self.prior_weight), 4)}
                order = self._chosen_order(s, key)
                if order is not None:
                    changes["alternatives"] = order
                calibrated[(str(s.system), s.code)] = changes
        if rules is None:
            from coding_toolkit.suggest import CodingRules
            rules = CodingRules.load()
        # ranked on the pipeline's own evidence (the codes' order stays, less the filtered ones); the
        # calibrated confidence is set after, so it does not reorder the note's codes
        ranked = [(s, calibrated.get((str(s.system), s.code))) for s in (rank(kept, rules) if dropped else kept)]
        still_used = {i for s, _ in ranked for i in s.evidence}
        mentions = result.mentions
        if dropped:
            mentions = tuple(
                evolve(am, decision=FilterDecision("filtered", dropped[i]))
                if i in dropped and i not in still_used and am.decision.status == "kept" else am
                for i, am in enumerate(mentions))
        return evolve(result, mentions=mentions,
                      suggestions=tuple(evolve(s, **changes) if changes else s for s, changes in ranked))

    def _rarely_coded(self, s: CodeSuggestion) -> bool:
        key = suggestion_key(s)
        counts = self._support(s, key) if key else None
        return bool(counts and counts[0] >= self.min_suggested and counts[1] / counts[0] < self.max_share)

    def _chosen_order(self, s: CodeSuggestion, key: tuple[str, str]) -> tuple | None:
        if not s.alternatives:
            return None
        tally: dict[str, int] = {}
        for sctid in s.sctids:
            for code, n in self.chosen.get((sctid, *key), {}).items():
                tally[code] = tally.get(code, 0) + n
        if not tally:
            return None
        system = key[0]
        order = sorted(s.alternatives, key=lambda a: -tally.get(score_key(a.code, system) or "", 0))  # stable
        return tuple(order) if order != list(s.alternatives) else None


def load_profile(path: str | Path, *, pack_hash: str | None = None) -> CodingProfile:
    """The profile at ``path``, for a pipeline with pack ``pack_hash`` (a WARNING when it was learnt with
    another pack: its counts are those of another pack's suggestions)."""
    profile = CodingProfile.load(path)
    learnt_on = profile.learnt.get("pack_hash")
    if pack_hash and learnt_on and learnt_on != pack_hash:
        log.warning("coding profile %s was learnt with pack %s, not %s: run coding-toolkit learn again with this "
                    "pack", path, learnt_on, pack_hash)
    return profile
