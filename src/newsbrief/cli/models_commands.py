"""`newsbrief models`: the models a configuration's runs use, whether each is here, and fetching
them once for offline runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsbrief.cli.common import build_settings, fail_usage
from newsbrief.cli.help import GroupedHelp
from newsbrief.cli.options import ConfigFile, ModelSetOption
from newsbrief.errors import EXIT_MODEL_UNAVAILABLE, EXIT_OK, ConfigError, ModelUnavailable

models_app = typer.Typer(
    help="The models a run uses: list them, fetch them.", no_args_is_help=False, rich_markup_mode=None
)


# `newsbrief models`'s options: the configuration a run would have.
ModelRoles = Annotated[
    list[str] | None,
    typer.Option("--model", "-m", metavar="ROLE=MODEL", help="A model for a role, as for run; repeatable."),
]


@models_app.callback(invoke_without_command=True)
def models(
    ctx: typer.Context,
    config: ConfigFile = None,
    model: ModelRoles = None,
    model_set: ModelSetOption = None,
) -> None:
    """List the models this configuration's runs may use and whether each is available here (in
    the cache or a folder). Exit 3 when any is missing, as `newsbrief run` would."""
    if ctx.invoked_subcommand is not None:
        return
    from newsbrief.models.resolve import resolve_model

    missing = 0
    for role, ref in _configured_models(config, model or [], model_set).items():
        try:
            resolved = resolve_model(ref, allow_download=False)
            state = f"ok ({resolved.revision})"
        except ModelUnavailable as error:
            state, missing = f"missing: {error.reason}", missing + 1
        typer.echo(f"{role:12} {ref:40} {state}")
    if missing:
        typer.echo(f"{missing} missing: fetch them with: newsbrief models fetch", err=True)
        raise typer.Exit(EXIT_MODEL_UNAVAILABLE)


@models_app.command(
    "fetch",
    cls=GroupedHelp,
    short_help="Download the models into the Hugging Face cache once, for offline runs.",
)
def models_fetch(
    refs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="MODEL", help="Hub ids (default: every configured model).", show_default=False
        ),
    ] = None,
    config: ConfigFile = None,
    model: ModelRoles = None,
    model_set: ModelSetOption = None,
) -> None:
    """Download models into the Hugging Face cache once, so that cron runs can use
    HF_HUB_OFFLINE=1. Exit 3 when any could not be fetched."""
    from newsbrief.models.resolve import resolve_model

    wanted = refs or list(dict.fromkeys(_configured_models(config, model or [], model_set).values()))
    missing = 0
    for ref in wanted:
        try:
            resolved = resolve_model(ref, allow_download=True)
            typer.echo(f"ok       {ref}  ({resolved.path})")
        except ModelUnavailable as error:
            missing += 1
            typer.echo(f"missing  {ref}: {error.reason}", err=True)
    raise typer.Exit(EXIT_MODEL_UNAVAILABLE if missing else EXIT_OK)


def _configured_models(config: Path | None, models: list[str], model_set: str | None) -> dict[str, str]:
    from newsbrief.generation.plan import Routing, model_roles

    try:
        settings = build_settings(config, models, model_set=model_set)
    except ConfigError as error:
        fail_usage(str(error))
    return model_roles(Routing.of(settings), settings.models)
