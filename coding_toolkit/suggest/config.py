"""The coding rules' data (``data/coding_rules.json``) and their on/off switches, validated once.

``CodingRules.load()`` reads the shipped file; ``CodingRules.load(overrides={"service_names": False})``
switches a rule off; ``{"file": "my_rules.json"}`` reads another copy (relative paths are taken
from ``base_dir``, the policy file's folder). A bad file or switch raises ``ContextRuleError``
naming the file and field, with the fix. Each section of the file is one frozen record read by its
own function (``rule_sections.SECTIONS``); a rule module asks for its own: ``rules.section(StatusCodes)``.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, overload

from coding_toolkit.errors import ContextRuleError
from coding_toolkit.suggest.rule_fields import (
    DEFAULT_RULES_FILE,
    CodeRanges,
    Fields,
    fail,
    in_code_ranges,
    in_ranges,
)
from coding_toolkit.suggest.rule_sections import SECTIONS, RuleSection

# the rule modules and callers import these from here (the field helpers live in rule_fields.py)
__all__ = ["CodingRules", "RULE_NAMES", "DEFAULT_RULES_FILE", "CodeRanges", "in_code_ranges", "in_ranges",
           "rules_file_path"]
log = logging.getLogger(__name__)

RULE_NAMES = tuple(SECTIONS)  # the switches, in provenance order
S = TypeVar("S", bound=RuleSection)


@dataclass(frozen=True)
class CodingRules:
    """The rules in force: one record per section of the rules file, in ``SECTIONS`` order."""
    sections: tuple[RuleSection, ...]
    source: str
    _index: dict[Any, RuleSection] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {key: s for s in self.sections for key in (s.NAME, type(s))})
        # rules are cache keys per suggestion and per mention: hash once (consistent with ==)
        object.__setattr__(self, "_hash", hash((self.source, *self.switches().values())))

    def __hash__(self) -> int:
        return self._hash

    @overload
    def section(self, key: type[S]) -> S: ...

    @overload
    def section(self, key: str) -> RuleSection: ...

    def section(self, key: type[S] | str) -> RuleSection:
        """One rule's section: by record class (typed, what rule modules use) or by name."""
        return self._index[key]

    def on(self, name: str) -> bool:
        """Whether the rule ``name`` (a key of ``SECTIONS``) is switched on."""
        return self._index[name].enabled

    def switches(self) -> dict[str, bool]:
        """Rule name -> on/off (recorded in every result's provenance)."""
        return {s.NAME: s.enabled for s in self.sections}

    @classmethod
    def load(cls, path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None,
             base_dir: str | Path | None = None, where: str = "coding_rules") -> CodingRules:
        overrides = dict(overrides or {})
        if "file" in overrides:
            path = rules_file_path(overrides.pop("file"), base_dir)
        for name, value in overrides.items():
            if name not in SECTIONS:
                raise fail(where, f"coding_rules.{name}", "unknown rule",
                           f"use one of {', '.join(RULE_NAMES)} (or 'file')")
            if not isinstance(value, bool):
                raise fail(where, f"coding_rules.{name}", f"{value!r} is not true/false", "write true or false")
        path = Path(path or DEFAULT_RULES_FILE)
        try:
            stamp = path.stat().st_mtime_ns  # an edited file is read again
        except OSError:
            stamp = 0
        return _load(str(path), tuple(sorted(overrides.items())), stamp)


def rules_file_path(name: str | Path, base_dir: str | Path | None) -> Path:
    """Where a policy's ``coding_rules.file`` points: as written when absolute, else relative to
    ``base_dir`` (the policy file's folder). Spark's driver resolves it the same way to ship it."""
    path = Path(name)
    return Path(base_dir) / path if not path.is_absolute() and base_dir is not None else path


@lru_cache(maxsize=16)
def _load(path: str, overrides: tuple[tuple[str, bool], ...], _stamp: int) -> CodingRules:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ContextRuleError(f"{path}: cannot read coding rules ({err.strerror}); fix: pass an existing "
                               "JSON file") from err
    except json.JSONDecodeError as err:
        raise ContextRuleError(f"{path}:{err.lineno} column {err.colno}: not valid JSON ({err.msg}); "
                               "fix: correct the JSON syntax") from err
    if not isinstance(data, Mapping):
        raise ContextRuleError(f"{path}: not an object of rule sections; fix: start from a copy of {DEFAULT_RULES_FILE}")
    raw = {}
    for name, record in SECTIONS.items():
        section = data.get(name)
        if section is None and record.ADDED_LATER:
            section = _shipped_section(name)
            log.info("%s has no '%s' section (a copy older than the rule): using the shipped one", path, name)
        if not isinstance(section, Mapping):
            raise fail(path, name, "missing or not an object", f"copy the '{name}' section from {DEFAULT_RULES_FILE}")
        raw[name] = section
    switch = dict(overrides)
    sections: list[RuleSection] = []
    for name, record in SECTIONS.items():
        enabled = switch.get(name, raw[name].get("enabled", True))
        if not isinstance(enabled, bool):
            raise fail(path, f"{name}.enabled", f"{enabled!r} is not true/false", "write true or false")
        sections.append(record.read(Fields(path, name, raw[name]), enabled))
    return CodingRules(tuple(sections), path)


def _shipped_section(name: str) -> Any:
    return json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8")).get(name)
