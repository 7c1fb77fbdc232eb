"""``coding-toolkit serve``: the annotation service (MedCATservice-compatible API, docs/service.md)."""
from __future__ import annotations

import os
from dataclasses import asdict

import click

from coding_toolkit.cli.options import pipeline_options, profile_option
from coding_toolkit.cli.web_options import checked_server_settings, server_options
from coding_toolkit.concepts.linkers import LINKERS
from coding_toolkit.run_config import DEFAULT_LINKER, RunConfig


@click.command()
@click.option("--pack", default=None, metavar="PACK_DIR|starter",
              help="Model pack folder. Default (or 'starter'): the embedded starter pack (illustrative map).")
@server_options(default_port=5000)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes; each loads the pack once.")
@pipeline_options("Longer notes are refused with 413.")
@profile_option
@click.option("--max-body-bytes", default=None, type=click.IntRange(1024), metavar="N",
              help="Request body limit (413 above it). Default: 4 x --max-note-chars + 64 KiB "
                   "(one note of the longest allowed length in any UTF-8).")
@click.option("--entity-output-mode", type=click.Choice(["dict", "list"]), default="dict", show_default=True,
              help="MedCATservice's ANNOTATIONS_ENTITY_OUTPUT_MODE: annotations as {id: entity} or a list.")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log method, path and status of each request (never bodies).")
@click.option("--linker", type=click.Choice(sorted(LINKERS)), default=DEFAULT_LINKER, show_default=True,
              help="Concept linker loaded from the pack folder (concepts/linkers.py).")
def serve(pack, host, port, token_file, insecure_no_auth, workers, policy_path, rules_path, max_note_chars,
          max_body_bytes, entity_output_mode, access_log, linker, profile_path=None):
    """Serve the annotation pipeline over HTTP (MedCATservice API + /api/suggest)."""
    from coding_toolkit.concepts.pack import load_pack
    from coding_toolkit.web import server

    settings = checked_server_settings(host, token_file, insecure_no_auth)
    server.require_stack()
    if pack and pack != "starter":
        pack = os.path.abspath(pack)
        load_pack(pack, lazy=True)  # a wrong folder or a changed pack fails here, before anything is announced
    else:
        pack = None
    settings.update(pack=pack, policy_path=policy_path and os.path.abspath(policy_path),
                    rules_path=rules_path and os.path.abspath(rules_path),
                    profile_path=profile_path and os.path.abspath(profile_path), max_note_chars=max_note_chars,
                    max_body_bytes=max_body_bytes or 4 * max_note_chars + 65536,
                    entity_output_mode=entity_output_mode)
    # the pipeline each worker loads: the same RunConfig shape as annotate's (Pipeline.from_config)
    settings["run_config"] = asdict(RunConfig(pack=pack, policy_path=settings["policy_path"],
                                              rules_path=settings["rules_path"], max_note_chars=max_note_chars,
                                              linker=linker, profile_path=settings["profile_path"]))
    click.echo(f"pack checked; loading it in {workers} worker(s): http://{host}:{port} is up when uvicorn says "
               "'Application startup complete'", err=True)
    server.run("coding_toolkit.service.app:create_app", settings, host=host, port=port, workers=workers,
               access_log=access_log)
