"""NHS SNOMED CT -> ICD-10 / OPCS-4 maps: SQL import, look-up by block/group/priority, code formats.

The code helpers (``codes``) are pure; the engine and the store (SQLAlchemy) load on first use.
"""

from coding_toolkit.mapping.codes import is_classifiable, target_kind, to_cds, to_display

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

_LAZY = {"MapEngine": "coding_toolkit.mapping.engine", "default_priority": "coding_toolkit.mapping.engine",
         "MapStore": "coding_toolkit.mapping.store", "ImportReport": "coding_toolkit.mapping.store"}


def __getattr__(name: str):
    if name in _LAZY:  # SQLAlchemy only when the store or engine is asked for
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
