"""What every command shares: ending early with one line and an exit code, and the settings of
a configuration."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer

from newsbrief.errors import EXIT_USAGE
from newsbrief.settings.groups import Settings
from newsbrief.settings.sources import load_settings


class Stopped(typer.Exit):
    """A command that ends before its work, or instead of it: its exit code and the reason,
    which the JSON log's end line repeats."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code)
        self.reason = reason


def say(code: int, reason: str) -> Stopped:
    typer.echo(f"newsbrief: {reason}", err=True)
    return Stopped(code, reason)


def fail_usage(message: str) -> NoReturn:
    raise say(EXIT_USAGE, message)


def language_list(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def build_settings(config: Path | None, models: list[str], **overrides: object) -> Settings:
    """The run's settings from a config file, ROLE=MODEL strings and settings by name."""
    return load_settings(config, overrides, models)
