"""NHS SNOMED CT -> ICD-10 / OPCS-4 maps: SQL import, look-up by block/group/priority, code formats."""

from coding_toolkit.mapping.codes import is_classifiable, target_kind, to_cds, to_display
from coding_toolkit.mapping.engine import MapEngine, default_priority
from coding_toolkit.mapping.store import ImportReport, MapStore

__all__ = [
    "MapEngine",
    "MapStore",
    "ImportReport",
    "default_priority",
    "to_display",
    "to_cds",
    "target_kind",
    "is_classifiable",
]
