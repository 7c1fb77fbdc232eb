"""Do two trees of the toolkit write the same outputs? (refactoring check, issue 16)

    python benchmarks/check_same_output.py --save DIR       # record this tree's outputs
    python benchmarks/check_same_output.py --compare DIR    # compare this tree's outputs with DIR

Runs ``coding-toolkit annotate`` (this tree, in a child process) on the example notes and, when
../shared is present, the MTSamples notes, in every output format (jsonl, csv, cds, fhir) and into a
SQLite database, and keeps the files. Only fields that differ between two runs of the same tree are
normalised: FHIR ``recorded`` timestamps, the SQL tables' run id, start and write times, and the
output and database paths echoed in the run's arguments. Everything else must match byte for byte.
Exit 1 on a difference, naming the file and the first differing line.

``--pack DIR`` annotates with that pack instead of the starter pack: a change to the starter's build
code (concepts/build.py, vocab.py) gives the starter a new cache key and a rebuilt pack a new hash,
so compare with the very pack the reference used (a copy of its cache folder, same folder name).
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = {
    "examples": ROOT / "examples" / "notes.jsonl",
    "mtsamples": ROOT.parent / "shared" / "benchmarks" / "notes" / "mtsamples_317.jsonl",
}
FORMATS = ("jsonl", "csv", "cds", "fhir")
PACK: list[str] = []  # ["--pack", DIR] when given
_RECORDED = re.compile(r'"recorded":"[^"]*"')
_VOLATILE_COLUMNS = {"run_id", "started", "written_at"}


def _annotate(notes: Path, out: Path, extra: list[str], state: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CODING_TOOLKIT_STATE": str(state),
           "MEDCAT_DISABLE_VERSION_CHECK": "true", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "coding_toolkit", "annotate", str(notes), "--out", str(out),
           "--no-progress", *PACK, *extra]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"annotate failed ({done.returncode}) for {notes.name} {extra}:\n{done.stderr[-2000:]}")


def _dump_db(db: Path) -> str:
    """Every table, rows sorted, run-specific columns dropped, as text lines."""
    con = sqlite3.connect(db)
    lines = []
    for (table,) in con.execute("select name from sqlite_master where type='table' order by name"):
        cur = con.execute(f'select * from "{table}"')
        cols = [d[0] for d in cur.description]
        keep = [i for i, c in enumerate(cols) if c not in _VOLATILE_COLUMNS]
        lines.append(f"## {table}: " + ",".join(cols[i] for i in keep))
        rows = []
        for row in cur:
            vals = [row[i] for i in keep]
            if table == "runs":
                vals = [re.sub(r'"(out|db)": "[^"]*"', r'"\1": ""', v) if isinstance(v, str) else v
                        for v in vals]
            rows.append(json.dumps(vals, default=str))
        lines.extend(sorted(rows))
    con.close()
    return "\n".join(lines) + "\n"


def produce(dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "state"
        for name, notes in INPUTS.items():
            if not notes.exists():
                print(f"skipping {name}: {notes} not found (../shared absent)", file=sys.stderr)
                continue
            for fmt in FORMATS:
                out = dest / f"{name}.{fmt}"
                out.unlink(missing_ok=True)
                _annotate(notes, out, ["--format", fmt, "--overwrite"], state)
                if fmt == "fhir":
                    out.write_text(_RECORDED.sub('"recorded":""', out.read_text()))
                written.append(out)
            db = Path(tmp) / f"{name}.db"
            _annotate(notes, Path(tmp) / f"{name}.db.jsonl", ["--db", f"sqlite:///{db}"], state)
            dump = dest / f"{name}.sql.txt"
            dump.write_text(_dump_db(db))
            written.append(dump)
    return written


def compare(reference: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        mine = produce(Path(tmp))
        bad = 0
        for path in mine:
            ref = reference / path.name
            if not ref.exists():
                print(f"MISSING in {reference}: {path.name}")
                bad += 1
                continue
            a, b = ref.read_text().splitlines(), path.read_text().splitlines()
            if a == b:
                print(f"same      {path.name} ({len(a)} lines)")
                continue
            bad += 1
            diff = list(difflib.unified_diff(a, b, str(ref), "this tree", n=0, lineterm=""))
            print(f"DIFFERENT {path.name}:\n" + "\n".join(line[:300] for line in diff[:8]))
    print("identical outputs" if not bad else f"{bad} file(s) differ")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write this tree's outputs to DIR")
    group.add_argument("--compare", type=Path, help="compare this tree's outputs with DIR")
    ap.add_argument("--pack", type=Path, help="annotate with this pack folder (default: the starter pack)")
    args = ap.parse_args()
    if args.pack:
        PACK[:] = ["--pack", str(args.pack.resolve())]
    if args.save:
        for path in produce(args.save):
            print(f"saved {path}")
        return 0
    return compare(args.compare)


if __name__ == "__main__":
    sys.exit(main())
