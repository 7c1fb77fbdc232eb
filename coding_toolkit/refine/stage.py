"""Refinement: the most specific concept (and code) the note supports, from SNOMED CT's concept model.

Runs after the context stage and before the suggestions (``Refiner.run``). Within one scope (a
sentence, a list item, a "Diagnosis:" statement: ``refine_rules.json: scope_breaks``):

* **compose**: kept mentions and attribute values (organisms, substances, body structures,
  qualifiers) that together entail a fully defined, more specific concept the map codes are replaced
  by it ("gallstones with chronic cholecystitis" -> *Calculus of gallbladder with cholecystitis*;
  "sepsis ... E. coli" -> *Sepsis caused by Escherichia coli*). A negated, family or hypothetical
  part never takes part. The most specific candidate wins; two candidates for the same part, neither
  more specific than the other (a tie), keep the parts.
* **history**: a Historical mention whose concept (or an ancestor) has a history situation the map
  codes is re-linked to it (*History of myocardial infarction* -> I25.2) instead of filtered.
* **allergy**: an item under an allergy heading, or in a scope with "allergic to", is composed with
  its substance into the allergy concept (*Allergy to penicillin* -> Z88.0).

The parts stay in the output, filtered with the reason ``refined into <sctid>``; the new mention
spans them, lists their positions in ``AnnotatedMention.parts`` and says what it was refined from.
Entailment follows the release's definitions: a candidate must be fully defined, each of its parents
an ancestor of a part (or itself entailed), each defining attribute's value an ancestor of a part or
of an attribute value a part already has. Relationship groups are not compared.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from coding_toolkit.records import AnnotatedMention, FilterDecision, MapRow, Mention
from coding_toolkit.refine.index import ConceptModelIndex
from coding_toolkit.refine.inside_names import link_inside_names, word_pattern
from coding_toolkit.refine.rules import RefineRules

ATTRIBUTE_REASON = "attribute value: evidence for refinement, not coded"


@dataclass
class _Part:
    am: AnnotatedMention
    heading: str | None
    pos: int  # index position, -1 unknown
    attribute: bool
    eligible: bool
    refined_into: str | None = None
    parts: list[_Part] = field(default_factory=list)
    index: int = -1  # position in the note's mentions (-1: a refined mention)


class Refiner:
    """The refinement stage over one pack's concept-model index."""

    def __init__(self, index: ConceptModelIndex, rules: RefineRules, lookup: Callable[[str], Sequence[MapRow]],
                 name_of: Callable[[str], str], attribute_types: frozenset[str] = frozenset(),
                 word_pairs: np.ndarray | None = None,
                 named: Callable[[list[str]], list[tuple[str, str, tuple[str, ...]]]] | None = None):
        self.index, self.rules, self.lookup, self.name_of = index, rules, lookup, name_of
        self.attribute_types = attribute_types  # MedCAT type ids of attribute-only tags
        t = rules.attribute_type
        tp = index.type_pos
        self.t_finding = tp(t["associated finding"])
        self.t_agent = tp(t["causative agent"])
        self.t_laterality = tp(t["laterality"])
        h = rules.history
        self.t_temporal = tp(t["temporal context"])
        self.history_types = {tp(t["temporal context"]): {index.pos(x) for x in h["temporal_context"]},
                              tp(t["subject relationship context"]): {index.pos(x) for x in h["subject_relationship_context"]},
                              tp(t["finding context"]): {index.pos(x) for x in h["finding_context"]}}
        self.allergy_roots = {p for p in (index.pos(x) for x in rules.allergy_roots) if p >= 0}
        self._generated: dict[int, frozenset[int]] = {}
        self._lookup = index.compose_lookup(rules.depth, rules.cap, rules.value_cap)  # None: search
        self._codes: dict[int, bool] = {}
        self._by_type: dict[int, dict[int, list[int]]] = {}  # attribute type -> value -> concepts
        self._positions: dict[str, int] = {}
        self._attribute: dict[str, bool] = {}
        self._words = word_pattern(rules.inside_words)
        self._pairs = word_pairs  # Pack.name_word_pairs(): hashes of word pairs inside the pack's names
        self._named = named  # words -> the concepts so named (a dictionary look-up; None: link again)

    def provenance(self) -> dict:
        return {"enabled": True, **self.rules.provenance(), "index": self.index.summary()}

    def link_inside_names(self, text: str, mentions: list[Mention], annotate: Callable[[str], list[Mention]]
                          ) -> list[Mention]:
        """Mentions with names linked across laterality/modifier words (before the context stage)."""
        if not self.rules.on("inside_names"):
            return mentions
        return link_inside_names(text, mentions, annotate, self._words, self.rules.window_chars, self._is_attribute,
                                 self._pairs, self._named)

    # -- helpers ----------------------------------------------------------------------------------
    def _coded(self, pos: int) -> bool:
        cached = self._codes.get(pos)
        if cached is None:
            cached = self._codes[pos] = bool(self.lookup(self.index.sctid(pos)))
        return cached

    def _adds_nothing(self, c: int, used: list[_Part]) -> bool:
        """Whether the candidate's default codes are only codes its parts give already ("Sepsis due to
        urinary tract infection" -> A41.9 + N39.0): such a concept changes nothing a coder sees, and
        must not stand in the way (a tie) of one that does ("Sepsis caused by E. coli", A41.5)."""
        mine = {row.target for row in self.lookup(self.index.sctid(c)) if row.default}
        theirs = {row.target for p in used for row in p.am.codes if row.default}
        return bool(mine) and mine <= theirs

    def _generate(self, pos: int, attribute: bool) -> frozenset[int]:
        """The fully defined concepts a refinement of ``pos`` may be (only those: ``refinement`` rejects
        the others): below it or its parents, or taking it as a value; of an attribute value, only the
        latter. Looked up in the pack's compose arrays; a pack built without them is searched (cached
        either way, as notes repeat concepts)."""
        cached = self._generated.get(pos)
        if cached is None:
            if self._lookup is not None:
                found = self._lookup(pos, attribute)
            else:
                ix, r = self.index, self.rules
                here = np.array([pos], np.int64)
                out = ix.with_values(here)[:r.value_cap]
                if not attribute:
                    parents = np.asarray(ix.parents(pos), np.int64)
                    out = np.concatenate([ix.below(here, r.depth, r.cap), ix.below(parents, r.depth - 1, r.cap), out])
                found = out[ix.a["defined"][out]].tolist()
            cached = frozenset(found)
            if pos in cached:  # a sibling of itself
                cached = cached - {pos}
            if len(self._generated) > 100_000:
                self._generated.clear()
            self._generated[pos] = cached
        return cached

    def _positions_of(self, mentions: Sequence[AnnotatedMention]) -> list[int]:
        """Each mention's index position (-1 unknown), those new to the cache searched at once."""
        known = self._positions
        if len(known) > 200_000:
            known.clear()
        missing = list({am.mention.sctid for am in mentions if am.mention.sctid not in known})
        if missing:
            known.update(zip(missing, self.index.positions(missing)))
        return [known[am.mention.sctid] for am in mentions]

    def _is_attribute(self, m: Mention) -> bool:
        known = self._attribute.get(m.sctid)
        if known is None:
            known = (not m.sctid.isdigit()) or any(t in self.attribute_types for t in m.type_ids)
            if len(self._attribute) > 200_000:
                self._attribute.clear()
            self._attribute[m.sctid] = known
        return known

    # -- the stage ----------------------------------------------------------------------------------
    def run(self, text: str, mentions: Sequence[AnnotatedMention], headings: Sequence[str | None]
            ) -> tuple[tuple[AnnotatedMention, ...], list[str | None]]:
        """The note's mentions with refinements applied, and the heading of each (same order)."""
        if not mentions:
            return tuple(mentions), list(headings)
        parts = []  # the mentions the stage may use or change: indexed concepts and attribute values
        for i, (am, heading, pos) in enumerate(zip(mentions, headings, self._positions_of(mentions))):
            m = am.mention
            attribute = self._is_attribute(m)
            if pos < 0 and not attribute:
                continue
            lab = am.labels
            eligible = (lab.negation == "Affirmed" and lab.experiencer == "Patient" and lab.temporality != "Hypothetical"
                        and (attribute or am.decision.status == "kept"))
            parts.append(_Part(am, heading, pos, attribute, eligible, index=i))
        if not parts:
            return tuple(mentions), list(headings)
        new: list[_Part] = []
        indexed = [p for p in parts if p.eligible and p.pos >= 0]  # composing needs parts the index knows
        allergy_words = "allerg" in text.lower()  # every allergy cue says it (per call: the stage is shared)
        for scope in self._scopes(text, indexed) if indexed else ():
            if self.rules.on("allergy") and self._allergy_scope(text, scope, allergy_words):
                new += self._allergy(text, scope)
            if self.rules.on("compose"):
                new += self._compose(text, scope)
        if self.rules.on("history"):
            new += self._history(parts)
        if not new and not any(p.attribute for p in parts):
            return tuple(mentions), list(headings)
        return _assemble(mentions, headings, parts, new)

    def _scopes(self, text: str, parts: list[_Part]) -> list[list[_Part]]:
        """The parts grouped by scope (only the breaks between the first and the last part are sought)."""
        if len(parts) < 2:
            return [parts]
        lo, hi = min(p.am.mention.start for p in parts), max(p.am.mention.start for p in parts)
        breaks = sorted(m.start() for pattern in self.rules.scope_breaks for m in pattern.finditer(text, lo, hi + 1))
        scopes: dict[int, list[_Part]] = {}
        for p in parts:
            scopes.setdefault(bisect.bisect_right(breaks, p.am.mention.start), []).append(p)
        return list(scopes.values())

    # -- composition ------------------------------------------------------------------------------
    def _compose(self, text: str, scope: list[_Part]) -> list[_Part]:
        ev = [p for p in scope if p.eligible and p.pos >= 0 and p.refined_into is None]
        if len(ev) < 2 or not any(not p.attribute for p in ev):
            return []
        ix = self.index
        kinds = {p.pos: p.attribute for p in ev}
        reached: set[int] = set()
        twice: set[int] = set()  # reached from two parts at least
        for pos, a in kinds.items():
            near = self._generate(pos, a)
            twice |= reached & near
            reached |= near
        candidates = sorted(twice)
        if not candidates:
            return []
        ctx = _Context(ix, ev, self, text)
        found: dict[int, list[_Part]] = {}
        for c in candidates:
            used = ctx.refinement(c)
            if used is not None and self._coded(c) and not self._adds_nothing(c, used):
                found[c] = used
        if not found:
            return []
        best = [c for c in found if not any(d != c and ctx.subsumed(d, c) for d in found)]
        out = []
        for c in best:
            heads = {id(p) for p in found[c] if not p.attribute}
            rivals = [d for d in best if d != c and heads & {id(p) for p in found[d] if not p.attribute}]
            if rivals:
                continue  # a tie: keep the parts
            out.append(self._refined(text, c, found[c]))
        return out

    # -- history situations -------------------------------------------------------------------------
    def _history(self, parts: list[_Part]) -> list[_Part]:
        out = []
        for p in parts:
            lab = p.am.labels
            if (p.pos < 0 or p.attribute or p.refined_into or p.am.decision.status != "filtered"
                    or lab.temporality != "Historical" or lab.negation != "Affirmed" or lab.experiencer != "Patient"):
                continue
            for level in _levels(self.index, p.pos):
                found = {c for a in level for c in self._having(self.t_finding, a) if self._is_history(c, a)}
                found = {c for c in found if self._coded(c)}
                if len(found) == 1:
                    out.append(self._refined(None, found.pop(), [p]))
                if found:
                    break
        return out

    def _is_history(self, c: int, finding: int) -> bool:
        """A situation: this associated finding, in the past, and no other context (family, planned)."""
        has_finding = has_past = False
        for t, v in self.index.attributes(c):
            if t == self.t_finding and v == finding:
                has_finding = True
            elif t in self.history_types and v in self.history_types[t]:
                has_past = has_past or t == self.t_temporal
            else:
                return False
        return has_finding and has_past

    # -- allergies --------------------------------------------------------------------------------
    def _allergy_scope(self, text: str, scope: list[_Part], allergy_words: bool) -> bool:
        if any(p.heading and p.heading.strip().lower() in self.rules.allergy_headings for p in scope):
            return True
        if not allergy_words:
            return False
        start = min(p.am.mention.start for p in scope)
        line_start = text.rfind("\n", 0, start) + 1
        window = text[line_start:max(p.am.mention.end for p in scope)].lower()
        return any(cue in window for cue in self.rules.allergy_cues)

    def _allergy(self, text: str, scope: list[_Part]) -> list[_Part]:
        out = []
        ix = self.index
        for p in scope:
            if not p.eligible or p.pos < 0 or p.refined_into or self._is_allergy(p.pos):
                continue
            for level in _levels(ix, p.pos):
                found = {c for a in level for c in self._having(self.t_agent, a)
                         if self._is_allergy(c) and self._coded(c)}
                if len(found) == 1:
                    out.append(self._refined(text, found.pop(), [p]))
                if found:
                    break
        return out

    def _having(self, type_pos: int, value: int) -> list[int]:
        """Concepts with the attribute (type, value) (each type's table built on first use)."""
        table = self._by_type.get(type_pos)
        if table is None:
            table = self._by_type[type_pos] = self.index.sources_by_type(type_pos)
        return table.get(value, [])

    def _is_allergy(self, pos: int) -> bool:
        return bool(self.allergy_roots & self.index.ancestors(pos))

    # -- output -------------------------------------------------------------------------------------
    def _refined(self, text: str | None, c: int, used: list[_Part]) -> _Part:
        sctid = self.index.sctid(c)
        used = sorted(used, key=lambda p: p.am.mention.start)
        head = next((p for p in used if not p.attribute), used[0])
        start, end = min(p.am.mention.start for p in used), max(p.am.mention.end for p in used)
        span_text = text[start:end] if text is not None else head.am.mention.text
        for p in used:
            p.refined_into = sctid
        mention = Mention(start, end, span_text, sctid, self.name_of(sctid),
                          min(p.am.mention.confidence for p in used), (), {},
                          qualifiers=head.am.mention.qualifiers)
        why = " + ".join(f"'{p.am.mention.text}' ({p.am.mention.sctid})" for p in used)
        am = AnnotatedMention(mention=mention, labels=head.am.labels,
                              decision=FilterDecision("kept", f"refined from {why}"), codes=tuple(self.lookup(sctid)))
        return _Part(am, head.heading, c, False, False, parts=used)


def _assemble(mentions: Sequence[AnnotatedMention], headings: Sequence[str | None], parts: list[_Part],
              new: list[_Part]) -> tuple[tuple[AnnotatedMention, ...], list[str | None]]:
    """The note's mentions with the parts' new decisions and the refined mentions in text order."""
    out, heads = list(mentions), list(headings)
    for p in parts:
        if p.refined_into:
            out[p.index] = replace(p.am, decision=FilterDecision("filtered", f"refined into {p.refined_into}"))
        elif p.attribute:
            out[p.index] = replace(p.am, decision=FilterDecision("filtered", ATTRIBUTE_REASON))
    if not new:
        return tuple(out), heads
    items = [(am.mention.start, am.mention.end, 0, i) for i, am in enumerate(out)]
    items += [(p.am.mention.start, p.am.mention.end, 1, k) for k, p in enumerate(new)]
    items.sort()
    position = {(kind, i): n for n, (_, _, kind, i) in enumerate(items)}
    ordered, ordered_heads = [], []
    for _, _, kind, i in items:
        if kind == 0:
            ordered.append(out[i])
            ordered_heads.append(heads[i])
        else:
            p = new[i]
            ordered.append(replace(p.am, parts=tuple(position[(0, q.index)] for q in p.parts)))
            ordered_heads.append(p.heading)
    return tuple(ordered), ordered_heads


def _levels(ix: ConceptModelIndex, pos: int):
    """``pos``, then its parents, then grandparents ... (breadth first, each concept once)."""
    seen, level = {pos}, [pos]
    while level:
        yield level
        nxt = []
        for node in level:
            for parent in ix.parents(node):
                if parent not in seen:
                    seen.add(parent)
                    nxt.append(parent)
        level = nxt


_ADJACENT = re.compile(r"^[\s-]*(?:the\s+|sided\s+)?$", re.IGNORECASE)


class _Context:
    """One scope's evidence, with the memoised entailment checks."""

    def __init__(self, ix: ConceptModelIndex, evidence: list[_Part], refiner: Refiner, text: str):
        self.ix, self.ev, self.refiner, self.text = ix, evidence, refiner, text
        self.anc = {id(p): ix.ancestors(p.pos) for p in evidence}
        self.findings = [p for p in evidence if not p.attribute]
        self.all_anc = frozenset().union(*self.anc.values())
        self._inherited: dict[int, set[int]] | None = None
        self._entailed: dict[int, bool] = {}

    def inherited(self) -> dict[int, set[int]]:
        """attribute type -> every value (and its ancestors) the evidence findings already have."""
        if self._inherited is None:
            out: dict[int, set[int]] = {}
            for p in self.findings:
                for t, v in self.ix.attributes(p.pos):
                    out.setdefault(t, set()).update(self.ix.ancestors(v))
            self._inherited = out
        return self._inherited

    def _value_parts(self, t: int, v: int, head: _Part | None) -> list[_Part] | None:
        """The evidence stating value ``v`` (None: not covered); [] = inherited from the findings."""
        stated = [p for p in self.ev if v in self.anc[id(p)] and p is not head]
        if t == self.refiner.t_laterality and head is not None:
            stated = [p for p in stated if self._adjacent(p, head)]
        if stated:
            return stated
        return [] if v in self.inherited().get(t, ()) else None

    def _adjacent(self, side: _Part, head: _Part) -> bool:
        a, b = side.am.mention, head.am.mention
        if a.start >= b.start:
            return False
        return bool(_ADJACENT.match(self.text[a.end:b.start]))

    def entailed(self, c: int) -> bool:
        done = self._entailed.get(c)
        if done is not None:
            return done
        self._entailed[c] = False  # cycles (none in a release) end here
        ix = self.ix
        ok = c in self.all_anc or (
            ix.is_defined(c) and all(self.entailed(p) for p in ix.parents(c))
            and all(self._value_parts(t, v, None) is not None for t, v in ix.attributes(c)))
        self._entailed[c] = ok
        return ok

    def refinement(self, c: int) -> list[_Part] | None:
        """The parts ``c`` refines (a head finding it is below, and at least one more), or None."""
        ix = self.ix
        if c in self.all_anc or not ix.is_defined(c):
            return None
        anc_c = ix.ancestors(c)
        heads = [p for p in self.findings if p.pos in anc_c]
        if not heads or not all(self.entailed(p) for p in ix.parents(c)):
            return None
        head = max(heads, key=lambda p: len(self.anc[id(p)]))
        used = {id(head): head}
        for t, v in ix.attributes(c):
            stated = self._value_parts(t, v, head)
            if stated is None:
                return None
            if v not in self.inherited().get(t, ()) or t == self.refiner.t_laterality:
                for p in stated:
                    used.setdefault(id(p), p)
        head_anc = self.anc[id(head)]
        for parent in ix.parents(c):
            if parent in head_anc:
                continue
            for p in self.findings:
                if p is not head and parent in self.anc[id(p)]:
                    used.setdefault(id(p), p)
        for p in heads:
            used.setdefault(id(p), p)
        return list(used.values()) if len(used) >= 2 else None

    def subsumed(self, d: int, c: int) -> bool:
        """Whether ``d`` is at least as specific as ``c`` (below it, or its definition implies c's)."""
        ix = self.ix
        if c in ix.ancestors(d):
            return True
        if not ix.is_defined(c):
            return False
        d_parents = ix.parents(d)
        if not all(any(p in ix.ancestors(q) for q in d_parents) for p in ix.parents(c)):
            return False
        d_attrs = ix.attributes(d)
        return all(any(t == t2 and v in ix.ancestors(v2) for t2, v2 in d_attrs) for t, v in ix.attributes(c))
