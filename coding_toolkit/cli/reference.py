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


def _walk(command: click.Command, path: list[str]):
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            yield from _walk(command.get_command(ctx, name), path + [name])


def render_reference() -> str:
    parts = [HEADER]
    for path, command in _walk(cli, ["coding-toolkit"]):
        ctx = click.Context(command, info_name=" ".join(path), terminal_width=100, max_content_width=100)
        parts.append(f"\n## `{' '.join(path)}`\n\n```text\n{command.get_help(ctx)}\n```\n")
    return "".join(parts)


if __name__ == "__main__":
    click.echo(render_reference(), nl=False)
