"""Note -> mentions -> map rows -> context filter -> service names -> ranked code suggestions.

The one place where the stages meet. Each stage works on ``records``; ``Pipeline.process`` runs them
in this order:

    Pipeline.check                 a note that cannot be processed -> NoteRejected (the rejects file)
    pack.annotate                  text -> [Mention]       (a concepts.model.ConceptModel: concepts.pack.Pack)
    mapping.engine.MapEngine       sctid -> [MapRow] per mention (default marked)
    context.ContextStage           mentions + their rows -> [(ContextLabels, FilterDecision)], each one's heading
    suggest.filter_service_names   "Stroke Unit" mentions -> filtered, reason "service name"
    suggest.suggestions_for        [AnnotatedMention] + headings -> ranked [CodeSuggestion] (coding rules applied)
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coding_toolkit import __version__
from coding_toolkit.concepts.model import ConceptModel
from coding_toolkit.records import AnnotatedMention, Note, NoteResult
from coding_toolkit.run_config import DEFAULT_MAX_NOTE_CHARS, RunConfig
from coding_toolkit.suggest import CodingRules, filter_service_names, suggestions_for

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


@dataclass
class Pipeline:
    pack: ConceptModel  # concepts.pack.Pack, or any linker with these members
    engine: Any  # mapping.engine.MapEngine
    context: Any  # context.stage.ContextStage
    max_note_chars: int = DEFAULT_MAX_NOTE_CHARS
    # how to load this pipeline again in another process (spawned workers): from_pack's arguments
    config: RunConfig | None = None
    # the code-level rules (suggest/data/coding_rules.json, switches from the policy file); None = defaults
    coding_rules: CodingRules | None = None
    # the rules in force: ``coding_rules``, or the defaults with the policy's switches
    rules: CodingRules = field(init=False, repr=False)

    def __post_init__(self):
        if self.coding_rules is None:
            policy = getattr(self.context, "policy", None)
            source = getattr(policy, "source", None)
            self.coding_rules = CodingRules.load(
                overrides=getattr(policy, "coding_rules", None) or {},
                base_dir=Path(source).parent if source and not source.startswith("<") else None,
                where=source or "policy")
        self.rules = self.coding_rules

    @classmethod
    def from_pack(cls, path: str | Path | None = None, *, policy_path=None, rules_path=None,
                  max_note_chars: int = DEFAULT_MAX_NOTE_CHARS, progress: bool = False) -> Pipeline:
        """Load a pack (the embedded starter pack when ``path`` is None) and its map store."""
        from coding_toolkit.concepts.pack import load_pack
        from coding_toolkit.context.classifier import ContextClassifier
        from coding_toolkit.context.policy import Policy
        from coding_toolkit.context.rules import load_rules
        from coding_toolkit.context.stage import ContextStage
        from coding_toolkit.mapping.engine import MapEngine

        if path is None:
            from coding_toolkit.concepts.starter import starter_pack_path
            path = starter_pack_path(progress=progress)
        pack = load_pack(path)
        engine = MapEngine(pack.maps_url)  # each note's new SCTIDs are looked up as met (no preload: issue 27)
        classifier = ContextClassifier(load_rules(rules_path) if rules_path else None)
        stage = ContextStage(classifier=classifier, policy=Policy.load(policy_path))
        stage.task_table.check_tasks(pack.meta_tasks, where=f"pack {pack.path}")
        config = RunConfig(pack=str(pack.path), policy_path=policy_path, rules_path=rules_path,
                           max_note_chars=max_note_chars)
        return cls(pack=pack, engine=engine, context=stage, max_note_chars=max_note_chars, config=config)

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
            }
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
            raise NoteRejected("empty note text", "empty")
        if len(note.text) > self.max_note_chars:
            raise NoteRejected(
                f"note is {len(note.text):,} characters, over the limit of {self.max_note_chars:,}; "
                "split it or raise --max-note-chars", "too long")

    def process(self, note: Note) -> NoteResult:
        self.check(note)
        text = note.text
        mentions = self.pack.annotate(text)
        rows = self.engine.lookup_many([m.sctid for m in mentions]) if mentions else {}
        codes = [tuple(rows[str(m.sctid).strip()]) for m in mentions]
        decisions, headings = self.context.run_with_headings(text, mentions, codes)
        annotated = filter_service_names(text, tuple(
            AnnotatedMention(mention=m, labels=labels, decision=decision, codes=c)
            for m, c, (labels, decision) in zip(mentions, codes, decisions)), self.rules)
        return NoteResult(
            note_id=note.note_id, episode_id=note.episode_id, mentions=annotated,
            suggestions=suggestions_for(annotated, self.rules, headings), provenance=self.provenance,
            text_hash=text_hash(text))
