"""The coding rules' data (``data/coding_rules.json``) and their on/off switches, validated once.

``CodingRules.load()`` reads the shipped file; ``CodingRules.load(overrides={"service_names": False})``
switches a rule off; ``{"file": "my_rules.json"}`` reads another copy (relative paths are taken
from ``base_dir``, the policy file's folder). A bad file or switch raises ``ContextRuleError``
naming the file and field, with the fix.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from coding_toolkit.errors import ContextRuleError

log = logging.getLogger(__name__)

DEFAULT_RULES_FILE = Path(__file__).with_name("data") / "coding_rules.json"
RULE_NAMES = ("never_primary", "alternatives_from_note", "specificity", "service_names", "primary_from_heading")
# rules added after trusts may have copied the file: a copy without the section takes the shipped one
# (an upgrade keeps working; the section is switched like any other)
ADDED_LATER = frozenset({"primary_from_heading"})
_CATEGORY = re.compile(r"^[A-Z]\d{2}$")


def _fail(src: str, field: str, problem: str, fix: str) -> ContextRuleError:
    return ContextRuleError(f"{src} field '{field}': {problem}; fix: {fix}")


def _ranges(src: str, field: str, raw: Any, with_reason: bool) -> tuple[tuple[str, str, str], ...]:
    if not isinstance(raw, list):
        raise _fail(src, field, "must be a list", 'use [{"from": "V01", "to": "Y98"}]')
    out = []
    for i, item in enumerate(raw):
        low = str(item.get("from", "")).upper() if isinstance(item, Mapping) else ""
        high = str(item.get("to", low)).upper() if isinstance(item, Mapping) else ""
        if not (_CATEGORY.match(low) and _CATEGORY.match(high) and low <= high):
            raise _fail(src, f"{field}[{i}]", f"bad range {item!r}",
                        'give 3-character categories without dot, e.g. {"from": "V01", "to": "Y98"}')
        reason = str(item.get("reason") or "") if with_reason else ""
        if with_reason and not reason:
            raise _fail(src, f"{field}[{i}].reason", "missing", "say in words why these codes are never primary")
        out.append((low, high, reason))
    return tuple(out)


def _words(src: str, field: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        raise _fail(src, field, "must be a list of non-empty strings", 'e.g. ["unit", "clinic"]')
    return tuple(" ".join(w.lower().split()) for w in raw)


def _single_words(src: str, field: str, raw: Any) -> tuple[str, ...]:
    words = _words(src, field, raw)
    several = [w for w in words if " " in w]
    if several:  # each is compared with the one word before a heading's listed ending
        raise _fail(src, field, f"{several[0]!r} is not one word", 'list single words, e.g. ["differential", "preop"]')
    return words


@dataclass(frozen=True)
class CodingRules:
    never_primary: bool
    never_primary_advice: tuple[str, ...]
    never_primary_icd10: tuple[tuple[str, str, str], ...]  # (from, to, reason) 3-character categories
    never_primary_opcs4: tuple[tuple[str, str, str], ...]
    alternatives_from_note: bool
    not_establishing: tuple[tuple[str, str, str], ...]
    specificity: bool
    unspecified_fourth: tuple[str, ...]
    service_names: bool
    service_reason: str
    service_following: tuple[str, ...]
    service_preceding: tuple[str, ...]
    primary_from_heading: bool
    main_headings: frozenset[str]  # lower case, single spaces (as the context stage gives headings)
    main_heading_not_after: frozenset[str]  # words that make "<word> diagnosis" no main heading
    source: str

    def __hash__(self) -> int:  # cheap (rules are cache keys per suggestion); consistent with ==
        return hash((self.source, self.never_primary, self.alternatives_from_note, self.specificity,
                     self.service_names, self.primary_from_heading))

    def switches(self) -> dict[str, bool]:
        """Rule name -> on/off (recorded in every result's provenance)."""
        return {name: getattr(self, name) for name in RULE_NAMES}

    @classmethod
    def load(cls, path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None,
             base_dir: str | Path | None = None, where: str = "coding_rules") -> CodingRules:
        overrides = dict(overrides or {})
        if "file" in overrides:
            path = rules_file_path(overrides.pop("file"), base_dir)
        for name, value in overrides.items():
            if name not in RULE_NAMES:
                raise _fail(where, f"coding_rules.{name}", "unknown rule",
                            f"use one of {', '.join(RULE_NAMES)} (or 'file')")
            if not isinstance(value, bool):
                raise _fail(where, f"coding_rules.{name}", f"{value!r} is not true/false", "write true or false")
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
    sections = {}
    for name in RULE_NAMES:
        section = data.get(name)
        if section is None and name in ADDED_LATER:
            section = _shipped_section(name)
            log.info("%s has no '%s' section (a copy older than the rule): using the shipped one", path, name)
        if not isinstance(section, Mapping):
            raise _fail(path, name, "missing or not an object", f"copy the '{name}' section from {DEFAULT_RULES_FILE}")
        sections[name] = section
    switch = dict(overrides)

    def enabled(name: str) -> bool:
        value = switch.get(name, sections[name].get("enabled", True))
        if not isinstance(value, bool):
            raise _fail(path, f"{name}.enabled", f"{value!r} is not true/false", "write true or false")
        return value

    never, alts, spec, service, heading = (sections[n] for n in RULE_NAMES)
    fourth = _words(path, "specificity.unspecified_fourth", spec.get("unspecified_fourth", ["9"]))
    if any(len(f) != 1 or not f.isdigit() for f in fourth):
        raise _fail(path, "specificity.unspecified_fourth", f"{list(fourth)} are not single digits", 'use ["9"]')
    return CodingRules(
        never_primary=enabled("never_primary"),
        never_primary_advice=tuple(a.upper() for a in _words(path, "never_primary.advice", never.get("advice", []))),
        never_primary_icd10=_ranges(path, "never_primary.icd10_ranges", never.get("icd10_ranges", []), True),
        never_primary_opcs4=_ranges(path, "never_primary.opcs4_ranges", never.get("opcs4_ranges", []), True),
        alternatives_from_note=enabled("alternatives_from_note"),
        not_establishing=_ranges(path, "alternatives_from_note.not_establishing",
                                 alts.get("not_establishing", []), False),
        specificity=enabled("specificity"),
        unspecified_fourth=fourth,
        service_names=enabled("service_names"),
        service_reason=str(service.get("reason") or "service name"),
        service_following=_words(path, "service_names.following", service.get("following", [])),
        service_preceding=_words(path, "service_names.preceding", service.get("preceding", [])),
        primary_from_heading=enabled("primary_from_heading"),
        main_headings=frozenset(_words(path, "primary_from_heading.headings", heading.get("headings", []))),
        main_heading_not_after=frozenset(_single_words(path, "primary_from_heading.not_after",
                                                       heading.get("not_after", []))),
        source=path,
    )


def _shipped_section(name: str) -> Any:
    return json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8")).get(name)


def in_ranges(category: str, ranges: tuple[tuple[str, str, str], ...]) -> str | None:
    """The reason of the first (from, to, reason) range holding a 3-character category, else None."""
    for low, high, reason in ranges:
        if low <= category <= high:
            return reason or f"{low}-{high}"
    return None
