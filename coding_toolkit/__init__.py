"""coding_toolkit: suggest ICD-10 and OPCS-4 codes, with evidence, from clinical free text.

Use from Python (README, "Use from Python"; docs/architecture.md)::

    import coding_toolkit as ct
    summary = ct.annotate("notes.jsonl", ct.RunConfig(format="csv"), "suggestions.csv")

Heavy dependencies (medcat, torch, pandas, SQLAlchemy) load only when a name that needs them is used:
``import coding_toolkit`` stays light, like ``coding-toolkit --help``.
"""
__version__ = "0.1.0"

# the public surface (tests/test_public_api.py pins names and signatures): name -> defining module
_PUBLIC = {
    "annotate": "coding_toolkit.api",
    "RunConfig": "coding_toolkit.run_config",
    "Pipeline": "coding_toolkit.pipeline",
    "NoteRejected": "coding_toolkit.pipeline",
    "RunSummary": "coding_toolkit.bulk.runner",
    "Rejected": "coding_toolkit.bulk.runner",
    "Note": "coding_toolkit.records",
    "NoteResult": "coding_toolkit.records",
    "AnnotatedMention": "coding_toolkit.records",
    "Mention": "coding_toolkit.records",
    "CodeSuggestion": "coding_toolkit.records",
    "CodeSystem": "coding_toolkit.records",
    "MapRow": "coding_toolkit.records",
    "read_notes": "coding_toolkit.io.notes_reader",
    "open_sink": "coding_toolkit.io.sinks",
    "load_pack": "coding_toolkit.concepts.pack",
    "MapEngine": "coding_toolkit.mapping.engine",
    "MapStore": "coding_toolkit.mapping.store",
    "Release": "coding_toolkit.terminology.release",
    "ToolkitError": "coding_toolkit.errors",
    "InputError": "coding_toolkit.errors",
}
__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'coding_toolkit' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
