"""SNOMED CT RF2 release reading: concepts, names, language refsets, is-a hierarchy. Never imports medcat."""

from coding_toolkit.terminology.release import Release

__all__ = ["Release"]
