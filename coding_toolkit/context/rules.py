"""Load and validate ConText rule files (triggers, sections, sentence abbreviations).

A rule file is JSON (see ``data/context_rules.json``)::

    {"categories": {"NEGATED_EXISTENCE": {"negation": "Negated"}, ...},
     "rules": [{"literals": ["no", "denies"], "category": "NEGATED_EXISTENCE", "direction": "FORWARD",
                "max_scope": null, "terminates": null},
               {"pattern": "(?<!\\w)(?:\\d+|a|one) years? ago", "first_tokens": ["<num>", "a", "one"], ...}],
     "sections": [{"headings": ["past medical history", "pmh"], "sets": {"temporality": "Historical"}}],
     "sentence_abbreviations": ["dr", "e.g"],
     "yields_to": {"UNCERTAIN": ["HISTORICAL"]}}

``yields_to``: a category whose trigger loses the tasks it sets to a listed category's trigger in
scope, at any distance ("history of possible seizure" stays Historical).

``load_rules(path, extra=...)`` merges extra files/dicts after the base file: their categories,
rules and sections are added; a literal defined again in a later file replaces the earlier rule for
that literal (within one file, a literal or pattern defined twice is an error: one of them would be dead).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coding_toolkit.errors import ContextRuleError

DEFAULT_RULES = Path(__file__).with_name("data") / "context_rules.json"
# cue families kept in their own files, merged after the base file when no rule file is named
# ("resolved" during the stay: a weak temporality that any other cue or section overrides; social-history
# content: tobacco, alcohol and drug use statements take the social-history section's value without its heading)
DEFAULT_EXTRA_RULES = (Path(__file__).with_name("data") / "resolution_rules.json",
                       Path(__file__).with_name("data") / "social_history_rules.json",
                       # "Has prostate cancer" under a past-history heading: current
                       Path(__file__).with_name("data") / "ongoing_rules.json")

DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO")
# the three tasks and their allowed values, as in records.ContextLabels
TASK_VALUES: dict[str, tuple[str, ...]] = {
    "negation": ("Affirmed", "Negated"),
    "temporality": ("Recent", "Historical", "Hypothetical", "Resolved", "Uncertain"),
    "experiencer": ("Patient", "Other"),
}
# Triggers are looked up per token: a word (\w+) or one other non-space character. A pattern's
# optional "first_tokens" lists the (lower-case) tokens its matches can start with; "<num>" stands
# for any token starting with a digit. Without it a pattern is tried at every character (slower).
TOKEN_RE = re.compile(r"\w+|[^\w\s]")
NUMBER_TOKEN = "<num>"


@dataclass(frozen=True)
class ContextRule:
    """One trigger: a literal phrase or a regex, with its category and scope."""

    literal: str | None
    pattern: str | None
    categories: tuple[str, ...]
    direction: str
    # max words between trigger and target; None = to the sentence end; 0 = touching: only white space
    # between (or the trigger opens the target: "smoker", "illicit drugs", not "smoker with chest pain")
    max_scope: int | None = None
    terminates: tuple[str, ...] | None = None  # TERMINATE: which categories; None = all
    source: str = ""  # "file:rule-index", for messages
    first_tokens: tuple[str, ...] | None = None  # pattern only: tokens a match starts with; None = scan all
    # the scope also reaches over a list the trigger opens ("risk of anaesthesia, bleeding, infection and
    # DVT"): every item short, no clause between (``ListScope``)
    over_lists: bool = False

    @property
    def key(self) -> str:
        return self.literal if self.literal is not None else f"/{self.pattern}/"


@dataclass(frozen=True)
class SectionRule:
    headings: tuple[str, ...]
    sets: Mapping[str, str]  # task -> value for mentions under the heading
    # a diagnostic statement ("impression"): joined to a plan heading by "/" it makes a plan section
    joins_plan: bool = False


@dataclass(frozen=True)
class ListScope:
    """What a list is, for the triggers whose scope reaches over one (``"over_lists": true``): items joined by
    ``separators`` (a comma among them), each at most ``item_words`` words and holding none of the
    ``clause_words`` (a verb or subject: "risk of bleeding was discussed given his ulcer" is no list), in a
    sentence holding one of the ``discussion_words`` (risks discussed, explained, consented: not a problem list)."""
    separators: tuple[str, ...] = ()
    item_words: int = 0
    clause_words: frozenset[str] = frozenset()
    discussion_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    categories: Mapping[str, Mapping[str, str]]  # category -> {task: value}
    rules: tuple[ContextRule, ...]
    sections: tuple[SectionRule, ...]
    abbreviations: tuple[str, ...]
    sources: tuple[str, ...]  # files (or "<dict>") the rules came from
    # categories whose value holds only when no other trigger in scope, nor the section, sets that task
    weak_categories: frozenset[str] = frozenset()
    # category -> categories it yields its tasks to when both have a trigger in scope (at any distance)
    yields_to: Mapping[str, frozenset[str]] = field(default_factory=dict)
    lists: ListScope = ListScope()


def normalise_literal(text: str) -> str:
    return " ".join(text.lower().split())


def _fail(src: str, index: int | None, field: str, problem: str, fix: str) -> ContextRuleError:
    where = src if index is None else f"{src} rule #{index}"
    return ContextRuleError(f"{where} field '{field}': {problem}; fix: {fix}")


def read_json_object(path: str | Path, what: str, shape_fix: str) -> Mapping[str, Any]:
    """A JSON object from a user-editable data file; errors name the file, line and fix
    (shared by the rule, policy and MetaCAT task-table files)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ContextRuleError(f"{path}: cannot read {what} ({err.strerror}); fix: pass an existing JSON file") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ContextRuleError(
            f"{path}:{err.lineno} column {err.colno}: not valid JSON ({err.msg}); fix: correct the JSON syntax") from err
    if not isinstance(data, Mapping):
        raise ContextRuleError(f"{path}: {what} must be a JSON object; fix: {shape_fix}")
    return data


def _read(source: str | Path | Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    if isinstance(source, Mapping):
        return "<rules dict>", source
    return str(source), read_json_object(source, "rule file", 'use {"rules": [...]}')


def _parse_rule(src: str, index: int, raw: Any, categories: Mapping[str, Any]) -> list[ContextRule]:
    if not isinstance(raw, Mapping):
        raise _fail(src, index, "<rule>", f"must be an object, got {type(raw).__name__}", "write the rule as {...}")
    unknown = set(raw) - {"literal", "literals", "pattern", "category", "direction", "max_scope", "terminates",
                          "first_tokens", "over_lists", "comment"}
    if unknown:
        raise _fail(src, index, sorted(unknown)[0], "unknown field",
                    "use literal/literals/pattern/first_tokens/category/direction/max_scope/terminates/over_lists")
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        raise _fail(src, index, "direction", f"{direction!r} is not valid", f"use one of {', '.join(DIRECTIONS)}")
    cats = raw.get("category")
    cats = () if cats is None else ((cats,) if isinstance(cats, str) else tuple(cats))
    if not cats and direction not in ("TERMINATE", "PSEUDO"):
        raise _fail(src, index, "category", "missing", f"use one of {', '.join(sorted(categories))}")
    for cat in cats:
        if cat not in categories:
            raise _fail(src, index, "category", f"unknown category {cat!r}",
                        f"use one of {', '.join(sorted(categories))} or declare it under \"categories\"")
    terminates = raw.get("terminates")
    if terminates is not None:
        if isinstance(terminates, str):
            terminates = [terminates]
        bad = [c for c in terminates if c not in categories]
        if bad:
            raise _fail(src, index, "terminates", f"unknown category {bad[0]!r}",
                        f"use categories from {', '.join(sorted(categories))}")
        terminates = tuple(terminates)
    max_scope = raw.get("max_scope")
    if max_scope is not None and (not isinstance(max_scope, int) or isinstance(max_scope, bool) or max_scope < 0):
        raise _fail(src, index, "max_scope", f"{max_scope!r} is not a word count",
                    "use a word count (0 = only white space between), or null")
    over_lists = raw.get("over_lists", False)
    if not isinstance(over_lists, bool):
        raise _fail(src, index, "over_lists", f"{over_lists!r} is not true/false", "write true or false")
    literals = raw.get("literals", [])
    if "literal" in raw:
        literals = [raw["literal"], *literals]
    pattern = raw.get("pattern")
    if not literals and not pattern:
        raise _fail(src, index, "literal", "the rule has no literal, literals or pattern", "add one of them")
    out = []
    for lit in literals:
        if not isinstance(lit, str) or not lit.strip():
            raise _fail(src, index, "literals", f"{lit!r} is not a non-empty string", "write the trigger phrase")
        out.append(ContextRule(normalise_literal(lit), None, cats, direction, max_scope, terminates,
                               f"{src} rule #{index}", over_lists=over_lists))
    if pattern:
        if not isinstance(pattern, str):
            raise _fail(src, index, "pattern", "must be a string", "write a Python regular expression")
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as err:
            raise _fail(src, index, "pattern", f"invalid regular expression ({err})", "correct the regex") from err
        out.append(ContextRule(None, pattern, cats, direction, max_scope, terminates, f"{src} rule #{index}",
                               _parse_first_tokens(src, index, raw), over_lists))
    elif "first_tokens" in raw:
        raise _fail(src, index, "first_tokens", "only applies to a pattern", "remove it or add a \"pattern\"")
    return out


def _parse_first_tokens(src: str, index: int, raw: Mapping[str, Any]) -> tuple[str, ...] | None:
    tokens = raw.get("first_tokens")
    if tokens is None:
        return None
    if not isinstance(tokens, list) or not tokens:
        raise _fail(src, index, "first_tokens", f"{tokens!r} is not a non-empty list",
                    'list the tokens a match starts with, e.g. ["in", "<num>"], or drop the field')
    for token in tokens:
        if token != NUMBER_TOKEN and not (isinstance(token, str) and TOKEN_RE.fullmatch(token)):
            raise _fail(src, index, "first_tokens", f"{token!r} is not one token",
                        f'use a single word (letters/digits/_), one punctuation character, or "{NUMBER_TOKEN}"')
    return tuple(dict.fromkeys(t.lower() for t in tokens))


def _parse_lists(src: str, raw: Any) -> ListScope:
    fix = ('{"separators": [",", "and", "or"], "item_words": 6, "clause_words": ["was", "were", "has"], '
           '"discussion_words": ["discussed", "explained"]}')
    if not isinstance(raw, Mapping):
        raise _fail(src, None, "lists", "must be an object", f"use {fix}")
    words = {}
    for key in ("separators", "clause_words", "discussion_words"):
        value = raw.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(w, str) and w.strip() for w in value):
            raise _fail(src, None, f"lists.{key}", "must be a non-empty list of strings", f"use {fix}")
        words[key] = tuple(normalise_literal(w) for w in value)
    item_words = raw.get("item_words")
    if not isinstance(item_words, int) or isinstance(item_words, bool) or item_words < 1:
        raise _fail(src, None, "lists.item_words", f"{item_words!r} is not a word count", f"use {fix}")
    return ListScope(words["separators"], item_words, frozenset(words["clause_words"]), words["discussion_words"])


def _parse_categories(src: str, raw: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, Mapping):
        raise _fail(src, None, "categories", "must be an object of category -> {task: value}",
                    'e.g. {"NEGATED_EXISTENCE": {"negation": "Negated"}}')
    out = {}
    for name, sets in raw.items():
        out[name] = _parse_sets(src, f"categories.{name}", sets)
    return out


def _parse_sets(src: str, field: str, sets: Any) -> dict[str, str]:
    if not isinstance(sets, Mapping):
        raise _fail(src, None, field, "must be an object of task -> value", 'e.g. {"temporality": "Historical"}')
    for task, value in sets.items():
        if task not in TASK_VALUES:
            raise _fail(src, None, field, f"unknown task {task!r}", f"use one of {', '.join(TASK_VALUES)}")
        if value not in TASK_VALUES[task]:
            raise _fail(src, None, field, f"unknown {task} value {value!r}",
                        f"use one of {', '.join(TASK_VALUES[task])}")
    return dict(sets)


def load_rules(path: str | Path | Mapping[str, Any] | None = None,
               extra: Iterable[str | Path | Mapping[str, Any]] | str | Path | Mapping[str, Any] | None = None
               ) -> RuleSet:
    """Load the base rule file (default: the shipped one and ``DEFAULT_EXTRA_RULES``) and merge ``extra``
    files or dicts after it."""
    sources: list[str | Path | Mapping[str, Any]] = [DEFAULT_RULES, *DEFAULT_EXTRA_RULES] if path is None else [path]
    if extra is not None:
        sources.extend([extra] if isinstance(extra, (str, Path, Mapping)) else list(extra))
    categories: dict[str, dict[str, str]] = {}
    by_key: dict[str, ContextRule] = {}
    sections: list[SectionRule] = []
    abbreviations: list[str] = []
    weak: set[str] = set()
    yields: dict[str, frozenset[str]] = {}
    lists = ListScope()
    names = []
    for source in sources:
        src, data = _read(source)
        names.append(src)
        unknown = set(data) - {"description", "version", "categories", "rules", "sections", "sentence_abbreviations",
                               "weak_categories", "yields_to", "lists"}
        if unknown:
            raise _fail(src, None, sorted(unknown)[0], "unknown top-level field",
                        "use categories/rules/sections/sentence_abbreviations/weak_categories/yields_to/lists")
        if "lists" in data:  # a later file's definition replaces an earlier one
            lists = _parse_lists(src, data["lists"])
        categories.update(_parse_categories(src, data.get("categories", {})))
        if not categories:
            raise _fail(src, None, "categories", "no categories defined",
                        'declare e.g. {"NEGATED_EXISTENCE": {"negation": "Negated"}}')
        rules = data.get("rules", [])
        if not isinstance(rules, Sequence) or isinstance(rules, (str, bytes)):
            raise _fail(src, None, "rules", "must be a list of rule objects", 'use "rules": [{...}, ...]')
        defined_here: dict[str, int] = {}  # key -> index of the rule of this file defining it
        for index, raw in enumerate(rules):
            for rule in _parse_rule(src, index, raw, categories):
                if rule.key in defined_here:
                    # within one file a second definition is a slip: it would silently replace the first
                    raise _fail(src, index, "literals" if rule.literal is not None else "pattern",
                                f"{rule.key!r} is already defined by rule #{defined_here[rule.key]} of this file",
                                "keep one definition (BIDIRECTIONAL covers both sides of the target); to "
                                "override a shipped rule, define it again in a file of your own")
                defined_here[rule.key] = index
                by_key.pop(rule.key, None)  # a later file's definition replaces (and re-orders) an earlier one
                by_key[rule.key] = rule
        for index, raw in enumerate(data.get("sections", [])):
            if not isinstance(raw, Mapping) or not raw.get("headings"):
                raise _fail(src, None, f"sections[{index}].headings", "missing or empty",
                            'use {"headings": ["past medical history"], "sets": {...}}')
            sets = _parse_sets(src, f"sections[{index}].sets", raw.get("sets", {}))
            joins_plan = raw.get("joins_plan", False)
            if not isinstance(joins_plan, bool):
                raise _fail(src, None, f"sections[{index}].joins_plan", f"{joins_plan!r} is not true or false",
                            'use "joins_plan": true for diagnostic statements ("impression"), else leave it out')
            sections.append(SectionRule(tuple(normalise_literal(h) for h in raw["headings"]), sets, joins_plan))
        abbreviations.extend(a.lower().rstrip(".") for a in data.get("sentence_abbreviations", []))
        for cat in data.get("weak_categories", []):
            if cat not in categories:
                raise _fail(src, None, "weak_categories", f"unknown category {cat!r}",
                            f"use categories from {', '.join(sorted(categories))}")
            weak.add(cat)
        raw_yields = data.get("yields_to", {})
        if not isinstance(raw_yields, Mapping):
            raise _fail(src, None, "yields_to", "must be an object of category -> [categories]",
                        'e.g. {"UNCERTAIN": ["HISTORICAL"]}')
        for cat, over in raw_yields.items():
            over = [over] if isinstance(over, str) else over
            bad = [c for c in [cat, *over] if c not in categories] if isinstance(over, list) else [cat]
            if bad:
                raise _fail(src, None, f"yields_to.{cat}", f"unknown category {bad[0]!r} (or not a list)",
                            f"use categories from {', '.join(sorted(categories))}")
            yields[cat] = yields.get(cat, frozenset()) | frozenset(over)
    return RuleSet(categories, tuple(by_key.values()), tuple(sections), tuple(dict.fromkeys(abbreviations)),
                   tuple(names), frozenset(weak), yields, lists)
