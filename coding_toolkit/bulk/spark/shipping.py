"""The driver's side of shipping: the pack folder (once per session; the rules travel loaded, ``RunRules``)."""
from __future__ import annotations

import re
from pathlib import Path

from pyspark.sql import SparkSession

from coding_toolkit.errors import PackError


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
