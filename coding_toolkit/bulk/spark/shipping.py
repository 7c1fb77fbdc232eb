"""The driver's side of shipping: the pack folder (once per session) and the small rule files."""
from __future__ import annotations

import json
import re
from pathlib import Path

from pyspark.sql import SparkSession

from coding_toolkit.errors import InputError, PackError


def _read_optional(path, what: str) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} file ({e.strerror}); fix: check the path") from e


def _read_policy(path) -> tuple[str | None, str | None]:
    """(policy text, text of the coding-rules file it names) for the workers.

    A policy may name its coding rules file relative to its own folder
    (``"coding_rules": {"file": "my_rules.json"}``); workers read a copy of the policy from their
    temporary folder, where that path means nothing, so the file travels with the policy."""
    text = _read_optional(path, "policy")
    if text is None:
        return None, None
    try:
        policy = json.loads(text)
        name = policy.get("coding_rules", {}).get("file") if isinstance(policy, dict) else None
    except (ValueError, AttributeError):
        return text, None  # the worker's policy loader reports what is wrong, with the fix
    if not isinstance(name, str):
        return text, None
    from coding_toolkit.suggest.config import rules_file_path

    rules_file = rules_file_path(name, Path(path).resolve().parent)
    return text, _read_optional(rules_file, "coding rules (named in the policy's coding_rules.file)")


def _pack_content_hash(pack_path) -> str:
    from coding_toolkit.concepts.pack_files import read_pack_json

    return read_pack_json(Path(pack_path).resolve())["content_hash"]


def _ship_pack(spark: SparkSession, pack_path, ship: bool) -> tuple[str, str, str | None]:
    """Check the pack on the driver (cheap: pack.json only) and register it with Spark."""
    from coding_toolkit.concepts.pack_files import read_pack_json

    root = Path(pack_path).resolve() if "://" not in str(pack_path) else Path(pack_path)
    content_hash = read_pack_json(root)["content_hash"]
    if not ship:
        return root.name, content_hash, str(root)
    sc = spark.sparkContext
    # Spark names shipped files by their base name: one name, one folder per session
    shipped = [re.sub(r"^file:/+", "/", f).rstrip("/") for f in sc.listFiles]
    clash = [f for f in shipped if f.rsplit("/", 1)[-1] == root.name and f != str(root)]
    if clash:
        raise PackError(f"{root}: another pack folder with the same name ({clash[0]}) was already shipped "
                        "in this Spark session; fix: rename one of the folders or start a new session")
    if str(root) not in shipped:
        sc.addFile(str(root), recursive=True)
    return root.name, content_hash, None
