"""coding_toolkit: suggest ICD-10 and OPCS-4 codes, with evidence, from clinical free text.

Public API (heavy dependencies such as medcat are imported only when used)::

    from coding_toolkit.pipeline import Pipeline
    from coding_toolkit.mapping.engine import MapEngine
    from coding_toolkit.terminology.release import Release
"""
__version__ = "0.1.0"
__all__ = ["__version__"]
