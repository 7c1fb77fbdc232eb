"""Build the concept-model index into a pack (``model build`` and the starter pack call these)."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from coding_toolkit.records import ConceptEntry
from coding_toolkit.refine.index import ConceptModelIndex
from coding_toolkit.refine.rules import RefineRules

log = logging.getLogger(__name__)


def index_from_release(release) -> tuple[ConceptModelIndex, np.ndarray]:
    """The index of a release's active inferred relationships, and the ids of the attribute values
    that become names (values of ``name_types`` attributes)."""
    rules = RefineRules.load()
    started = time.time()
    src, dst, typ, defined = release.concept_model()
    index = ConceptModelIndex.build(src, dst, typ, is_a=int(rules.is_a), defined=defined.tolist(),
                                    source={"kind": "release", "relationships": "active inferred"})
    name_types = np.array([int(rules.attribute_type[n]) for n in rules.name_types], np.int64)
    values = np.unique(dst[np.isin(typ, name_types)])
    log.info("concept-model index: %d concepts, %d relationships in %.1fs", len(index.ids), len(src),
             time.time() - started)
    return index, values


def attribute_value_entries(release, values: np.ndarray, requested_tags: Iterable[str] | None) -> Iterator[ConceptEntry]:
    """Names of attribute values (organisms, substances, body structures, qualifiers) the pack does
    not hold as concepts already: the NER finds them, refinement uses them, nothing codes them."""
    rules = RefineRules.load()
    requested = set(requested_tags or ())
    for entry in release.entries_of(values.tolist()):
        if entry.semantic_tag in rules.attribute_only_tags and entry.semantic_tag not in requested:
            yield entry


def save_index(index: ConceptModelIndex | None, pack_dir: Path) -> dict:
    if index is None:
        return {"built": False}
    return {"built": True, **index.save(pack_dir)}
