"""What the pipeline needs from a concept linker: the ``ConceptModel`` protocol.

:class:`coding_toolkit.concepts.pack.Pack` (MedCAT) is the one shipped; another linker plugs into
``Pipeline(pack=..., engine=..., context=...)`` by having these members (no base class needed;
``tests/pipeline/test_concept_model.py`` runs the pipeline and the bulk runner on a dictionary one).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from coding_toolkit.records import Mention


@runtime_checkable
class ConceptModel(Protocol):
    #: identity of the model's content: recorded in every output's provenance and in the run ledger,
    #: which refuses to resume a run with another model
    hash: str
    #: where it was loaded from (the provenance's pack name when ``provenance`` has no "name")
    path: Path
    @property
    def provenance(self) -> Mapping[str, Any]:
        """Facts about the model shown with the outputs (``name`` optional)."""
        ...

    @property
    def meta_tasks(self) -> Sequence[str]:
        """Names of the meta-annotation tasks whose values ``Mention.meta`` carries (may be empty)."""
        ...

    def annotate(self, text: str) -> list[Mention]:
        """The concepts found in ``text``, each with its span, SCTID, name and confidence."""
        ...
