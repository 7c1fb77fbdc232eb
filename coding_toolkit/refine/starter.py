"""The starter pack's concept model, derived from FSN text (the GPS list has ids and FSNs only).

"Calculus of gallbladder with cholecystitis" -> parents *Gallbladder calculus* and *Cholecystitis*;
"Sepsis caused by Escherichia coli" -> parent *Sepsis*, causative agent *Escherichia coli*;
"History of myocardial infarction" -> associated finding *Myocardial infarction*, in the past;
"Allergy to penicillin" -> parent *Allergy to substance*, causative agent ``ATTR:PENICILLIN`` (a
starter attribute name: not an SCTID, never coded). A pattern applies only when every part is a GPS
concept by an unambiguous name or a known attribute name (``refine_rules.json: starter``);
otherwise the concept is left out. Derived concepts count as fully defined; there is no is-a between
GPS concepts other than these derived parents.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from coding_toolkit.records import ConceptEntry
from coding_toolkit.refine.rules import RefineRules
from coding_toolkit.terminology.rf2 import strip_tag
from coding_toolkit.terminology.variants import name_key

_OF = re.compile(r"^(\w+) of (\w+)$", re.IGNORECASE)


def _slug(name: str) -> str:
    # upper case: MedCAT keeps concept ids upper-cased
    return "ATTR:" + re.sub(r"[^A-Z0-9]+", "-", name.upper()).strip("-")


def attribute_entries(rules: RefineRules) -> list[ConceptEntry]:
    """The known attribute names as concepts for the NER (tag 'substance': attribute-only)."""
    return [ConceptEntry(sctid=_slug(name), preferred_term=name, fsn=f"{name} (substance)",
                         semantic_tag="substance", synonyms=tuple(s for s in synonyms if s != name))
            for name, synonyms in rules.starter_attribute_names.items()]


def derive(entries: Iterable[ConceptEntry], rules: RefineRules):
    """(src, dst, type arrays, defined ids, local ids, summary) of the relationships the FSNs state."""
    entries = list(entries)
    by_name: dict[str, set[str]] = {}
    for e in entries:
        for name in (e.preferred_term, strip_tag(e.fsn), *e.synonyms):
            if name:
                by_name.setdefault(name_key(name), set()).add(e.sctid)
    local = {name_key(n): _slug(n) for n in rules.starter_attribute_names}

    def concept(text: str) -> str | None:
        ids = by_name.get(name_key(text))
        swapped = _OF.match(text)
        if not ids and swapped:  # "Calculus of gallbladder" is named "Gallbladder calculus"
            ids = by_name.get(name_key(f"{swapped.group(2)} {swapped.group(1)}"))
        if ids and len(ids) == 1:
            return next(iter(ids))
        return None

    t = rules.attribute_type
    rows: list[tuple[str, str, str]] = []
    derived: dict[str, str] = {}
    for e in entries:
        fsn = strip_tag(e.fsn)
        for pattern, kind, parent in rules.starter_patterns:
            m = pattern.match(fsn)
            if not m:
                continue
            new = _relations(kind, m.groupdict(), parent, concept, local, rules, t)
            if new and all(dst != e.sctid for _, dst in new):
                rows += [(e.sctid, dst, typ) for typ, dst in new]
                derived[e.sctid] = kind
                break
    locals_used = sorted({dst for _, dst, _ in rows if not dst.isdigit()})
    local_pos = {name: -(i + 1) for i, name in enumerate(locals_used)}

    def key(sctid: str) -> int:
        return int(sctid) if sctid.isdigit() else local_pos[sctid]

    src = np.array([key(s) for s, _, _ in rows], np.int64)
    dst = np.array([key(d) for _, d, _ in rows], np.int64)
    typ = np.array([int(x) for _, _, x in rows], np.int64)
    kinds: dict[str, int] = {}
    for kind in derived.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    # "Acute X" is-a X, but acute is more than X (its clinical course is not derived): not defined
    defined = [int(s) for s, kind in derived.items() if kind != "parent"]
    return src, dst, typ, defined, locals_used, {"derived_from_fsn": kinds}


def _relations(kind, parts, parent, concept, local, rules: RefineRules, t) -> list[tuple[str, str]] | None:
    """(type, destination) rows for one FSN match, or None when a part is not a known concept/name."""
    isa = rules.is_a

    def value(text):
        return concept(text) or local.get(name_key(text))

    if kind == "history":
        finding = concept(parts["finding"])
        if not finding:
            return None
        h = rules.history
        return [(t["associated finding"], finding), (t["temporal context"], h["temporal_context"][0]),
                (t["subject relationship context"], h["subject_relationship_context"][0])]
    if kind == "allergy":
        agent = value(parts["agent"])
        return [(isa, parent), (t["causative agent"], agent)] if agent else None
    if kind == "parent":
        x = concept(parts["x"])
        return [(isa, x)] if x else None
    if kind == "laterality":
        x, side = concept(parts["x"]), rules.starter_laterality.get(parts["side"].lower())
        return [(isa, x), (t["laterality"], side)] if x and side else None
    x = concept(parts["x"])
    if not x:
        return None
    if kind == "with":
        y = concept(parts["y"])
        return [(isa, x), (isa, y)] if y and y != x else None
    other = value(parts["agent" if kind == "causative agent" else "cause"])
    return [(isa, x), (t[kind], other)] if other else None
