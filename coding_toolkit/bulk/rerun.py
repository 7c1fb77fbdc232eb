"""What a plain re-run of ``annotate`` does with an earlier run of the same output.

The ledger of an output lives under ``state_dir()/runs/`` (one documented place), keyed by the
output file and database. A new run (no ``--resume``) of an output with a ledger:

* nothing committed yet (a run stopped on a configuration error before its first note): start over;
* the output file is gone: the ledger is stale, start over;
* ``--overwrite``: start over;
* completed with the same notes, pack and settings: "up to date", nothing to do (exit 0);
* completed with other notes, pack or settings: refused, naming what changed and the fix;
* stopped before the end: refused (``--resume`` continues it, ``--overwrite`` restarts).

An output file that no ledger records is never replaced without ``--overwrite``.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from coding_toolkit.bulk.ledger import Ledger
from coding_toolkit.errors import InputError
from coding_toolkit.wording import counted


def ledger_path_for(out: str | None, db: str | None) -> Path:
    """The ledger of the run writing ``out`` and/or ``db``."""
    from coding_toolkit.resources import state_dir

    target = str(Path(out).resolve()) if out else ""
    key = hashlib.sha1(f"{target}\n{db or ''}".encode()).hexdigest()[:16]
    name = Path(out).name if out else "db"
    folder = state_dir() / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{key}.ledger.sqlite"


def rejects_path_for(out: str | None, ledger_path: Path) -> Path:
    """Where a run's rejects CSV goes: beside its output file, or (a database-only run, which has no
    output file) beside its ledger in the state folder, never in the working directory."""
    if out:
        return Path(f"{out}.rejects.csv")
    return ledger_path.with_name(ledger_path.name.replace(".ledger.sqlite", "") + ".rejects.csv")


def input_fingerprint(notes: str, source_db: str | None) -> str:
    """Identity of the notes input without reading it: path, size and modification time of the file
    (every .txt of a folder), or the query for a database (its rows are not fingerprinted)."""
    if source_db:
        from coding_toolkit.dburl import safe_url
        return hashlib.sha1(f"sql\n{safe_url(source_db)}\n{notes}".encode()).hexdigest()
    path = Path(notes).resolve()
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    parts = [str(path)] + [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files if p.exists()]
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def discard(ledger: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{ledger}{suffix}").unlink(missing_ok=True)


@dataclass(frozen=True)
class Decision:
    up_to_date: bool = False  # nothing to do
    message: str = ""


def decide(ledger_path: Path, *, out: str | None, resume: bool, overwrite: bool, identity: dict[str, str],
           ) -> Decision:
    """Apply the rules of the module docstring; may delete a ledger that must not block this run."""
    prior = Ledger.inspect(ledger_path)
    out_exists = bool(out) and Path(out).exists() and os.path.getsize(out) > 0
    if prior is None:
        if out_exists and not resume and not overwrite:
            raise InputError(f"{out} exists and no earlier run of this toolkit records it (its ledger would be "
                             f"{ledger_path}); fix: pass --overwrite to replace it, or choose another --out")
        return Decision()
    if resume:
        return Decision()
    if overwrite or prior["batches"] == 0 or (out and not Path(out).exists()):
        discard(ledger_path)
        return Decision()
    stored = prior["run"]
    if not stored.get("complete"):
        raise InputError(f"{out or 'the --db run'}: an earlier run stopped before the end ({counted(prior['notes'], 'note')} "
                         f"written; ledger {ledger_path}); fix: pass --resume to continue it, or --overwrite to "
                         "start again")
    changed = [key for key, value in identity.items() if stored.get(key, value) != value]
    if not changed:
        return Decision(True, f"{out or 'the database'} is up to date: the same notes, pack and settings were "
                              f"annotated by the run completed {stored['complete']} ({counted(prior['notes'], 'note')}); "
                              "nothing to do (--overwrite annotates again)")
    what = ", ".join({"input": "notes input (changed since)", "pack_hash": "pack"}.get(k, f"--{k.replace('_', '-')}")
                     for k in changed)
    # --resume can add new notes of a changed input; with other settings changed it is refused too
    resume = ", --resume to add only new notes" if set(changed) <= {"input"} else ""
    raise InputError(f"{out or 'the database'} was written by a completed run with a different {what}; refusing to "
                     f"replace it; fix: pass --overwrite to replace it{resume}, or choose another --out")
