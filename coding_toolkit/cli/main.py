"""The ``coding-toolkit`` click group.

Subcommands are imported only when named, so ``coding-toolkit --help`` and the map commands
start without importing medcat. Library errors (``ToolkitError``) are printed as one line
without a traceback and exit with code 2.
"""
from __future__ import annotations

import importlib
import logging
import sys

import click

from coding_toolkit import __version__
from coding_toolkit.errors import ToolkitError

# command name -> (module, attribute, one-line help shown by --help without importing it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "annotate": ("coding_toolkit.cli.annotate_cmd", "annotate", "Annotate notes and write code suggestions."),
    "maps": ("coding_toolkit.cli.maps_cmd", "maps", "Import and inspect NHS SNOMED CT -> ICD-10/OPCS-4 maps."),
    "model": ("coding_toolkit.cli.model_cmd", "model", "Build and inspect MedCAT model packs."),
    "train": ("coding_toolkit.cli.train_cmd", "train", "Train a model pack (unsupervised, supervised, meta)."),
    "evaluate": ("coding_toolkit.cli.evaluate_cmd", "evaluate",
                 "Score suggestions against your coders' codes or a MedCATtrainer export."),
    "learn": ("coding_toolkit.cli.learn_cmd", "learn", "Learn a coding profile from your coded episodes."),
    "context": ("coding_toolkit.cli.context_cmd", "context", "Evaluate the negation/temporality/experiencer filter."),
    "review": ("coding_toolkit.cli.review_cmd", "review", "Coder review page: check suggestions, export decisions."),
    "serve": ("coding_toolkit.cli.serve_cmd", "serve", "Serve annotation over HTTP (MedCATservice-compatible API)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ToolkitError as err:
            click.echo(f"Error: {err}", err=True)
            sys.exit(err.exit_code)
        except KeyboardInterrupt:  # a run stopped inside annotate says more (bulk/runner.py)
            click.echo("Error: interrupted (Ctrl-C); fix: run the same command again to finish", err=True)
            sys.exit(130)
        except Exception as err:
            # the OS refused a path or ran out of disk mid-command: one line naming the file, no traceback
            from coding_toolkit.io.outputs import describe_os_error, disk_full

            if not (isinstance(err, OSError) or disk_full(err)):
                raise
            logging.getLogger("coding_toolkit").debug("the error behind the message below", exc_info=True)  # -vv
            click.echo(f"Error: {describe_os_error(err)}", err=True)
            sys.exit(2)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coding-toolkit")
@click.option("-v", "--verbose", count=True,
              help="-v: the toolkit's INFO messages (never note text); -vv: its DEBUG and the libraries' INFO "
                   "(MedCAT's may quote words of the notes).")
def cli(verbose: int) -> None:
    """Suggest ICD-10 and OPCS-4 codes, with evidence, from clinical notes for coders to check."""
    configure_logging(verbose)


def configure_logging(verbose: int) -> None:
    """Libraries stay at WARNING unless -vv: MedCAT logs several INFO lines per note."""
    logging.basicConfig(level=logging.INFO if verbose >= 2 else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("coding_toolkit").setLevel(
        logging.DEBUG if verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING)


def main() -> None:
    cli(prog_name="coding-toolkit")
