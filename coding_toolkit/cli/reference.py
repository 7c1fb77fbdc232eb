"""Render the CLI reference (docs/cli.md) from the commands' own --help text.

    python -m coding_toolkit.cli.reference > docs/cli.md

A test fails when docs/cli.md differs from this output, so a new or changed command is never
left undocumented.
"""
from __future__ import annotations

import click

from coding_toolkit.cli.main import cli

HEADER = """# CLI reference

Generated from `--help` by `python -m coding_toolkit.cli.reference > docs/cli.md`; do not edit by hand
(`tests/test_cli_reference.py` fails when this page is out of date).
"""


def _walk(command: click.Command, path: list[str], parent: click.Context | None = None):
    """(path, command, context) for the group and every subcommand, contexts chained as click does
    (so subcommands inherit settings such as ``-h`` from the group)."""
    ctx = command.make_context(path[-1], [], parent=parent, resilient_parsing=True,
                               terminal_width=100, max_content_width=100)
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            yield from _walk(command.get_command(ctx, name), path + [name], ctx)


def render_reference() -> str:
    parts = [HEADER]
    for path, command, ctx in _walk(cli, ["coding-toolkit"]):
        parts.append(f"\n## `{' '.join(path)}`\n\n```text\n{command.get_help(ctx)}\n```\n")
    return "".join(parts)


if __name__ == "__main__":
    click.echo(render_reference(), nl=False)
