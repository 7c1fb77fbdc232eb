"""A synthetic coding history from the example notes: notes grouped into episodes, and the codes a
simulated coder assigned to each (docs/evaluation.md, "Benchmark"). It shows the mechanism of
``learn`` and ``evaluate --coded`` only: the notes are copies of 33 examples, and the coder codes
from the same gold the examples were written for.

Coder model (seeded):
  * an episode holds one example note, or two (probability ``two_notes``) from different examples;
  * its coding is the notes' gold codes (examples/gold.json), in gold order: the first note's first
    ICD-10 code is the primary diagnosis, its first OPCS-4 code the primary procedure;
  * each secondary code is left out with probability ``omit`` (a coder's variability);
  * nothing else: symptom codes and other codes the gold does not hold are never coded.

    python benchmarks/synthetic_history.py OUT_DIR [--episodes 1500] [--seed 7]
writes OUT_DIR/notes.jsonl (note_id, episode_id, text) and OUT_DIR/coded.csv (long shape).
"""
from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT / "examples" / "notes.jsonl"
GOLD = ROOT / "examples" / "gold.json"


def make_history(out_dir: str | Path, *, episodes: int = 1500, seed: int = 7, two_notes: float = 0.2,
                 omit: float = 0.1, notes: Path = NOTES, gold: Path = GOLD) -> tuple[Path, Path]:
    rng = random.Random(seed)
    examples = [json.loads(line) for line in notes.read_text(encoding="utf-8").splitlines() if line.strip()]
    codes = json.loads(gold.read_text(encoding="utf-8"))["notes"]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    notes_out, coded_out = out_dir / "notes.jsonl", out_dir / "coded.csv"
    with open(notes_out, "w", encoding="utf-8") as fn, open(coded_out, "w", newline="", encoding="utf-8") as fc:
        writer = csv.writer(fc)
        writer.writerow(["episode_id", "system", "position", "code"])
        for e in range(1, episodes + 1):
            episode = f"S{e:06d}"
            picked = rng.sample(examples, 2 if rng.random() < two_notes else 1)
            for i, note in enumerate(picked, 1):
                fn.write(json.dumps({"note_id": f"{episode}-{i}", "episode_id": episode, "text": note["text"]}) + "\n")
            for key, system in (("icd10", "ICD-10"), ("opcs4", "OPCS-4")):
                ordered: list[str] = []
                for note in picked:
                    ordered += [c for c in codes[note["note_id"]][key] if c not in ordered]
                kept = [c for i, c in enumerate(ordered) if i == 0 or rng.random() >= omit]
                for position, code in enumerate(kept, 1):
                    writer.writerow([episode, system, position, code])
    return notes_out, coded_out


def gold_as_coded(out: Path, notes: Path = NOTES, gold: Path = GOLD) -> Path:
    """examples/gold.json as a long CODED file (episode = the note's episode)."""
    episode = {json.loads(line)["note_id"]: json.loads(line).get("episode_id")
               for line in notes.read_text(encoding="utf-8").splitlines() if line.strip()}
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["episode_id", "system", "position", "code"])
        for note_id, d in json.loads(gold.read_text(encoding="utf-8"))["notes"].items():
            for key, system in (("icd10", "ICD-10"), ("opcs4", "OPCS-4")):
                for position, code in enumerate(d[key], 1):
                    writer.writerow([episode[note_id] or note_id, system, position, code])
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--episodes", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(*make_history(args.out_dir, episodes=args.episodes, seed=args.seed))
