"""Decide per mention whether it supports a code: keep, or filter with the reason (nothing is dropped).

Data: ``data/policy.json`` (which labels suppress, minimum linking confidence) and
``data/chronic_conditions.json`` (ICD-10 ranges and SNOMED CT ids of chronic conditions).
Chronic conditions are coded whenever documented, so a *Historical* label does not suppress them
(decided by the mention's ICD-10 map codes, its SCTID, or words of its concept's preferred name, so a
concept without a map row, Alzheimer's disease, counts too):
such a mention is kept with the reason ``"chronic condition: historical label ignored"``.
Negation, other experiencer and hypothetical still filter them.
``section_procedures_only`` lists temporality values that, when a section heading gave them (a
``Plan:`` heading -> Hypothetical), suppress procedures only: a procedure under "Plan:" is still to
be done, but a diagnosis there ("Plan: apixaban for AF") is the patient's condition and stays as the
other cues leave it. A mention is a procedure when its codes are OPCS-4 only.
``data/generic_concepts.json`` lists concepts never suggested on their own (Disease, Male, Finding of
lesion ...): their mentions are filtered with the reason ``"generic"``.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coding_toolkit.context.rules import TASK_VALUES, read_json_object
from coding_toolkit.errors import ContextRuleError
from coding_toolkit.records import ContextLabels, FilterDecision, MapRow, Mention

DATA = Path(__file__).with_name("data")
DEFAULT_POLICY = DATA / "policy.json"
DEFAULT_GENERIC = DATA / "generic_concepts.json"
TASK_ORDER = ("negation", "experiencer", "temporality")  # order of reasons in the message
_NAME_SPLIT = re.compile(r"[^a-z0-9']+")


def _load_json(path: Path) -> Mapping[str, Any]:
    return read_json_object(path, "policy file", f"see {DEFAULT_POLICY}")


def _procedure(codes: Sequence[MapRow]) -> bool:
    """A procedure concept: it maps to OPCS-4 and not to ICD-10 (no codes: not known to be one)."""
    systems = {row.system.upper().replace("-", "") for row in codes}
    return bool(systems) and all(s.startswith("OPCS") for s in systems)


@dataclass(frozen=True)
class ChronicConditions:
    ranges: tuple[tuple[str, str], ...]  # inclusive ICD-10 ranges of 3-character categories or 4-character codes
    sctids: frozenset[str]
    # by concept: words of the concept's preferred name (a concept with no ICD-10 map row: Alzheimer's disease)
    name_words: tuple[str, ...] = ()
    name_not: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: str | Path) -> ChronicConditions:
        path = Path(path)
        data = _load_json(path)
        ranges = []
        for i, row in enumerate(data.get("icd10_ranges", [])):
            low, high = str(row.get("from", "")).upper(), str(row.get("to", row.get("from", ""))).upper()
            if (len(low) not in (3, 4) or len(high) != len(low) or low > high
                    or not (low[:1].isalpha() and low[1:3].isdigit() and high[:1].isalpha() and high[1:3].isdigit())):
                raise ContextRuleError(f"{path} field 'icd10_ranges[{i}]': bad range {low!r}-{high!r}; fix: use "
                                       "ICD-10 codes without dot, both 3 characters (E10-E14) or both 4 (I208-I209), "
                                       "with from <= to")
            ranges.append((low, high))
        sctids = frozenset(str(row["id"] if isinstance(row, Mapping) else row) for row in data.get("sctids", []))
        words = {}
        for key in ("name_words", "name_not"):
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
                raise ContextRuleError(f"{path} field '{key}': expected a list of words; fix: e.g. [\"dementia\"]")
            words[key] = tuple(" ".join(w.lower().split()) for w in value)
        return cls(tuple(ranges), sctids, words["name_words"], words["name_not"])

    def _named(self, name: str) -> bool:
        name = " " + " ".join(_NAME_SPLIT.split(name.lower())) + " "
        return (any(f" {w} " in name for w in self.name_words)
                and not any(f" {w} " in name for w in self.name_not))

    def matches(self, mention: Mention, codes: Sequence[MapRow]) -> bool:
        if mention.sctid in self.sctids or (self.name_words and self._named(mention.name)):
            return True
        for row in codes:
            if row.system.upper().startswith("ICD") and row.target[:1].isalpha():
                target = row.target.upper()
                # compare on as many characters as the range gives: "G473" matches G47.3 only, "G47" all of G47
                if any(low <= target[:len(low)] <= high for low, high in self.ranges):
                    return True
        return False


@dataclass(frozen=True)
class GenericConcepts:
    """Top-level or generic concepts (by SCTID or by a one-word preferred name), filtered as ``reason``."""

    sctids: frozenset[str]
    names: frozenset[str]
    reason: str = "generic"

    @classmethod
    def load(cls, path: str | Path) -> GenericConcepts:
        path = Path(path)
        data = _load_json(path)
        sctids, names = data.get("sctids", {}), data.get("names", [])
        if not isinstance(sctids, (dict, list)) or not all(str(s).isdigit() for s in sctids):
            raise ContextRuleError(f"{path} field 'sctids': expected SCTIDs (digits), as a list or as keys of "
                                   "an object of SCTID -> name; fix the file")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ContextRuleError(f"{path} field 'names': expected a list of names; fix the file")
        return cls(frozenset(map(str, sctids)), frozenset(n.lower() for n in names),
                   str(data.get("reason", "generic")))

    def matches(self, mention: Mention) -> bool:
        return mention.sctid in self.sctids or mention.name.lower() in self.names


@dataclass(frozen=True)
class Policy:
    suppress: Mapping[str, Mapping[str, str]]  # task -> {value: reason}
    min_confidence: float = 0.0
    chronic: ChronicConditions | None = None
    chronic_ignores: frozenset[str] = frozenset({"Historical"})
    chronic_note: str = "chronic condition: historical label ignored"
    source: str = "<policy>"
    generic: GenericConcepts | None = None
    # switches for the code-level rules (suggest/config.py validates them), e.g. {"service_names": false}
    coding_rules: Mapping[str, Any] = field(default_factory=dict)
    # labels that keep a mention but are worth saying: task -> {value: note} (the reason of a kept mention)
    keep_notes: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: {"temporality": {"Resolved": "resolved during this stay: still coded"}})
    # temporality values that suppress only procedures when a section heading (not a cue) gave them
    section_procedures_only: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: str | Path | None = None) -> Policy:
        path = Path(path) if path is not None else DEFAULT_POLICY
        data = _load_json(path)
        suppress = data.get("suppress", {})
        for task, values in suppress.items():
            if task not in TASK_VALUES:
                raise ContextRuleError(f"{path} field 'suppress.{task}': unknown task; fix: use one of "
                                       f"{', '.join(TASK_VALUES)}")
            for value in values:
                if value not in TASK_VALUES[task]:
                    raise ContextRuleError(f"{path} field 'suppress.{task}': unknown value {value!r}; fix: use one "
                                           f"of {', '.join(TASK_VALUES[task])}")
        min_conf = data.get("min_confidence", 0.0)
        if not isinstance(min_conf, (int, float)) or isinstance(min_conf, bool) or not 0 <= min_conf <= 1:
            raise ContextRuleError(f"{path} field 'min_confidence': {min_conf!r} is not a number in [0, 1]; "
                                   "fix: e.g. 0.3")
        chronic = None
        if data.get("chronic_conditions"):
            chronic = ChronicConditions.load(path.parent / data["chronic_conditions"])
        ignores = frozenset(data.get("chronic_ignores", ["Historical"]))
        bad = ignores - set(TASK_VALUES["temporality"])
        if bad:
            raise ContextRuleError(f"{path} field 'chronic_ignores': unknown temporality {sorted(bad)[0]!r}; "
                                   "fix: use Historical")
        # absent: the shipped list; null/false: no generic filter; a name: relative to the policy file
        generic_file = data.get("generic_concepts", DEFAULT_GENERIC)
        generic = GenericConcepts.load(path.parent / generic_file) if generic_file else None
        coding_rules = data.get("coding_rules", {})
        if not isinstance(coding_rules, Mapping):
            raise ContextRuleError(f"{path} field 'coding_rules': must be an object; fix: e.g. "
                                   '{"service_names": false} or {"file": "my_coding_rules.json"}')
        keep_notes = data.get("keep_notes", {"temporality": {"Resolved": "resolved during this stay: still coded"}})
        for task, values in keep_notes.items() if isinstance(keep_notes, Mapping) else [(None, None)]:
            if task not in TASK_VALUES or not isinstance(values, Mapping) or any(
                    v not in TASK_VALUES[task] for v in values):
                raise ContextRuleError(f"{path} field 'keep_notes.{task}': not a task -> {{value: note}} object; "
                                       'fix: e.g. {"temporality": {"Resolved": "resolved during this stay"}}')
        procedures_only = data.get("section_procedures_only", [])
        if not isinstance(procedures_only, list) or any(v not in TASK_VALUES["temporality"] for v in procedures_only):
            raise ContextRuleError(f"{path} field 'section_procedures_only': {procedures_only!r} is not a list of "
                                   f"temporality values; fix: e.g. [\"Hypothetical\"] (values: "
                                   f"{', '.join(TASK_VALUES['temporality'])})")
        return cls({t: dict(v) for t, v in suppress.items()}, float(min_conf), chronic, ignores,
                   data.get("chronic_note", cls.chronic_note), str(path), generic=generic,
                   coding_rules=dict(coding_rules), keep_notes={t: dict(v) for t, v in keep_notes.items()},
                   section_procedures_only=frozenset(procedures_only))

    def decide(self, mention: Mention, labels: ContextLabels, codes: Sequence[MapRow] = ()) -> FilterDecision:
        reasons, note = [], None
        if self.generic is not None and self.generic.matches(mention):
            reasons.append(self.generic.reason)
        meta = labels.as_meta()
        for task in TASK_ORDER:
            reason = self.suppress.get(task, {}).get(meta[task])
            if reason is None:
                continue
            if (task == "temporality" and meta[task] in self.section_procedures_only
                    and labels.triggers.get(task, "").startswith("section:") and not _procedure(codes)):
                continue
            if (task == "temporality" and meta[task] in self.chronic_ignores and self.chronic is not None
                    and self.chronic.matches(mention, codes)):
                note = self.chronic_note
                continue
            reasons.append(reason)
        if mention.confidence < self.min_confidence:
            reasons.append(f"low confidence {mention.confidence:.2f} < {self.min_confidence:.2f}")
        if reasons:
            return FilterDecision("filtered", "; ".join(reasons))
        notes = [note] if note else []
        notes += [n for task in TASK_ORDER if (n := self.keep_notes.get(task, {}).get(meta[task]))]
        return FilterDecision("kept", "; ".join(notes) or None)
