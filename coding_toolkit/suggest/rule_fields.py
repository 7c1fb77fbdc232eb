"""Reading one field of ``data/coding_rules.json``: each check raises ``ContextRuleError`` naming the file,
the field (``section.field[i]``) and the fix. The section records (``rule_sections.py``) read through
``Fields``, so a new rule's section gets the same messages without writing them again."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coding_toolkit.errors import ContextRuleError

DEFAULT_RULES_FILE = Path(__file__).with_name("data") / "coding_rules.json"
_CATEGORY = re.compile(r"^[A-Z]\d{2}$")
_CODE = re.compile(r"^[A-Z]\d{2}[0-9X]?$")
CodeRanges = tuple[tuple[str, str], ...]
ReasonRanges = tuple[tuple[str, str, str], ...]  # (from, to, reason) 3-character categories
CodeTable = tuple[tuple[str, str, tuple[str, ...]], ...]  # (CDS code, why, phrases lower case)


def fail(src: str, field: str, problem: str, fix: str) -> ContextRuleError:
    return ContextRuleError(f"{src} field '{field}': {problem}; fix: {fix}")


def _bounds(item: Any) -> tuple[str, str]:
    """(from, to) of a range object, upper case ("to" defaults to "from"); ("", "") when not an object."""
    if not isinstance(item, Mapping):
        return "", ""
    low = str(item.get("from", "")).upper()
    return low, str(item.get("to", low)).upper()


def reason_ranges(src: str, field: str, raw: Any, with_reason: bool) -> ReasonRanges:
    if not isinstance(raw, list):
        raise fail(src, field, "must be a list", 'use [{"from": "V01", "to": "Y98"}]')
    out = []
    for i, item in enumerate(raw):
        low, high = _bounds(item)
        if not (_CATEGORY.match(low) and _CATEGORY.match(high) and low <= high):
            raise fail(src, f"{field}[{i}]", f"bad range {item!r}",
                       'give 3-character categories without dot, e.g. {"from": "V01", "to": "Y98"}')
        reason = str(item.get("reason") or "") if with_reason else ""
        if with_reason and not reason:
            raise fail(src, f"{field}[{i}].reason", "missing", "say in words why these codes are never primary")
        out.append((low, high, reason))
    return tuple(out)


def code_ranges(src: str, field: str, raw: Any) -> CodeRanges:
    """Inclusive ranges of 3-character categories or 4-character codes (no dot), compared on as many
    characters as ``from`` has: E11-E14 holds E11.9 and E14.3; E119-E119 holds E11.9 only."""
    if not isinstance(raw, list):
        raise fail(src, field, "must be a list", 'use [{"from": "I10", "to": "I15"}]')
    out = []
    for i, item in enumerate(raw):
        low, high = _bounds(item)
        if not (_CODE.match(low) and _CODE.match(high) and len(low) == len(high) and low <= high):
            raise fail(src, f"{field}[{i}]", f"bad range {item!r}", 'give codes without dot, both 3 characters '
                       '{"from": "I10", "to": "I15"} or both 4 {"from": "E119", "to": "E119"}, from <= to')
        out.append((low, high))
    return tuple(out)


def in_code_ranges(code: str, ranges: CodeRanges) -> bool:
    """Whether a CDS code (``E119``, ``E113D``, ``W391``) falls in one of ``ranges`` (``code_ranges``)."""
    code = code.replace(" ", "").upper()
    return any(low <= code[:len(low)] <= high for low, high in ranges)


def in_ranges(category: str, ranges: ReasonRanges) -> str | None:
    """The reason of the first (from, to, reason) range holding a 3-character category, else None."""
    for low, high, reason in ranges:
        if low <= category <= high:
            return reason or f"{low}-{high}"
    return None


def table(src: str, field: str, raw: Any, key: str) -> CodeTable:
    """Rows {"code": CDS code, "why": words, key: [phrases]} -> (code, why, phrases lower case)."""
    if not isinstance(raw, list):
        raise fail(src, field, "must be a list", f'use [{{"code": "Z921", "why": "...", "{key}": ["warfarin"]}}]')
    out = []
    for i, row in enumerate(raw):
        code = str(row.get("code", "")).upper() if isinstance(row, Mapping) else ""
        if not re.match(r"^[A-Z]\d{2}[0-9X]$", code):
            raise fail(src, f"{field}[{i}].code", f"{code!r} is not a 4-character CDS code", 'e.g. "Z921"')
        out.append((code, str(row.get("why") or code), words(src, f"{field}[{i}].{key}", row.get(key))))
    return tuple(out)


def words(src: str, field: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        raise fail(src, field, "must be a list of non-empty strings", 'e.g. ["unit", "clinic"]')
    return tuple(" ".join(w.lower().split()) for w in raw)


def characters(src: str, field: str, raw: Any, example: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 < raw <= 500:
        raise fail(src, field, f"{raw!r} is not a number of characters (1-500)", example)
    return raw


@dataclass(frozen=True)
class Fields:
    """One section (or nested object) of the rules file and where it came from; each method reads and
    checks one field (``default`` when absent), naming ``<section>.<field>`` in its error."""
    src: str
    section: str
    raw: Mapping[str, Any]

    def name(self, key: str) -> str:
        return f"{self.section}.{key}"

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    def text(self, key: str, default: str) -> str:
        return str(self.raw.get(key) or default)

    def fail(self, key: str, problem: str, fix: str) -> ContextRuleError:
        return fail(self.src, self.name(key), problem, fix)

    def words(self, key: str, default: Any = ()) -> tuple[str, ...]:
        """Required when ``default`` is None."""
        return words(self.src, self.name(key), self.raw.get(key, None if default is None else list(default)))

    def headings(self, key: str) -> frozenset[str]:
        """Headings lower case, single spaces (as the context stage gives them)."""
        return frozenset(self.words(key))

    def single_words(self, key: str) -> tuple[str, ...]:
        found = self.words(key)
        several = [w for w in found if " " in w]
        if several:  # each is compared with the one word before a heading's listed ending
            raise self.fail(key, f"{several[0]!r} is not one word", 'list single words, e.g. ["differential", "preop"]')
        return found

    def code_ranges(self, key: str) -> CodeRanges:
        return code_ranges(self.src, self.name(key), self.raw.get(key, []))

    def range_pairs(self, key: str, first: str, second: str) -> tuple[tuple[CodeRanges, CodeRanges], ...]:
        """A list of objects each holding two lists of code ranges: ``[{first: [...], second: [...]}]``."""
        out = []
        for i, pair in enumerate(self.raw.get(key, [])):
            if not isinstance(pair, Mapping):
                raise self.fail(f"{key}[{i}]", "not an object", f'use {{"{first}": [{{"from": "R00", "to": "R09"}}], '
                                f'"{second}": [{{"from": "I00", "to": "I99"}}]}}')
            out.append((code_ranges(self.src, self.name(f"{key}[{i}].{first}"), pair.get(first)),
                        code_ranges(self.src, self.name(f"{key}[{i}].{second}"), pair.get(second))))
        return tuple(out)

    def reason_ranges(self, key: str, with_reason: bool) -> ReasonRanges:
        return reason_ranges(self.src, self.name(key), self.raw.get(key, []), with_reason)

    def table(self, key: str, phrases: str) -> CodeTable:
        return table(self.src, self.name(key), self.raw.get(key, []), phrases)

    def characters(self, key: str, default: int, example: str) -> int:
        return characters(self.src, self.name(key), self.raw.get(key, default), example)

    def word_count(self, key: str, default: int) -> int:
        raw = self.raw.get(key, default)
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 < raw <= 20:
            raise self.fail(key, f"{raw!r} is not a number of words (1-20)", f"e.g. {default}")
        return raw

    def child(self, key: str) -> Fields:
        """A nested object (``service_names.heading_line``); {} when absent."""
        raw = self.raw.get(key) or {}
        if not isinstance(raw, Mapping):
            raise self.fail(key, "not an object", f"copy the section from {DEFAULT_RULES_FILE}")
        return Fields(self.src, self.name(key), raw)
