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
RULE_NAMES = ("never_primary", "alternatives_from_note", "specificity", "service_names", "primary_from_heading",
              "uncertain_final_diagnosis", "explained_symptoms", "status_codes", "opcs_laterality", "primary_focus")
# rules added after trusts may have copied the file: a copy without the section takes the shipped one
# (an upgrade keeps working; the section is switched like any other)
ADDED_LATER = frozenset({"primary_from_heading", "uncertain_final_diagnosis", "explained_symptoms", "status_codes",
                         "opcs_laterality", "primary_focus"})
_CATEGORY = re.compile(r"^[A-Z]\d{2}$")
_CODE = re.compile(r"^[A-Z]\d{2}[0-9X]?$")
CodeRanges = tuple[tuple[str, str], ...]


def _fail(src: str, field: str, problem: str, fix: str) -> ContextRuleError:
    return ContextRuleError(f"{src} field '{field}': {problem}; fix: {fix}")


def _bounds(item: Any) -> tuple[str, str]:
    """(from, to) of a range object, upper case ("to" defaults to "from"); ("", "") when not an object."""
    if not isinstance(item, Mapping):
        return "", ""
    low = str(item.get("from", "")).upper()
    return low, str(item.get("to", low)).upper()


def _ranges(src: str, field: str, raw: Any, with_reason: bool) -> tuple[tuple[str, str, str], ...]:
    if not isinstance(raw, list):
        raise _fail(src, field, "must be a list", 'use [{"from": "V01", "to": "Y98"}]')
    out = []
    for i, item in enumerate(raw):
        low, high = _bounds(item)
        if not (_CATEGORY.match(low) and _CATEGORY.match(high) and low <= high):
            raise _fail(src, f"{field}[{i}]", f"bad range {item!r}",
                        'give 3-character categories without dot, e.g. {"from": "V01", "to": "Y98"}')
        reason = str(item.get("reason") or "") if with_reason else ""
        if with_reason and not reason:
            raise _fail(src, f"{field}[{i}].reason", "missing", "say in words why these codes are never primary")
        out.append((low, high, reason))
    return tuple(out)


def _code_ranges(src: str, field: str, raw: Any) -> CodeRanges:
    """Inclusive ranges of 3-character categories or 4-character codes (no dot), compared on as many
    characters as ``from`` has: E11-E14 holds E11.9 and E14.3; E119-E119 holds E11.9 only."""
    if not isinstance(raw, list):
        raise _fail(src, field, "must be a list", 'use [{"from": "I10", "to": "I15"}]')
    out = []
    for i, item in enumerate(raw):
        low, high = _bounds(item)
        if not (_CODE.match(low) and _CODE.match(high) and len(low) == len(high) and low <= high):
            raise _fail(src, f"{field}[{i}]", f"bad range {item!r}", 'give codes without dot, both 3 characters '
                        '{"from": "I10", "to": "I15"} or both 4 {"from": "E119", "to": "E119"}, from <= to')
        out.append((low, high))
    return tuple(out)


def in_code_ranges(code: str, ranges: CodeRanges) -> bool:
    """Whether a CDS code (``E119``, ``E113D``, ``W391``) falls in one of ``ranges`` (``_code_ranges``)."""
    code = code.replace(" ", "").upper()
    return any(low <= code[:len(low)] <= high for low, high in ranges)


def _table(src: str, field: str, raw: Any, key: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """Rows {"code": CDS code, "why": words, key: [phrases]} -> (code, why, phrases lower case)."""
    if not isinstance(raw, list):
        raise _fail(src, field, "must be a list", f'use [{{"code": "Z921", "why": "...", "{key}": ["warfarin"]}}]')
    out = []
    for i, row in enumerate(raw):
        code = str(row.get("code", "")).upper() if isinstance(row, Mapping) else ""
        if not re.match(r"^[A-Z]\d{2}[0-9X]$", code):
            raise _fail(src, f"{field}[{i}].code", f"{code!r} is not a 4-character CDS code", 'e.g. "Z921"')
        out.append((code, str(row.get("why") or code), _words(src, f"{field}[{i}].{key}", row.get(key))))
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
    not_superseding: frozenset[str]  # CDS codes that never replace an unspecified code of their category
    service_names: bool
    service_reason: str
    service_following: tuple[str, ...]
    service_preceding: tuple[str, ...]
    primary_from_heading: bool
    main_headings: frozenset[str]  # lower case, single spaces (as the context stage gives headings)
    main_heading_not_after: frozenset[str]  # words that make "<word> diagnosis" no main heading
    source: str
    # service names on heading lines ("DISCHARGE SUMMARY - Stroke Medicine"): service_names.py
    heading_document_words: tuple[str, ...] = ()
    heading_service_words: tuple[str, ...] = ()
    heading_title_words: tuple[str, ...] = ()
    heading_max_length: int = 90
    uncertain_final_diagnosis: bool = False
    uncertain_final_reason: str = "uncertain final diagnosis coded as confirmed (standard)"
    explained_symptoms: bool = False
    explained_reason: str = "explained by {code}"
    symptom_ranges: CodeRanges = ()
    never_explains: CodeRanges = ()
    explain_pairs: tuple[tuple[CodeRanges, CodeRanges], ...] = ()  # (symptoms, the diagnoses explaining them)
    explain_concepts: frozenset[tuple[str, str]] = frozenset()  # (symptom SCTID, disorder SCTID)
    status_codes: bool = False
    status_from_history: tuple[tuple[str, str, str, str, str], ...] = ()  # (system, from, to, code, why)
    medication_headings: frozenset[str] = frozenset()
    medications: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (code, why, words)
    allergy_headings: frozenset[str] = frozenset()
    no_allergy_words: tuple[str, ...] = ()
    allergies: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    history_headings: frozenset[str] = frozenset()
    devices: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    ex_smoker: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # one row: (code, why, phrases)
    ex_smoker_current: CodeRanges = ()  # current-smoking codes a mention inside an ex-smoker phrase must not give
    ex_smoker_reason: str = "ex-smoker: Z86.4, not current tobacco use"
    opcs_laterality: bool = False
    laterality_window: int = 40
    laterality_codes: tuple[tuple[str, str], ...] = ()  # (side, code): bilateral, right, left, unstated
    laterality_titles: tuple[tuple[str, str], ...] = ()  # (side, title) where no title file is imported
    laterality_words: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (side, words)
    laterality_categories: CodeRanges = ()
    primary_focus: bool = False
    admission_reasons: CodeRanges = ()
    indication_headings: frozenset[str] = frozenset()
    presenting_headings: frozenset[str] = frozenset()
    arising_words: tuple[str, ...] = ()
    arising_headings: frozenset[str] = frozenset()
    background: CodeRanges = ()

    def __post_init__(self) -> None:
        # rules are cache keys per suggestion and per mention: hash once (consistent with ==)
        object.__setattr__(self, "_hash", hash((self.source, *self.switches().values())))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]

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

    never, alts, spec, service, heading, uncertain, explained, status, lateral, focus = (sections[n] for n in RULE_NAMES)
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
        not_superseding=frozenset(w.upper() for w in _words(path, "specificity.not_superseding",
                                                             spec.get("not_superseding", []))),
        service_names=enabled("service_names"),
        service_reason=str(service.get("reason") or "service name"),
        service_following=_words(path, "service_names.following", service.get("following", [])),
        service_preceding=_words(path, "service_names.preceding", service.get("preceding", [])),
        primary_from_heading=enabled("primary_from_heading"),
        main_headings=frozenset(_words(path, "primary_from_heading.headings", heading.get("headings", []))),
        main_heading_not_after=frozenset(_single_words(path, "primary_from_heading.not_after",
                                                       heading.get("not_after", []))),
        source=path,
        **_added_rules(path, service, uncertain, explained, status, lateral, focus, enabled),
    )


def _characters(src: str, field: str, raw: Any, example: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 < raw <= 500:
        raise _fail(src, field, f"{raw!r} is not a number of characters (1-500)", example)
    return raw


def _added_rules(path: str, service: Mapping, uncertain: Mapping, explained: Mapping, status: Mapping,
                 lateral: Mapping, focus: Mapping, enabled) -> dict[str, Any]:
    """The fields of the rules added by issue 29 (each section validated; docs/coders.md)."""
    line = service.get("heading_line", {})
    pairs = []
    for i, pair in enumerate(explained.get("pairs", [])):
        if not isinstance(pair, Mapping):
            raise _fail(path, f"explained_symptoms.pairs[{i}]", "not an object",
                        'use {"symptoms": [{"from": "R00", "to": "R09"}], "explained_by": [{"from": "I00", "to": "I99"}]}')
        pairs.append((_code_ranges(path, f"explained_symptoms.pairs[{i}].symptoms", pair.get("symptoms")),
                      _code_ranges(path, f"explained_symptoms.pairs[{i}].explained_by", pair.get("explained_by"))))
    concepts = []
    for i, pair in enumerate(explained.get("concept_pairs", [])):
        ids = (str(pair.get("symptom", "")), str(pair.get("explained_by", ""))) if isinstance(pair, Mapping) else ("", "")
        if not all(x.isdigit() for x in ids):
            raise _fail(path, f"explained_symptoms.concept_pairs[{i}]", "needs two SCTIDs",
                        'use {"symptom": "29857009", "explained_by": "22298006"}')
        concepts.append(ids)
    history = []
    for i, row in enumerate(status.get("from_history", [])):
        system = row.get("system") if isinstance(row, Mapping) else None
        if system not in ("ICD-10", "OPCS-4"):
            raise _fail(path, f"status_codes.from_history[{i}].system", f"{system!r}", 'write "ICD-10" or "OPCS-4"')
        (low, high), = _code_ranges(path, f"status_codes.from_history[{i}]", [row])
        (code, why, _), = _table(path, f"status_codes.from_history[{i}]", [{**row, "w": ["x"]}], "w")
        history.append((system, low, high, code, why))
    smoker = status.get("ex_smoker") or {}
    if not isinstance(smoker, Mapping):
        raise _fail(path, "status_codes.ex_smoker", "not an object", f"copy the section from {DEFAULT_RULES_FILE}")
    sides = ("bilateral", "right", "left", "unstated")
    codes, words = lateral.get("codes", {}), lateral.get("words", {})
    if not isinstance(codes, Mapping) or set(codes) != set(sides):
        raise _fail(path, "opcs_laterality.codes", "needs bilateral, right, left and unstated",
                    '{"bilateral": "Z941", "right": "Z942", "left": "Z943", "unstated": "Z944"}')
    window = _characters(path, "opcs_laterality.window", lateral.get("window", 40), "e.g. 40")
    longest = _characters(path, "service_names.heading_line.max_length", line.get("max_length", 90), "e.g. 90")
    return dict(
        heading_document_words=_words(path, "service_names.heading_line.document_words", line.get("document_words", [])),
        heading_service_words=_words(path, "service_names.heading_line.service_words", line.get("service_words", [])),
        heading_title_words=_words(path, "service_names.heading_line.title_words", line.get("title_words", [])),
        heading_max_length=longest,
        uncertain_final_diagnosis=enabled("uncertain_final_diagnosis"),
        uncertain_final_reason=str(uncertain.get("reason") or "uncertain final diagnosis coded as confirmed (standard)"),
        explained_symptoms=enabled("explained_symptoms"),
        explained_reason=str(explained.get("reason") or "explained by {code}"),
        symptom_ranges=_code_ranges(path, "explained_symptoms.symptoms", explained.get("symptoms", [])),
        never_explains=_code_ranges(path, "explained_symptoms.never_explains", explained.get("never_explains", [])),
        explain_pairs=tuple(pairs), explain_concepts=frozenset(concepts),
        status_codes=enabled("status_codes"), status_from_history=tuple(history),
        medication_headings=frozenset(_words(path, "status_codes.medication_headings", status.get("medication_headings", []))),
        medications=_table(path, "status_codes.medications", status.get("medications", []), "words"),
        allergy_headings=frozenset(_words(path, "status_codes.allergy_headings", status.get("allergy_headings", []))),
        no_allergy_words=_words(path, "status_codes.no_allergy_words", status.get("no_allergy_words", [])),
        allergies=_table(path, "status_codes.allergies", status.get("allergies", []), "words"),
        history_headings=frozenset(_words(path, "status_codes.history_headings", status.get("history_headings", []))),
        devices=_table(path, "status_codes.devices", status.get("devices", []), "phrases"),
        ex_smoker=_table(path, "status_codes.ex_smoker", [smoker] if smoker else [], "phrases"),
        ex_smoker_current=_code_ranges(path, "status_codes.ex_smoker.current_codes", smoker.get("current_codes", [])),
        ex_smoker_reason=str(smoker.get("reason") or "ex-smoker: Z86.4, not current tobacco use"),
        opcs_laterality=enabled("opcs_laterality"), laterality_window=window,
        laterality_codes=tuple((side, str(codes[side]).upper()) for side in sides),
        laterality_titles=tuple((side, str(title)) for side, title in lateral.get("titles", {}).items()
                                if side in sides and isinstance(title, str)),
        laterality_words=tuple((side, _words(path, f"opcs_laterality.words.{side}", words.get(side)))
                               for side in sides[:3]),
        laterality_categories=_code_ranges(path, "opcs_laterality.categories", lateral.get("categories", [])),
        primary_focus=enabled("primary_focus"),
        admission_reasons=_code_ranges(path, "primary_focus.admission_reasons", focus.get("admission_reasons", [])),
        indication_headings=frozenset(_words(path, "primary_focus.indication_headings", focus.get("indication_headings", []))),
        presenting_headings=frozenset(_words(path, "primary_focus.presenting_headings", focus.get("presenting_headings", []))),
        arising_words=_words(path, "primary_focus.arising_words", focus.get("arising_words", [])),
        arising_headings=frozenset(_words(path, "primary_focus.arising_headings", focus.get("arising_headings", []))),
        background=_code_ranges(path, "primary_focus.background", focus.get("background", [])),
    )


def _shipped_section(name: str) -> Any:
    return json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8")).get(name)


def in_ranges(category: str, ranges: tuple[tuple[str, str, str], ...]) -> str | None:
    """The reason of the first (from, to, reason) range holding a 3-character category, else None."""
    for low, high, reason in ranges:
        if low <= category <= high:
            return reason or f"{low}-{high}"
    return None
