"""The Spark tables' columns: the note-level frame and the contract's mention/suggestion fields."""
from __future__ import annotations

from coding_toolkit.bulk.runner import DUPLICATE_ID_CATEGORY, DUPLICATE_ID_REASON

DEFAULT_BUCKETS = 16  # Parquet partitions (bucket = pmod(xxhash64(note_id), buckets))
TABLES = ("notes", "mentions", "suggestions", "rejects")
DUPLICATE_REASON = DUPLICATE_ID_REASON  # the local runner's wording and category
DUPLICATE_CATEGORY = DUPLICATE_ID_CATEGORY

# note level: one row per input note; ``result`` is the JSONL contract line (status "ok"); a rejected
# note has the local runner's ``category`` (counted in the summary) and ``reason``
NOTE_SCHEMA = ("note_id string, episode_id string, source string, status string, category string, "
               "reason string, text_hash string, n_mentions int, n_suggestions int, result string")
# the contract's mention / suggestion fields in contract order (io/serialize.py); a JSON object or
# list declared as ``string`` is kept by from_json as its raw JSON text. A mention's optional keys
# (refinement: ``qualifiers``, the words inside a linked name; ``parts``, the mention indexes a refined
# mention was made from) are null where the JSONL line leaves them out
MENTION_FIELDS = (("start", "int"), ("end", "int"), ("text", "string"), ("sctid", "string"),
                  ("name", "string"), ("confidence", "double"), ("type_ids", "array<string>"),
                  ("meta", "string"), ("status", "string"), ("reason", "string"), ("codes", "string"),
                  ("qualifiers", "array<string>"), ("parts", "array<int>"))
SUGGESTION_FIELDS = (("system", "string"), ("code", "string"), ("display", "string"), ("title", "string"),
                     ("sctids", "array<string>"), ("evidence", "array<int>"), ("advice", "string"),
                     ("alternatives", "string"), ("confidence", "double"), ("kind", "string"),
                     ("rank", "int"), ("never_primary", "string"), ("chosen_because", "string"),
                     ("stated_under", "string"))


def _struct(fields) -> str:
    return "struct<" + ", ".join(f"`{n}`: {t}" for n, t in fields) + ">"


_RESULT_SCHEMA = (f"`mentions` array<{_struct(MENTION_FIELDS)}>, "
                  f"`suggestions` array<{_struct(SUGGESTION_FIELDS)}>")
