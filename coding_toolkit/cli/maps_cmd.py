"""``coding-toolkit maps``: import NHS maps from a release into a SQL store, and show a concept's maps."""

from __future__ import annotations

import json
import os

import click

from coding_toolkit.cli.options import progress_option
from coding_toolkit.errors import MapError
from coding_toolkit.mapping.codes import special_target_meaning


def default_db() -> str:
    """The store used when --db is not given: $CODING_TOOLKIT_MAPS_DB or <cache>/maps.sqlite."""
    env = os.environ.get("CODING_TOOLKIT_MAPS_DB")
    if env:
        return env
    from coding_toolkit.resources import cache_dir

    return str(cache_dir() / "maps.sqlite")


db_option = click.option(
    "--db",
    "db",
    default=None,
    metavar="URL",
    help="Map store: a SQLite file path or a SQLAlchemy URL "
    "[default: $CODING_TOOLKIT_MAPS_DB or ~/.cache/coding_toolkit/maps.sqlite].",
)


@click.group("maps")
def maps() -> None:
    """Import and inspect NHS SNOMED CT -> ICD-10/OPCS-4 maps."""


@maps.command("import")
@click.argument("release_dir", type=click.Path(file_okay=False, path_type=str))
@db_option
@click.option(
    "--icd10-titles",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="ICD10_Edition5_CodesAndTitlesAndMetadata_GB_<date>.txt (TRUD).",
)
@click.option(
    "--opcs-titles",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="OPCS4<version> CodesAndTitles <Mon YYYY> V1.0.txt (TRUD).",
)
@click.option(
    "--opcs-version", default=None, help="OPCS-4 version to use, e.g. 4.10 [default: newest with rows]."
)
@progress_option
def import_cmd(release_dir: str, db: str | None, icd10_titles, opcs_titles, opcs_version, progress) -> None:
    """Import every ExtendedMap refset of RELEASE_DIR (the folder the TRUD zip was unpacked into)."""
    from coding_toolkit.io.outputs import check_db_output
    from coding_toolkit.mapping.store import MapStore

    check_db_output(db or default_db())
    store = MapStore(db or default_db())
    report = store.import_release(
        release_dir,
        opcs_version=opcs_version,
        icd10_titles=icd10_titles,
        opcs_titles=opcs_titles,
        progress=progress,
    )
    click.echo(report.to_text())


@maps.command("show")
@click.argument("sctid")
@db_option
@click.option(
    "--system", default=None, help="Only this classification (ICD-10, OPCS-4, ICD-10 (International))."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object {sctid, maps}.")
def show(sctid: str, db: str | None, system: str | None, as_json: bool) -> None:
    """Show the map rows of SCTID: blocks, groups, alternatives, the default marked."""
    from coding_toolkit.mapping.engine import MapEngine

    if not sctid.strip().isdigit():
        raise MapError(f"SCTID {sctid!r} is not a SNOMED CT id (digits only); fix: pass e.g. 22298006")
    engine = MapEngine(db or default_db())
    rows = engine.lookup(sctid.strip(), system)
    if not rows:
        raise MapError(
            f"SCTID {sctid} has no map rows in {engine.store}"
            + (f" for {system}" if system else "")
            + "; fix: check the id, or import a release that maps it"
        )
    if as_json:
        click.echo(
            json.dumps({"sctid": sctid.strip(), "maps": [r.to_json() for r in rows]}, ensure_ascii=False)
        )
        return
    prov = engine.provenance()
    if prov["illustrative"]:
        click.echo("NOTE: illustrative map, not for coding")
    current = None
    for r in rows:
        if (r.system, r.block) != current:
            current = (r.system, r.block)
            click.echo(f"{r.system} {r.version}  block {r.block}" + (" (default)" if r.block == 1 else ""))
        mark = "*" if r.default else " "
        code = r.display or f"{r.target} ({special_target_meaning(r.target)})"
        title = f"  {r.title}" if r.title else ""
        click.echo(
            f"  {mark} group {r.group} priority {r.priority:>2}  {code:<10} [{r.target}]{title}  | {r.advice}"
        )
    click.echo("(* = default: block 1, highest priority in each group)")
