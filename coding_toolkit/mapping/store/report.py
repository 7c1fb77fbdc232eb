"""What a map import did (``ImportReport``) and where an illustrative release keeps its titles."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coding_toolkit.wording import counted


@dataclass
class ImportReport:
    """What an import did: rows per refset/version, concepts covered, unknown refsets, missing titles."""

    release: str
    folders: list[str]
    illustrative: bool
    refsets: list[dict[str, Any]] = field(default_factory=list)
    concepts_covered: dict[str, int] = field(default_factory=dict)
    unknown_refsets: list[dict[str, Any]] = field(default_factory=list)
    opcs_version: str | None = None
    titles: dict[str, int] = field(default_factory=dict)
    missing_titles: dict[str, list[str]] = field(default_factory=dict)

    def to_text(self) -> str:
        lines = [
            f"imported maps from {self.release}"
            + (" (ILLUSTRATIVE map, not for coding)" if self.illustrative else "")
        ]
        lines += [f"  folder {name}" for name in self.folders]
        for r in self.refsets:
            mark = " [selected]" if r["selected"] else ""
            lines.append(
                f"  {r['system']} {r['version']} (refset {r['refset_id']}): {counted(r['rows'], 'row')}, "
                f"{counted(r['concepts'], 'concept')}{mark}"
            )
        for system, n in self.concepts_covered.items():
            lines.append(f"  concepts covered by {system}: {n}")
        for u in self.unknown_refsets:
            lines.append(
                f"  UNKNOWN map refset {u['refset_id']}: {u['rows']} rows in {', '.join(u['files'])} "
                "(kept, not used; add it to mappings/refsets.json to use it)"
            )
        for system, n in self.titles.items():
            lines.append(f"  {system} titles: {n}")
        for system, codes in self.missing_titles.items():
            shown = ", ".join(codes[:20]) + (" ..." if len(codes) > 20 else "")
            lines.append(f"  {len(codes)} {system} map targets have no title: {shown}")
        return "\n".join(lines)


def illustrative_title_files(release_path) -> tuple[Path | None, Path | None]:
    """The ILLUSTRATIVE release's own title files (``Titles/``, TRUD layouts, titles written for this
    project), used only when the release is illustrative and no TRUD title file was given."""
    found: dict[str, Path | None] = {"icd": None, "opcs": None}
    for folder in (Path(release_path), *Path(release_path).glob("*/")):
        for path in sorted((folder / "Titles").glob("*CodesAndTitles*.txt")):
            kind = "icd" if path.name.upper().startswith("ICD10") else "opcs"
            found[kind] = found[kind] or path
    return found["icd"], found["opcs"]
