"""``coding-toolkit model build|info``: build a MedCAT pack from a SNOMED CT release, inspect a pack."""
from __future__ import annotations

import json

import click

from coding_toolkit.cli.options import notes_file_options, progress_option
from coding_toolkit.wording import counted


def _split_tags(ctx, param, value):
    if not value:
        return None
    tags = [t.strip() for item in value for t in item.split(",") if t.strip()]
    return tuple(tags) or None


@click.group("model")
def model() -> None:
    """Build and inspect MedCAT model packs."""


@model.command("build")
@click.argument("release_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out", required=True, type=click.Path(), help="New (or empty) folder for the pack.")
@click.option("--notes", type=click.Path(exists=True),
              help="The trust's notes (CSV/TSV/JSONL/Parquet or a folder of .txt) for the word vectors.")
@notes_file_options
@click.option("--tags", multiple=True, callback=_split_tags,
              help="Semantic tags to include, comma-separated (default: disorder,finding,procedure,situation,"
                   "event,morphologic abnormality).")
@click.option("--descendants-of", "descendants_of", multiple=True,
              help="Keep only this concept and its descendants (repeatable).")
@click.option("--spell-check/--no-spell-check", default=None,
              help="MedCAT spell-check (default off: see docs/models.md for the measurement).")
@click.option("--name-variants/--no-name-variants", default=True,
              help="Add the safe name variants (UK/US spelling, possessive, plural) to the release's synonyms "
                   "(default on; see docs/models.md).")
@click.option("--vector-workers", "vector_workers", default=1, show_default=True, type=click.IntRange(min=1),
              help="Threads for training the word vectors. 1 makes the pack reproducible (the same inputs give "
                   "the same content hash); more are faster but give different vectors on every build "
                   "(docs/models.md, 'Rebuilding a pack').")
@click.option("--concept-model/--no-concept-model", "concept_model", default=True,
              help="Index the release's inferred relationships into the pack and name the attribute values, "
                   "for refinement (default on; docs/coders.md, 'Refinement').")
@progress_option
def build(release_dir, out, notes, text_column, id_column, tags, descendants_of, spell_check, name_variants,
          vector_workers, concept_model, progress) -> None:
    """Build a pack from RELEASE_DIR (an unzipped SNOMED CT RF2 release, UK Clinical Edition or Monolith)."""
    from coding_toolkit.concepts.build import DEFAULT_TAGS, SPELL_CHECK_DEFAULT, build_pack_from_release
    from coding_toolkit.concepts.pack import load_pack
    from coding_toolkit.io.outputs import check_output

    check_output(out, "--out")

    path = build_pack_from_release(
        release_dir, out, notes=notes, tags=tags or DEFAULT_TAGS, descendants_of=list(descendants_of) or None,
        progress=progress, spell_check=SPELL_CHECK_DEFAULT if spell_check is None else spell_check,
        text_column=text_column, id_column=id_column, name_variants=name_variants,
        vector_workers=vector_workers, concept_model=concept_model)
    pack = load_pack(path, lazy=True)
    counts = pack.provenance["counts"]
    click.echo(f"built {path}: {counted(counts['concepts'], 'concept')} to link (the semantic tags asked for), "
               f"{counted(counts['names'], 'name')}, hash {pack.hash[:16]}")
    index = pack.provenance.get("concept_model") or {}
    if index.get("built"):
        # the index is the whole release's graph: its count also holds the root, hierarchy tops and the
        # concepts outside the tags asked for that relationships point to, so it differs from the pack's
        click.echo(f"concept model: {counted(index['concepts'], 'concept')} of the release in active inferred "
                   f"relationships (the root and concepts outside the tags included), "
                   f"{index['is_a']} is-a and {counted(index['attributes'], 'attribute relationship')} "
                   f"({index['defined']} fully defined)")
    limitation = pack.provenance["vocab"].get("limitation")
    if limitation:
        click.echo(f"note: {limitation}", err=True)
    if vector_workers > 1:
        click.echo(f"note: word vectors trained with {vector_workers} threads: a rebuild will not have the same "
                   "hash (use --vector-workers 1 for a reproducible pack)", err=True)


def info_dict(pack) -> dict:
    prov = pack.provenance
    return {"path": str(pack.path), "hash": pack.hash, "verification": pack.verification,
            "counts": prov.get("counts", {}),
            "meta_tasks": pack.meta_tasks, "provenance": prov}


@model.command("info")
@click.argument("pack_dir", metavar="PACK", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--compare", "other", default=None, metavar="PACK2", type=click.Path(),
              help="Also list the files and provenance fields that differ from PACK2 (e.g. a rebuild), "
                   "and which of them are in the content hash.")
@click.option("--verify", "rehash", is_flag=True,
              help="Hash every file again, even when the pack was verified before and no file has changed "
                   "since (loads skip that; docs/models.md, 'Pack verification').")
def info(pack_dir, as_json, other, rehash) -> None:
    """Concept and name counts, training counts and provenance of PACK, a pack folder or 'starter'
    (the embedded starter pack); its hash is checked."""
    from coding_toolkit.concepts.pack import load_pack

    # counts are recorded in pack.json: no need to unpickle
    pack = load_pack(pack_dir, lazy=True, rehash=rehash)
    data = info_dict(pack)
    if other is not None:
        from coding_toolkit.concepts.pack_files import compare_packs
        other_pack = load_pack(other, lazy=True, rehash=rehash)  # its hash checked too
        data["compare"] = {"pack": str(other_pack.path), **compare_packs(pack.path, other_pack.path)}
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
        return
    prov, counts = pack.provenance, data["counts"]
    rel = prov.get("release") or {}
    # a pack built from an RF2 release names its folders; the starter pack names its concept source
    source = ", ".join(rel.get("folders", [])) or " ".join(
        x for x in (prov.get("source"), prov.get("source_package") and f"({prov['source_package']})") if x) or "n/a"
    checked = ("verified: every file hashed now" if pack.verification == "hashed" else
               "verified before, no file changed since (--verify hashes every file again)")
    lines = [f"pack       {pack.path}", f"hash       {pack.hash} ({checked})",
             f"versions   coding_toolkit {prov['versions']['coding_toolkit']}, medcat {prov['versions']['medcat']}",
             f"built      {prov.get('build', {}).get('time')}",
             f"release    {source}",
             f"dates      {', '.join(rel.get('release_dates', [])) or 'n/a'}",
             f"tags       {', '.join(prov.get('tags', []))}",
             f"concepts   {counts.get('concepts')}  names {counts.get('names')}",
             f"trained    {counts.get('concepts_trained')} concepts, {counts.get('training_examples')} examples, "
             f"{counts.get('unsupervised_runs')} unsupervised and {counts.get('supervised_runs')} supervised runs",
             f"vocab      {prov.get('vocab', {}).get('words')} words from {prov.get('vocab', {}).get('source')}",
             f"spell check {'on' if prov.get('spell_check') else 'off'}",
             f"meta tasks {', '.join(data['meta_tasks']) or 'none'}"]
    maps = prov.get("maps") or {}
    if maps.get("source"):
        refsets = (maps.get("provenance") or {}).get("refsets", {})
        map_release = (maps.get("provenance") or {}).get("release")
        lines.append("maps       " + ", ".join(f"{s} {r.get('version')} ({r.get('refset_id')})"
                                              for s, r in refsets.items())
                     + (f" from {map_release}" if map_release else "")
                     + (" ILLUSTRATIVE (mappings/illustrative/), not the NHS map, not for coding"
                        if maps.get("illustrative") else ""))
    else:
        lines.append(f"maps       none ({maps.get('note', 'not imported')})")
    limitation = prov.get("vocab", {}).get("limitation")
    if limitation:
        lines.append(f"limitation {limitation}")
    for event in prov.get("training", []):
        lines.append(f"history    {event.get('time')} {event.get('kind', '')} {event.get('note') or ''}".rstrip())
    if other is not None:
        diff = data["compare"]
        lines.append(f"compare    {diff['pack']}: " + ("same hash" if diff["same_hash"] else "different hash"))
        lines.append(f"  files      {', '.join(diff['files']) or 'all identical'} (every file is hashed)")
        lines.append(f"  provenance hashed: {', '.join(diff['provenance_hashed']) or 'identical'}")
        lines.append(f"             not hashed (when/where built): "
                     f"{', '.join(diff['provenance_not_hashed']) or 'identical'}")
        if 1 in diff["hash_schemes"]:
            lines.append("  note       a pack with hash scheme 1 (older toolkit) hashes its build times too: "
                         "rebuild it with this toolkit to compare hashes")
    click.echo("\n".join(lines))
