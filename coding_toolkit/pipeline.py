"""Note -> mentions -> map rows -> context filter -> coding rules on mentions -> refinement -> ranked code suggestions.

The one place where the stages meet. Each stage works on ``records``; ``Pipeline.process`` runs them
in this order:

    Pipeline.check                 a note that cannot be processed -> NoteRejected (the rejects file)
    pack.annotate                  text -> [Mention]       (a concepts.model.ConceptModel: concepts.pack.Pack)
    refine.link_inside_names       "fractured left neck of femur": a name around a laterality/modifier word
    mapping.engine.MapEngine       sctid -> [MapRow] per mention (default marked)
    note_layout                    line breaks an export flattened into commas restored (same offsets) for the
                                   stages below that read headings and lines; linking reads the text as written
    context.ContextStage           mentions + their rows -> [(ContextLabels, FilterDecision)], each one's heading
    suggest.review_mentions        service names, uncertain final diagnosis, explained symptoms
    refine.Refiner.run             the most specific concept the note supports (concept model in the pack)
    suggest.suggestions_for        [AnnotatedMention] + headings -> ranked [CodeSuggestion] (coding rules applied)
    CodingProfile.apply            with a trust's coding profile (``learn``): calibrated confidence, rarely
                                   coded codes filtered, alternatives in the trust's order (evaluation/profile.py)
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coding_toolkit import __version__
from coding_toolkit.concepts.model import ConceptModel
from coding_toolkit.note_layout import restore_line_breaks
from coding_toolkit.records import AnnotatedMention, CodeSuggestion, Note, NoteResult
from coding_toolkit.run_config import DEFAULT_MAX_NOTE_CHARS, RunConfig
from coding_toolkit.suggest import CodingRules, review_mentions, suggestions_for
from coding_toolkit.suggest.merge import evolve

if TYPE_CHECKING:
    from coding_toolkit.context.policy import Policy
    from coding_toolkit.context.rules import RuleSet
    from coding_toolkit.evaluation.profile import CodingProfile

log = logging.getLogger(__name__)

ILLUSTRATIVE_LABEL = "ILLUSTRATIVE map: not the NHS map, not for clinical use"


class NoteRejected(Exception):
    """A note that cannot be processed; the run reports it in the rejects file and goes on.

    ``category`` is a short fixed label (for counts); the message says what and how to fix it.
    """

    def __init__(self, message: str, category: str):
        super().__init__(message)
        self.category = category


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def coding_rules_of(policy: Any) -> CodingRules:
    """The coding rules a filter policy switches (its ``coding_rules`` section: switches, or a rules
    ``file`` relative to the policy's folder); the defaults without a policy."""
    source = getattr(policy, "source", None)
    return CodingRules.load(overrides=getattr(policy, "coding_rules", None) or {},
                            base_dir=Path(source).parent if source and not source.startswith("<") else None,
                            where=source or "policy")


@dataclass(frozen=True)
class RunRules:
    """The rules a run applies, loaded and frozen: the filter policy, the coding rules it switches, the
    context rules (None: the built-in ones) and the trust's coding profile (None: none). Loaded once
    from a ``RunConfig``'s files, where a bad file is reported; Spark ships this object to its
    executors, so no rule or profile file has to travel."""

    policy: Policy
    coding: CodingRules
    context: RuleSet | None = None
    profile: CodingProfile | None = None

    @classmethod
    def load(cls, config: RunConfig, *, pack_hash: str | None = None) -> RunRules:
        """``pack_hash``: the pack the run uses (a profile learnt with another pack is loaded with a warning)."""
        from coding_toolkit.context.policy import Policy
        from coding_toolkit.context.rules import load_rules

        policy = Policy.load(config.policy_path)
        profile = None
        if config.profile_path:
            from coding_toolkit.evaluation.profile import load_profile
            profile = load_profile(config.profile_path, pack_hash=pack_hash)
        return cls(policy=policy, coding=coding_rules_of(policy),
                   # a trust's file adds to and overrides the shipped rules; replacing them outright lost
                   # every negation cue a partial file left out, silently (a new user's run, session 8)
                   context=load_rules(extra=config.rules_path) if config.rules_path else None, profile=profile)


def _added_context_rules(stage) -> list[dict[str, str]]:
    """The rule files merged after the shipped context rules (``--rules``), each with its content hash."""
    import hashlib

    from coding_toolkit.context.rules import DEFAULT_EXTRA_RULES, DEFAULT_RULES

    rules = getattr(getattr(stage, "classifier", None), "rules", None)
    shipped = {str(p) for p in (DEFAULT_RULES, *DEFAULT_EXTRA_RULES)}
    out = []
    for source in getattr(rules, "sources", ()):
        if source in shipped or not Path(source).is_file():
            continue
        digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()[:16]
        out.append({"file": Path(source).name, "sha256": digest})
    return out


@dataclass
class Pipeline:
    pack: ConceptModel  # concepts.pack.Pack, or any linker with these members
    engine: Any  # mapping.engine.MapEngine
    context: Any  # context.stage.ContextStage
    max_note_chars: int = DEFAULT_MAX_NOTE_CHARS
    # how to load this pipeline again in another process (spawned workers): from_config's argument
    config: RunConfig | None = None
    # the code-level rules (suggest/data/coding_rules.json, switches from the policy file); None = defaults
    coding_rules: CodingRules | None = None
    # the rules in force: ``coding_rules``, or the defaults with the policy's switches
    rules: CodingRules = field(init=False, repr=False)
    # a trust's coding profile (evaluation.profile.CodingProfile), applied after the suggestion stage
    profile: Any = None
    # refinement with the pack's concept model (refine.Refiner); None = off or a pack without an index
    refiner: Any = None

    def __post_init__(self):
        if self.coding_rules is None:  # a pipeline put together by hand: its context stage's policy decides
            self.coding_rules = coding_rules_of(getattr(self.context, "policy", None))
        self.rules = self.coding_rules

    @classmethod
    def from_config(cls, config: RunConfig, *, rules: RunRules | None = None, progress: bool = False) -> Pipeline:
        """The pipeline ``config`` describes: its linker (``concepts/linkers.py``) loaded from its pack
        folder (the embedded starter pack when ``config.pack`` is None), that folder's map store, and
        its rules (``rules``, already loaded, or ``RunRules.load(config)``). How the CLI, the library,
        workers, Spark and the service load it."""
        from coding_toolkit.concepts.linkers import load_linker
        from coding_toolkit.concepts.pack_files import MAPS_FILE
        from coding_toolkit.context.classifier import ContextClassifier
        from coding_toolkit.context.stage import ContextStage
        from coding_toolkit.mapping.engine import MapEngine
        from coding_toolkit.refine import refiner_for

        path: str | Path | None = config.pack
        if path is None:
            from coding_toolkit.concepts.starter import starter_pack_path
            path = starter_pack_path(progress=progress)
        pack = load_linker(config.linker, path)
        # each note's new SCTIDs are looked up as met (no preload: start-up, issue 27)
        engine = MapEngine(f"sqlite:///{(Path(pack.path) / MAPS_FILE).resolve()}")
        rules = rules or RunRules.load(config, pack_hash=pack.hash)
        stage = ContextStage(classifier=ContextClassifier(rules.context), policy=rules.policy)
        stage.task_table.check_tasks(pack.meta_tasks, where=f"pack {pack.path}")
        loaded = RunConfig(pack=str(pack.path), policy_path=config.policy_path, rules_path=config.rules_path,
                           max_note_chars=config.max_note_chars, linker=config.linker,
                           profile_path=config.profile_path)
        pipeline = cls(pack=pack, engine=engine, context=stage, max_note_chars=config.max_note_chars, config=loaded,
                       coding_rules=rules.coding, refiner=refiner_for(pack, engine, stage.policy),
                       profile=rules.profile)
        return pipeline

    @classmethod
    def from_pack(cls, path: str | Path | None = None, *, policy_path=None, rules_path=None,
                  max_note_chars: int = DEFAULT_MAX_NOTE_CHARS, progress: bool = False,
                  profile_path=None) -> Pipeline:
        """Load a pack (the embedded starter pack when ``path`` is None) and its map store."""
        return cls.from_config(RunConfig(pack=None if path is None else str(path), policy_path=policy_path,
                                         rules_path=rules_path, max_note_chars=max_note_chars,
                                         profile_path=profile_path), progress=progress)

    # -- provenance -------------------------------------------------------------------------
    @property
    def provenance(self) -> dict[str, Any]:
        cached = getattr(self, "_provenance", None)
        if cached is None:
            maps = self.engine.provenance()
            cached = {
                "pack_hash": self.pack.hash,
                "pack_name": self.pack.provenance.get("name") or Path(self.pack.path).name,
                "map_release": maps.get("release"),
                "map_refsets": maps.get("refsets"),
                "illustrative": bool(maps.get("illustrative")),
                "toolkit_version": __version__,
                # which code-level rules shaped the suggestions (auditors: docs/coders.md, "Coding rules")
                "coding_rules": self.rules.switches(),
                "refinement": self.refiner.provenance() if self.refiner is not None else {"enabled": False},
            }
            if self.profile is not None:
                cached["coding_profile"] = self.profile.provenance
            added = _added_context_rules(self.context)
            if added:
                cached["context_rules_added"] = added
            if cached["illustrative"]:
                cached["warning"] = ILLUSTRATIVE_LABEL
            self._provenance = cached
        return cached

    # -- processing -------------------------------------------------------------------------
    def check(self, note: Note) -> None:
        """Raise NoteRejected for a note that must not be processed (the reason names the fix)."""
        if note.problem:
            raise NoteRejected(note.problem, note.problem_kind)
        if not isinstance(note.text, str) or not note.text.strip():
            raise NoteRejected("empty note text; fix: remove the row or give it text", "empty")
        if len(note.text) > self.max_note_chars:
            raise NoteRejected(
                f"note is {len(note.text):,} characters, over the limit of {self.max_note_chars:,}; "
                "fix: split it or raise --max-note-chars", "too long")

    def _imported_titles(self, suggestions: tuple[CodeSuggestion, ...]) -> tuple[CodeSuggestion, ...]:
        """Codes a coding rule added (history, status, laterality) carry the rule's words as title: the
        imported classification title replaces them where the title files have one."""
        title = getattr(self.engine, "title", None)
        if title is None:  # a map engine without title look-up (tests' stand-ins): the rule's words stay
            return suggestions
        return tuple(s if s.title == (t := title(s.code, s.system) or s.title) else evolve(s, title=t)
                     for s in suggestions)

    def process(self, note: Note) -> NoteResult:
        self.check(note)
        text = note.text
        mentions = self.pack.annotate(text)
        if self.refiner is not None:
            mentions = self.refiner.link_inside_names(text, mentions, self.pack.annotate)
        rows = self.engine.lookup_many([m.sctid for m in mentions]) if mentions else {}
        codes = [tuple(rows[str(m.sctid).strip()]) for m in mentions]
        # headings, sections and lines are read from the layout as written, flattened line breaks restored
        laid_out = restore_line_breaks(text)
        decisions, headings = self.context.run_with_headings(laid_out, mentions, codes)
        annotated = review_mentions(laid_out, tuple(
            AnnotatedMention(mention=m, labels=labels, decision=decision, codes=c)
            for m, c, (labels, decision) in zip(mentions, codes, decisions)), headings, self.rules)
        if self.refiner is not None:
            annotated, headings = self.refiner.run(laid_out, annotated, headings)
        suggestions = suggestions_for(annotated, self.rules, headings, laid_out)
        result = NoteResult(
            note_id=note.note_id, episode_id=note.episode_id, mentions=annotated,
            suggestions=self._imported_titles(suggestions), provenance=self.provenance,
            text_hash=text_hash(text))
        return self.profile.apply(result, self.rules) if self.profile is not None else result
