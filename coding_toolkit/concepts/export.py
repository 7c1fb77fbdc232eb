"""Parse and validate a MedCATtrainer export (docs/reference.md §6), the training/evaluation data format.

Which annotations count as gold (``is_positive``): not deleted, not killed, not marked irrelevant,
and not rejected by the reviewer (``correct: false``). MedCAT's supervised trainer would train a
rejected annotation as a positive example (docs/reference.md §5), so only positives ever reach it.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from coding_toolkit.errors import TrainingError

REQUIRED = ("start", "end", "cui", "value")


def is_positive(ann: dict) -> bool:
    return not (ann.get("deleted") or ann.get("killed") or ann.get("irrelevant")
                or ann.get("correct", True) is False)


def is_rejected(ann: dict) -> bool:
    """A reviewer said this span is not this concept (usable as a negative example)."""
    return bool(ann.get("deleted") or ann.get("correct", True) is False) and not ann.get("killed")


def _meta_as_dict(meta, where: str) -> dict:
    if meta is None:
        return {}
    if isinstance(meta, dict):
        return meta
    if isinstance(meta, list):  # older exports: [{"name": ..., "value": ...}, ...]
        out = {}
        for i, item in enumerate(meta):
            if not isinstance(item, dict) or "name" not in item:
                raise TrainingError(f"{where} meta_anns[{i}]: missing field 'name'; fix: each meta "
                                    f"annotation needs a name and a value")
            out[item["name"]] = item
        return out
    raise TrainingError(f"{where} field 'meta_anns': expected an object or a list; fix: re-export from "
                        f"MedCATtrainer")


def validate_export(data, source: str = "<export>") -> dict:
    """Check the structure and normalise it in place (meta_anns as dicts); returns ``data``."""
    if not isinstance(data, dict) or not isinstance(data.get("projects"), list):
        raise TrainingError(f"{source}: missing field 'projects' (a list); fix: give a MedCATtrainer "
                            f"JSON export (Project -> Export)")
    for p, project in enumerate(data["projects"]):
        pname = f"project {p} ({project.get('name', '?')!r})" if isinstance(project, dict) else f"project {p}"
        if not isinstance(project, dict) or not isinstance(project.get("documents"), list):
            raise TrainingError(f"{source}: {pname}: missing field 'documents'; fix: re-export the project")
        project.setdefault("name", f"project {p}")
        for d, doc in enumerate(project["documents"]):
            dname = f"{pname} document {d}"
            if isinstance(doc, dict):
                dname += f" (id {doc.get('id', doc.get('name', '?'))!r})"
            if not isinstance(doc, dict) or not isinstance(doc.get("text"), str):
                raise TrainingError(f"{source}: {dname}: missing field 'text'; fix: export with document texts")
            doc.setdefault("name", str(doc.get("id", d)))
            doc.setdefault("id", d)
            anns = doc.setdefault("annotations", [])
            if not isinstance(anns, list):
                raise TrainingError(f"{source}: {dname}: field 'annotations' must be a list")
            for a, ann in enumerate(anns):
                where = f"{source}: {dname} annotation {a}"
                if not isinstance(ann, dict):
                    raise TrainingError(f"{where}: not an object; fix: re-export from MedCATtrainer")
                for key in REQUIRED:
                    if ann.get(key) in (None, ""):
                        raise TrainingError(f"{where}: missing field '{key}'; fix: every annotation needs "
                                            f"{', '.join(REQUIRED)}")
                try:
                    ann["start"], ann["end"] = int(ann["start"]), int(ann["end"])
                except (TypeError, ValueError) as e:
                    raise TrainingError(f"{where}: field 'start'/'end' is not an integer") from e
                if not 0 <= ann["start"] < ann["end"] <= len(doc["text"]):
                    raise TrainingError(f"{where}: span {ann['start']}-{ann['end']} lies outside the "
                                        f"document text (length {len(doc['text'])}); fix: re-export")
                ann["cui"] = str(ann["cui"]).strip()
                ann["meta_anns"] = _meta_as_dict(ann.get("meta_anns"), where)
    return data


def load_export(path) -> dict:
    """Read and validate a MedCATtrainer export file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise TrainingError(f"{path}: export file not found; fix: check the --export path") from e
    except OSError as e:  # a folder, no permission
        raise TrainingError(f"{path}: cannot read the export ({e.strerror}); fix: pass a MedCATtrainer "
                            f"JSON export file") from e
    except json.JSONDecodeError as e:
        raise TrainingError(f"{path}:{e.lineno}: not valid JSON ({e.msg}); fix: give a MedCATtrainer JSON "
                            f"export") from e
    except (ValueError, UnicodeDecodeError) as e:
        raise TrainingError(f"{path}: not valid JSON ({e}); fix: give a MedCATtrainer JSON export") from e
    return validate_export(data, str(path))


def as_export(export) -> dict:
    """An export from a path or an already-loaded dict."""
    return export if isinstance(export, dict) else load_export(export)


def project_cuis(project: dict) -> set[str]:
    """The project's concept filter (empty: all concepts)."""
    raw = project.get("cuis") or ""
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return {c.strip() for c in items if str(c).strip()}


def documents(export: dict) -> Iterator[tuple[dict, dict]]:
    for project in export["projects"]:
        for doc in project["documents"]:
            yield project, doc


def subset(export: dict, keep) -> dict:
    """A copy of ``export`` keeping only the documents for which ``keep(project, doc)`` is true."""
    projects = []
    for project in export["projects"]:
        docs = [doc for doc in project["documents"] if keep(project, doc)]
        if docs:
            projects.append({**project, "documents": docs})
    return {"projects": projects}


# refuse when more than this share of the export's annotated concepts is unknown to the pack: such an
# export was made with another terminology (e.g. UMLS CUIs) and would add concepts without map rows
NEW_CONCEPTS_LIMIT = 0.5


def check_export_concepts(export: dict, cdb_cuis, *, allow_new: bool, source: str) -> dict:
    """Counts of the export's gold concepts that are / are not in the pack; TrainingError when most
    are not (unless ``allow_new``). Returns {"annotated", "new", "examples"}."""
    annotated = {a["cui"] for _, d in documents(export) for a in d["annotations"] if is_positive(a)}
    new = sorted(c for c in annotated if c not in cdb_cuis)
    counts = {"annotated": len(annotated), "new": len(new), "examples": new[:5]}
    if annotated and len(new) / len(annotated) > NEW_CONCEPTS_LIMIT and not allow_new:
        raise TrainingError(
            f"{source}: {len(new)} of {len(annotated)} annotated concepts ({len(new) / len(annotated):.0%}) "
            f"are not in the pack (e.g. {', '.join(new[:5])}): the export was probably made with another "
            "terminology, and training would add concepts that have no map rows; fix: annotate with the "
            "pack's SNOMED CT concepts, or pass --allow-new-concepts to add them anyway")
    return counts
