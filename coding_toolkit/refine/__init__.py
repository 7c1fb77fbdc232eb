"""Refinement with SNOMED CT's concept model: the most specific concept (and code) a note supports.

``index.py`` (the pack's compact index of parents and defining attributes), ``build.py`` (from a
release; ``starter.py`` derives it from FSN text for the starter pack), ``rules.py`` (the data in
``data/refine_rules.json`` and the switches from the policy file), ``stage.py`` (the stage after
context, before suggestions), ``inside_names.py`` (laterality and modifiers inside a name).
"""
from __future__ import annotations

from typing import Any

__all__ = ["refiner_for"]


def refiner_for(pack: Any, engine: Any, policy: Any = None):
    """The stage for a loaded pack, or None when the pack has no concept-model index or the policy
    switches refinement off."""
    from coding_toolkit.concepts.build import type_of
    from coding_toolkit.refine.rules import RefineRules, overrides_from_policy
    from coding_toolkit.refine.stage import Refiner

    overrides, where = overrides_from_policy(getattr(policy, "source", None))
    rules = RefineRules.load(overrides, where=where)
    index = getattr(pack, "concept_model", None)
    if index is None or not rules.enabled:
        return None
    attribute_types = frozenset(type_of(tag)[0] for tag in rules.attribute_only_tags)
    name_of = getattr(pack, "concept_name", lambda sctid: sctid)
    pairs = named = None
    if rules.on("inside_names") and hasattr(pack, "name_word_pairs"):
        pairs = pack.name_word_pairs()  # at load: forked workers share it

        def named(words: list[str]) -> list[tuple[str, str, tuple[str, ...]]]:
            return [(c, name_of(c), pack.concept_types(c)) for c in pack.concepts_named(words)]
    return Refiner(index, rules, engine.lookup, name_of, attribute_types, pairs, named)
