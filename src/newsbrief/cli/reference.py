"""The options reference of docs/options.md, made from the command line itself: every command's
arguments and options with their flags, the value they take, the configuration key of those
that are settings, and their help text (where each default is said, once). The manual cannot
drift from `--help`: tests/test_manual.py compares the file with this, and
`python scripts/write_options_reference.py` rewrites it."""

from __future__ import annotations

from typing import Any

BEGIN = "<!-- options reference: made by scripts/write_options_reference.py; do not edit by hand -->"
END = "<!-- end of the options reference -->"
COMMANDS = (("run",), ("check",), ("status",), ("review",), ("export",), ("models",), ("models", "fetch"))


def options_reference() -> str:
    """The generated part of docs/options.md, BEGIN and END included."""
    import typer

    from newsbrief.cli.app import app

    root = typer.main.get_command(app)
    sections = [BEGIN]
    for path in COMMANDS:
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        sections.append(_section(path, command))
    sections.append(_settings_table())
    sections.append(END)
    return "\n\n".join(sections) + "\n"


def _settings_table() -> str:
    """Every setting the configuration file takes, its default (read from its field) and
    whether it re-runs the articles it touches when changed."""
    from dataclasses import fields

    from newsbrief.settings.groups import GROUPS, Settings

    defaults = Settings()
    rows = [
        "### Every setting of the configuration file",
        "",
        "| key | default | group | an option of `run` | a change re-runs the articles it touches |",
        "| --- | --- | --- | --- | --- |",
    ]
    for group, kind in GROUPS.items():
        for declared in fields(kind):
            value = getattr(getattr(defaults, group), declared.name)
            option = "yes" if declared.metadata["option"] else "config file only"
            rerun = declared.metadata["hash"]  # every article, articles that use it, never
            rows.append(f"| `{declared.name}` | {_cell(_shown(value))} | {group} | {option} | {rerun} |")
    return "\n".join(rows)


def _shown(value: object) -> str:
    if value is None:
        return "unset: the model's own"
    if isinstance(value, tuple | list):
        return "`[" + ", ".join(f'"{item}"' for item in value) + "]`"
    if isinstance(value, dict):
        return "`{" + ", ".join(f'"{k}" = "{v}"' for k, v in value.items()) + "}` (`[models]`)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def _section(path: tuple[str, ...], command: Any) -> str:
    """Typer's commands are click's (a copy of click that typer carries: duck-typed here)."""
    summary = " ".join((command.help or "").split("\n\n")[0].split())
    rows = ["| argument or option | config key | what it does |", "| --- | --- | --- |"]
    for param in command.params:
        if param.name == "help" or getattr(param, "hidden", False):
            continue
        rows.append(f"| {_flags(param)} | {_config_key(param)} | {_cell(param.help or '')} |")
    return f"### newsbrief {' '.join(path)}\n\n{summary}\n\n" + "\n".join(rows)


def _flags(param: Any) -> str:
    if param.param_type_name == "argument":
        return f"`{param.metavar or param.name.upper()}`"
    flags = [*param.opts, *param.secondary_opts]
    value = "" if param.is_flag else f" {param.metavar or 'VALUE'}"
    shown = [f"`{flag}{value}`" if flag.startswith("--") else f"`{flag}`" for flag in flags]
    return _cell(", ".join(shown))


def _config_key(param: Any) -> str:
    from newsbrief.settings.groups import GROUP_OF

    return f"`{param.name}`" if param.name in GROUP_OF else ""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
