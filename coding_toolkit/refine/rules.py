"""The refinement rules (``data/refine_rules.json``) and their switches, validated once.

Switches come from the policy file's ``"refinement"`` object (``{"compose": false}``, or
``{"enabled": false}`` for the whole stage); a bad value raises ``ContextRuleError`` naming the file
and field with the fix.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from coding_toolkit.errors import ContextRuleError

RULES_FILE = Path(__file__).with_name("data") / "refine_rules.json"
SWITCHES = ("compose", "history", "allergy", "inside_names")


@dataclass(frozen=True)
class RefineRules:
    switches: Mapping[str, bool]
    is_a: str
    attribute_type: Mapping[str, str]  # name -> type sctid
    name_types: tuple[str, ...]
    attribute_only_tags: frozenset[str]
    scope_breaks: tuple[re.Pattern, ...]
    history: Mapping[str, tuple[str, ...]]
    allergy_headings: frozenset[str]
    allergy_cues: tuple[str, ...]
    allergy_roots: tuple[str, ...]
    inside_words: tuple[str, ...]
    laterality_words: frozenset[str]
    window_chars: int
    depth: int
    cap: int
    value_cap: int
    starter_patterns: tuple[tuple[re.Pattern, str, str | None], ...]
    starter_laterality: Mapping[str, str]
    starter_attribute_names: Mapping[str, tuple[str, ...]]
    source: str

    @property
    def enabled(self) -> bool:
        return any(self.switches.values())

    def on(self, part: str) -> bool:
        return bool(self.switches.get(part))

    def provenance(self) -> dict[str, Any]:
        return {"switches": dict(self.switches), "rules": self.source}

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, where: str = "policy") -> RefineRules:
        base = _shipped()
        switches = dict(base.switches)
        for name, value in (overrides or {}).items():
            if name == "enabled":
                if not isinstance(value, bool):
                    raise ContextRuleError(f"{where} field 'refinement.enabled': {value!r} is not true/false; "
                                           'fix: e.g. {"refinement": {"enabled": false}}')
                if not value:
                    switches = dict.fromkeys(switches, False)
                continue
            if name not in SWITCHES or not isinstance(value, bool):
                raise ContextRuleError(f"{where} field 'refinement.{name}': unknown switch or not true/false; "
                                       f"fix: use enabled, {', '.join(SWITCHES)} with true or false")
            switches[name] = value
        return cls(**{**base.__dict__, "switches": switches})


@lru_cache(maxsize=1)
def _shipped() -> RefineRules:
    d = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    words = d["inside_names"]
    st = d["starter"]
    return RefineRules(
        switches={k: bool(d["switches"].get(k, True)) for k in SWITCHES},
        is_a=d["is_a"],
        attribute_type=dict(d["attribute_types"]),
        name_types=tuple(d["name_types"]),
        attribute_only_tags=frozenset(d["attribute_only_tags"]),
        # one pass per pattern: one alternation of them all is several times slower on long notes
        scope_breaks=tuple(re.compile(p) for p in d["scope_breaks"]),
        history={k: tuple(v) for k, v in d["history"].items() if not k.startswith("_")},
        allergy_headings=frozenset(d["allergy"]["headings"]),
        allergy_cues=tuple(d["allergy"]["cues"]),
        allergy_roots=tuple(d["allergy"]["roots"]),
        inside_words=tuple(words["laterality"]) + tuple(words["modifiers"]),
        laterality_words=frozenset(words["laterality"]),
        window_chars=int(words["window_chars"]),
        depth=int(d["search"]["depth"]), cap=int(d["search"]["cap"]), value_cap=int(d["search"]["value_cap"]),
        starter_patterns=tuple((re.compile(p["pattern"], re.IGNORECASE), p["kind"], p.get("parent"))
                               for p in st["patterns"]),
        starter_laterality=dict(st["laterality_values"]),
        starter_attribute_names={k: tuple(v) for k, v in st["attribute_names"].items()},
        source=RULES_FILE.name,
    )


def overrides_from_policy(policy_source: str | None) -> tuple[dict, str]:
    """The ``"refinement"`` object of the policy file (read here: the context policy does not use it)."""
    if not policy_source or policy_source.startswith("<"):
        return {}, "policy"
    path = Path(policy_source)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, str(path)  # the context policy loader already reported a broken file
    value = data.get("refinement", {}) if isinstance(data, dict) else {}
    if not isinstance(value, Mapping):
        raise ContextRuleError(f"{path} field 'refinement': must be an object; fix: e.g. "
                               '{"refinement": {"compose": false}}')
    return dict(value), str(path)
