"""The command line: the Typer app and its commands (app.py), each in the module of its kind
(run_command.py; folder_commands.py: check, status, review, export; models_commands.py), their
options declared once (options.py), what they share (common.py), and how a run is told on a
terminal or as JSON lines (reporters.py). Commands parse, call the library and print.

May import: everything.
"""

from newsbrief.cli.app import app, main
from newsbrief.errors import (
    EXIT_ARTICLES_FAILED,
    EXIT_CLUSTER,
    EXIT_DISK_FULL,
    EXIT_FLAGGED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_MODEL_UNAVAILABLE,
    EXIT_OK,
    EXIT_USAGE,
)

# The exit codes, for scripts and tests that read them beside the command line.
__all__ = [
    "EXIT_ARTICLES_FAILED",
    "EXIT_CLUSTER",
    "EXIT_DISK_FULL",
    "EXIT_FLAGGED",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_MODEL_UNAVAILABLE",
    "EXIT_OK",
    "EXIT_USAGE",
    "app",
    "main",
]
