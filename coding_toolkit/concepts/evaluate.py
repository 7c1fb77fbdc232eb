"""Score a pack against a MedCATtrainer export: concept level and ICD-10/OPCS-4 code level.

Concept level: a prediction is a true positive when its span (start, end) and SCTID equal a gold
annotation's (gold = ``export.is_positive``). A project's ``cuis`` filter, when set, restricts the
predictions scored for its documents, as MedCATtrainer does.

Code level (what coders care about): per document, the set of default codes (map block 1, the
default priority of each group, classifiable targets only) of the gold SCTIDs vs those of the
predicted SCTIDs, through the pack's own maps.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from coding_toolkit.concepts.export import as_export, documents, is_positive, project_cuis


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "tp": tp, "fp": fp, "fn": fn}


def score_sets(gold: set, pred: set, counts: dict[str, Counter], key=lambda item: item[-1]) -> None:
    """Add tp/fp/fn of one document to ``counts[key]`` and ``counts['__all__']``."""
    for item in gold & pred:
        counts[key(item)]["tp"] += 1
        counts["__all__"]["tp"] += 1
    for item in pred - gold:
        counts[key(item)]["fp"] += 1
        counts["__all__"]["fp"] += 1
    for item in gold - pred:
        counts[key(item)]["fn"] += 1
        counts["__all__"]["fn"] += 1


class _Codes:
    """Default codes of a concept through a map engine, cached."""

    def __init__(self, engine):
        self.engine = engine
        self.cache: dict[str, frozenset] = {}

    def __call__(self, sctid: str) -> frozenset:
        if sctid not in self.cache:
            rows = self.engine.defaults(sctid) if self.engine is not None else []
            self.cache[sctid] = frozenset((r.system, r.target) for r in rows if r.classifiable)
        return self.cache[sctid]


def evaluate_export(pack, export: dict, *, engine=None, with_codes: bool = True) -> dict:
    """Metrics of ``pack`` on an already-validated export dict."""
    concept_counts: dict[str, Counter] = defaultdict(Counter)
    code_counts: dict[str, Counter] = defaultdict(Counter)
    names: dict[str, str] = {}
    codes = _Codes(engine) if with_codes else None
    n_docs = n_gold = 0
    for project, doc in documents(export):
        allowed = project_cuis(project)
        gold = {(a["start"], a["end"], a["cui"]) for a in doc["annotations"] if is_positive(a)}
        pred = set()
        for m in pack.annotate(doc["text"]):
            if not allowed or m.sctid in allowed:
                pred.add((m.start, m.end, m.sctid))
                names.setdefault(m.sctid, m.name)
        n_docs += 1
        n_gold += len(gold)
        score_sets(gold, pred, concept_counts)
        if codes is not None:
            gold_codes = {c for item in gold for c in codes(item[2])}
            pred_codes = {c for item in pred for c in codes(item[2])}
            score_sets(gold_codes, pred_codes, code_counts, key=lambda c: c[0])
    overall = concept_counts.pop("__all__", Counter())
    result = {
        "documents": n_docs,
        "gold_annotations": n_gold,
        "concepts": prf(overall["tp"], overall["fp"], overall["fn"]),
        "per_concept": {cui: {"name": names.get(cui, _cdb_name(pack, cui)), **prf(c["tp"], c["fp"], c["fn"])}
                        for cui, c in sorted(concept_counts.items())},
    }
    if codes is not None:
        all_codes = code_counts.pop("__all__", Counter())
        result["codes"] = {"all": prf(all_codes["tp"], all_codes["fp"], all_codes["fn"]),
                           **{system: prf(c["tp"], c["fp"], c["fn"]) for system, c in sorted(code_counts.items())}}
    return result


def _cdb_name(pack, cui: str) -> str:
    info = pack.cat.cdb.cui2info.get(cui)
    return info["preferred_name"] if info else ""


def pack_engine(pack):
    """A MapEngine over the pack's own maps, or None when the pack carries no maps."""
    from coding_toolkit.errors import MapError
    from coding_toolkit.mapping.engine import MapEngine

    try:
        return MapEngine(pack.maps_url)
    except MapError:
        return None


def evaluate(pack, export_path, *, engine=None, source: str | None = None) -> dict:
    """Precision/recall/F1 of ``pack`` on a MedCATtrainer export, overall, per concept and per code system.

    ``engine``: a MapEngine for the code level; defaults to the pack's own maps. ``source``: how
    messages name the export (default: its path; never the contents of an export given as a dict).
    """
    from coding_toolkit.concepts.export import check_export_concepts
    from coding_toolkit.errors import TrainingError

    export = as_export(export_path)
    source = source or (str(export_path) if not isinstance(export_path, dict) else "the export")
    # concepts the pack does not hold can never be found: say so, and refuse when it holds none of them
    coverage = check_export_concepts(export, pack.cat.cdb.cui2info, allow_new=True, source=source)
    if coverage["annotated"] and coverage["new"] == coverage["annotated"]:
        raise TrainingError(
            f"{source}: none of its {coverage['annotated']} annotated concepts is in the pack (e.g. "
            f"{', '.join(coverage['examples'])}), so every score would be 0; fix: evaluate with the pack the export "
            "was annotated for, or annotate with this pack's SNOMED CT concepts")
    if engine is None:
        engine = pack_engine(pack)
    result = evaluate_export(pack, export, engine=engine, with_codes=engine is not None)
    result["concepts_not_in_pack"] = coverage
    if engine is None:
        result["codes"] = None
        result["codes_note"] = ("the pack carries no maps: code-level metrics need a pack built from a release "
                              "that holds the NHS maps (coding-toolkit model build RELEASE_DIR)")
    elif result["codes"]["all"]["tp"] + result["codes"]["all"]["fn"] == 0:
        result["codes_note"] = ("no gold codes: none of the export's annotated concepts maps to an ICD-10 or "
                                "OPCS-4 code in this pack, so code-level scores say nothing")
    result["pack"] = {"path": str(pack.path), "hash": pack.hash}
    return result
