"""The command line: each command parses its options, calls the library and prints; the exit
codes are errors.ExitCode's (0 done, 1 articles failed, 2 usage, 3 model, 4 flagged, 5 locked,
6 interrupted, 7 disk full)."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Annotated

import typer

from newsbrief._version import __version__
from newsbrief.cli.folder_commands import check, export, review, status
from newsbrief.cli.help import GroupedHelp
from newsbrief.cli.models_commands import models_app
from newsbrief.cli.run_command import run
from newsbrief.errors import EXIT_OK

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Translate and summarise folders of news articles, keeping quotes and figures verbatim.",
)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"newsbrief {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _top(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Translate and summarise folders of news articles, keeping quotes and figures verbatim."""


def version() -> None:
    """Print the version."""
    typer.echo(f"newsbrief {__version__}")


app.command(cls=GroupedHelp, short_help="Translate and summarise every article in INPUT_DIR into OUT.")(run)
app.command(
    cls=GroupedHelp, short_help="Recompute every article's fidelity record from its files; exit 4 if flagged."
)(check)
app.add_typer(models_app, name="models")
app.command(
    cls=GroupedHelp, short_help="Counts by state, the last runs, failed, parked and orphaned articles."
)(status)
app.command(
    cls=GroupedHelp, short_help="Write the review pages (OUT_DIR/_review/index.html and one per article)."
)(review)
app.command(cls=GroupedHelp, short_help="Export the aligned lines as a TMX 1.4 translation memory.")(export)
app.command(cls=GroupedHelp, short_help="Print the version.")(version)


def _quiet_libraries() -> None:
    """Third-party progress bars and advice would drown the one line per problem we print."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Plain tqdm bars (transformers' GGUF loader has one) would land in cron mail.
    os.environ.setdefault("TQDM_DISABLE", "1")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*sacremoses.*")
    # Read when transformers is first imported: a run that needs no torch model never imports it.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if not sys.stderr.isatty():  # read when huggingface_hub is first imported (never for --help)
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def main() -> None:
    _quiet_libraries()
    app()
