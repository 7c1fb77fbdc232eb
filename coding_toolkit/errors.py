"""The exception tree. Every message names the bad value, where it is (file, line, field) and the fix.

    ToolkitError                 base; the CLI prints ``str(err)`` and exits 2, no traceback
     +-- InputError              notes input: missing column, unreadable file, bad encoding
     +-- ReleaseError            RF2 release folder or file: missing, malformed row, bad header
     +-- MapError                map refsets: unknown refset, unexpected columns, unknown SCTID
     +-- PackError               model pack: missing, corrupt, hash mismatch, wrong version
     +-- ContextRuleError        context rule/policy/task-table files, unknown task or value
     +-- TrainingError           training/evaluation data (MedCATtrainer exports)
     +-- MissingExtraError       an optional dependency is not installed (names the pip fix)
     +-- RunFailed               most notes of a run failed in processing (exit 3; output kept)
"""
from __future__ import annotations


class ToolkitError(Exception):
    """Base class: a user-facing problem with a clear one-line message."""

    exit_code = 2


class InputError(ToolkitError):
    pass


class ReleaseError(ToolkitError):
    pass


class MapError(ToolkitError):
    pass


class PackError(ToolkitError):
    pass


class ContextRuleError(ToolkitError):
    pass


class TrainingError(ToolkitError):
    pass


class MissingExtraError(ToolkitError):
    def __init__(self, module: str, extra: str):
        super().__init__(
            f"optional dependency '{module}' is not installed; fix: pip install 'coding-toolkit[{extra}]'")


class RunFailed(ToolkitError):
    """A run finished, but most of its notes failed in processing: something is broken, not the notes."""

    exit_code = 3


def where(path, line: int | None = None, field: str | None = None) -> str:
    """Format a location as ``file:line field 'x'`` for error messages."""
    out = str(path)
    if line is not None:
        out += f":{line}"
    if field:
        out += f" field '{field}'"
    return out
