"""Concept linkers by name: ``RunConfig.linker`` -> the function that loads it from a pack folder.

MedCAT v2's own registry pattern: a name and a ``"module:function"`` path, imported only when the
name is used (so ``coding-toolkit --help`` and the CLI's ``--linker`` choice load no model code).
A linker is anything with the ``concepts.model.ConceptModel`` members; the pack folder it is loaded
from also holds the map store (``maps.sqlite``) the pipeline reads. Adding a linker (a second model,
or a refinement stage wrapping MedCAT): one module with ``load(pack_dir) -> ConceptModel`` and one
line in ``LINKERS`` (or ``register_linker`` from a plugin), usable at once from the CLI, the
library, local workers, Spark executors and the service, which all build the pipeline from a
``RunConfig`` (``Pipeline.from_config``).
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from coding_toolkit.errors import InputError

if TYPE_CHECKING:
    from coding_toolkit.concepts.model import ConceptModel

from coding_toolkit.run_config import DEFAULT_LINKER

# name -> "module:function" taking the pack folder and returning a loaded ConceptModel
LINKERS: dict[str, str] = {
    DEFAULT_LINKER: "coding_toolkit.concepts.pack:load_pack",
}


def register_linker(name: str, target: str) -> None:
    """Make ``name`` load with ``target`` ("module:function"), e.g. from a trust's own package."""
    if ":" not in target:
        raise ValueError(f"linker {name!r}: target {target!r} must be 'module:function'")
    LINKERS[name] = target


def load_linker(name: str, pack_dir: str | Path) -> ConceptModel:
    """The linker ``name`` (a registered name, or a ``"module:function"`` path itself) loaded from
    ``pack_dir``; an unknown name is an InputError naming the choices. A path needs no registration,
    so it also reaches spawned workers and Spark executors, which import only what the name says."""
    target = LINKERS.get(name) or (name if ":" in name else None)
    if target is None:
        raise InputError(f"unknown linker '{name}'; known linkers: {', '.join(sorted(LINKERS))} (or a "
                         "'module:function' path); fix: pass --linker with one of these")
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)(pack_dir)
