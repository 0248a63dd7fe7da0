"""The command line: thin on top of pipeline.run_batch.

Exit codes: 0 every article done or skipped; 1 some articles failed; 2 bad usage (unknown
option, bad value, unreadable config file, a broken prompt template); 3 a model the batch needs
cannot be found or used (nothing was processed); 4 a figure or quote did not come through
verbatim (`check`, and `run --strict`); 5 another run holds the output folder; 6 stopped by
SIGINT or SIGTERM after the article in flight (the next run goes on); 7 the output folder's disk
is full (the run stopped; what it wrote is complete, and the next run goes on). Parked articles
(failed `max_attempts` runs in a row) do not make a run exit 1 again; the run that parks one does.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsbrief import __version__
from newsbrief.config import (
    ConfigError,
    Settings,
    apply_models,
    apply_options,
    load_settings,
    parse_model_option,
    split_strategies,
)
from newsbrief.errors import ModelUnavailable, ModelUnusable, OutputUnwritable
from newsbrief.locking import OutputLocked, output_lock
from newsbrief.prompts import load_prompts
from newsbrief.stopping import StopRequest

EXIT_OK = 0
EXIT_ARTICLES_FAILED = 1
EXIT_USAGE = 2
EXIT_MODEL_UNAVAILABLE = 3
EXIT_FLAGGED = 4
EXIT_LOCKED = 5
EXIT_INTERRUPTED = 6
EXIT_DISK_FULL = 7

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Translate and summarise folders of news articles, keeping quotes and figures verbatim.",
)


class RichProgress:
    """A progress bar for a terminal; the pipeline only sees phase() and advance()."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=None)

    def phase(self, description: str, total: int) -> None:
        self.progress.reset(self.task, description=description, total=total, completed=0)

    def advance(self, amount: int = 1) -> None:
        self.progress.advance(self.task, amount)


def _languages(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def build_settings(config: Path | None, models: list[str], **options: object) -> Settings:
    """Config file, then options; `--summariser instruct:MODEL` also sets the summariser model."""
    settings = load_settings(config)
    roles = dict(parse_model_option(m) for m in models)
    strategies = {task: str(options.pop(task)) for task in ("summariser", "translator") if options.get(task)}
    options.update(split_strategies(strategies, roles))
    settings = apply_options(settings, **{k: v for k, v in options.items() if v is not None})
    return apply_models(settings, roles)


@app.command()
def run(
    input_dir: Annotated[
        Path,
        typer.Argument(help="Folder of articles (.txt .md .json .html), searched recursively; or one file."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("outputs"),
    to: Annotated[str | None, typer.Option(help="Target languages, comma-separated.")] = None,
    summariser: Annotated[
        str | None,
        typer.Option(
            help="extractive (no model), seq2seq[:MODEL] or instruct[:MODEL]; MODEL is a hub id, "
            "a folder or a .gguf file."
        ),
    ] = None,
    translator: Annotated[
        str | None,
        typer.Option(help="seq2seq (OPUS-MT per language pair, the default) or instruct[:MODEL]."),
    ] = None,
    prompts: Annotated[
        Path | None,
        typer.Option(help="Folder of prompt templates for instruction models (default: prompts/)."),
    ] = None,
    summary_languages: Annotated[str | None, typer.Option(help="Summary languages, comma-separated.")] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="ROLE=MODEL, e.g. uk-en=./models/opus-mt-uk-en or "
            "summariser=facebook/bart-large-cnn; repeatable.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="TOML configuration file.", exists=True, dir_okay=False),
    ] = None,
    beams: Annotated[
        int | None, typer.Option(help="Beam size for translation and summaries (1 = greedy).")
    ] = None,
    batch_tokens: Annotated[
        int | None, typer.Option(help="Source tokens per translation batch (memory bound).")
    ] = None,
    figures: Annotated[
        str | None,
        typer.Option(help="verbatim (as the source writes them) or localise (target-language separators)."),
    ] = None,
    unverified: Annotated[
        str | None,
        typer.Option(help="When a translation's figures cannot be verified: best (kept, flagged) or source."),
    ] = None,
    quotes: Annotated[
        str | None,
        typer.Option(
            help="Quotes in translations: translated, original, or both (translation, then original)."
        ),
    ] = None,
    figure_candidates: Annotated[
        int | None,
        typer.Option(
            help="Beam candidates searched when a translation loses a figure or trips an output check "
            "(0 = flag only)."
        ),
    ] = None,
    wait: Annotated[
        float | None,
        typer.Option(help="When another run holds OUT, wait up to SECONDS for it instead of exiting 5."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 4 when any figure or quote is flagged.")
    ] = False,
    device: Annotated[str | None, typer.Option(help="auto, cpu or cuda.")] = None,
    engine: Annotated[
        str | None,
        typer.Option(help="Where chunks are translated: local (this process) or ray (a Ray cluster)."),
    ] = None,
    ray_address: Annotated[
        str | None,
        typer.Option(help="With --engine ray: a cluster's address (default: start Ray on this machine)."),
    ] = None,
    ray_actors: Annotated[
        int | None,
        typer.Option(help="With --engine ray: actors (default: one per GPU, or one per two CPUs)."),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(
            help="auto (CTranslate2 for Marian models when installed, else transformers), "
            "transformers or ctranslate2."
        ),
    ] = None,
    compute_type: Annotated[
        str | None,
        typer.Option(
            help="CTranslate2 compute type: auto (int8 on a CPU, int8_float16 on a GPU), int8, float32…"
        ),
    ] = None,
    quantize: Annotated[
        str | None, typer.Option(help="transformers models: none, or int8 (torch dynamic int8, CPU).")
    ] = None,
    threads: Annotated[
        int | None, typer.Option(help="CTranslate2 threads (default: every core this process may use).")
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="Glob of files to ignore, added to the defaults (.* and *.expected.json)."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing unless an article failed.")
    ] = False,
    log_format: Annotated[
        str,
        typer.Option(
            "--log-format",
            help="human (a progress bar and a table) or json (one line per article and one per run, "
            "on stdout).",
        ),
    ] = "human",
    article_timeout: Annotated[
        float | None,
        typer.Option(help="Seconds one article may take before it fails (0 = no limit; default 900)."),
    ] = None,
    max_attempts: Annotated[
        int | None,
        typer.Option(help="Failed runs of the same source before it is parked (default 3)."),
    ] = None,
    retry_parked: Annotated[
        bool, typer.Option("--retry-parked", help="Try parked articles again this once.")
    ] = False,
    no_review: Annotated[
        bool, typer.Option("--no-review", help="Do not write or update the review pages (_review/).")
    ] = False,
) -> None:
    """Translate and summarise every article in INPUT_DIR into OUT."""
    from newsbrief.pipeline import run_batch  # heavy imports only for real work

    if not input_dir.exists():
        _fail_usage(f"input folder {input_dir} does not exist")
    if out.resolve() == input_dir.resolve():
        _fail_usage(f"the output folder {out} is the input folder: its outputs would be read as articles")
    if log_format not in ("human", "json"):
        _fail_usage(f"--log-format must be human or json, not {log_format!r}")
    try:
        settings = build_settings(
            config,
            model or [],
            targets=_languages(to),
            summariser=summariser,
            translator=translator,
            prompts=str(prompts) if prompts else None,
            summary_languages=_languages(summary_languages),
            num_beams=beams,
            batch_tokens=batch_tokens,
            figures=figures,
            unverified=unverified,
            quotes=quotes,
            figure_candidates=figure_candidates,
            device=device,
            engine=engine,
            ray_address=ray_address,
            ray_actors=ray_actors,
            backend=backend,
            compute_type=compute_type,
            quantize=quantize,
            threads=threads,
            article_timeout=article_timeout,
            max_attempts=max_attempts,
            retry_parked=retry_parked or None,
            review=False if no_review else None,
        )
        if exclude:
            settings = apply_options(settings, exclude=(*settings.exclude, *exclude))
        load_prompts(settings)  # a broken template is a usage error before anything is touched
        if settings.engine == "ray":
            from newsbrief.cluster import import_ray

            import_ray()  # not installed: a usage error, before the output folder is touched
    except ConfigError as error:
        _fail_usage(str(error))

    console = Console()
    if not console.is_terminal:  # a log or cron mail: no wrapped table headers at 80 columns
        console = Console(width=120)
    stop = StopRequest()
    as_json = log_format == "json"
    listener = _json_listener(quiet) if as_json else None
    try:
        with output_lock(out, wait or 0), stop.installed():
            if as_json:
                report = run_batch(input_dir, out, settings, stop=stop, on_outcome=listener)
            elif console.is_terminal and not quiet:
                columns = (
                    TextColumn("{task.description:<22}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                )
                with Progress(*columns, console=console, transient=True) as bar:
                    report = run_batch(input_dir, out, settings, RichProgress(bar), stop)
            else:
                report = run_batch(input_dir, out, settings, stop=stop)
    except OutputLocked as error:
        typer.echo(f"newsbrief: {error}; not started (use --wait SECONDS to queue)", err=True)
        raise typer.Exit(EXIT_LOCKED) from error
    except ConfigError as error:  # a prompt template, checked before any model is loaded
        _fail_usage(str(error))
    except (ModelUnavailable, ModelUnusable) as error:
        typer.echo(f"newsbrief: {error}", err=True)
        raise typer.Exit(EXIT_MODEL_UNAVAILABLE) from error
    except OutputUnwritable as error:  # before any article: nothing was done
        typer.echo(f"newsbrief: {error}; nothing was done", err=True)
        raise typer.Exit(_unwritable_exit(error)) from error

    flagged = strict and bool(report.flagged())
    if as_json:
        from newsbrief.events import run_event

        typer.echo(run_event(report, out))
    else:
        _print_problems(report, ("failed",) if quiet else ("skipped", "failed", "parked"))
        if not quiet or report.failed or flagged or report.interrupted or report.output_error:
            _print_table(console, report)
    if report.output_error is not None:
        typer.echo(
            f"newsbrief: {report.output_error}; stopped after {report.count('done')} article(s). What was "
            "written is complete; the next run goes on from there",
            err=True,
        )
        raise typer.Exit(_unwritable_exit(report.output_error))
    if report.interrupted:
        typer.echo(
            f"newsbrief: {report.interrupted} after {report.count('done')} article(s); "
            "the next run goes on from there",
            err=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    if report.failed:
        raise typer.Exit(EXIT_ARTICLES_FAILED)
    raise typer.Exit(EXIT_FLAGGED if flagged else EXIT_OK)


@app.command()
def check(
    out_dir: Annotated[Path, typer.Argument(help="An output folder of `newsbrief run`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the fidelity records as JSON.")] = False,
) -> None:
    """Recompute the fidelity record of every article from its files; exit 4 when anything is
    flagged (a figure changed, missing or invented, a quote lost, a summary not verbatim)."""
    from newsbrief.checking import check_output

    if not out_dir.is_dir():
        _fail_usage(f"output folder {out_dir} does not exist")
    checked = check_output(out_dir)
    if not checked:
        _fail_usage(f"{out_dir} holds no article folders (no */article.json)")
    if as_json:
        records = {c.folder.name: c.fidelity for c in checked}
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        for article in checked:
            for problem in article.problems:
                typer.echo(f"{article.folder.name}: {problem}")
    flagged = [c for c in checked if c.problems]
    typer.echo(f"{len(checked)} article(s) checked, {len(flagged)} flagged", err=True)
    _report_narration(checked)
    raise typer.Exit(EXIT_FLAGGED if flagged else EXIT_OK)


def _report_narration(checked: list) -> None:
    """The share of the sources' quote spans that begin or end like a reporting clause ("it
    said.", "He said:"): narration taken for a quote. It should be 0; each one is named."""
    from newsbrief.quotes import looks_like_narration

    quotes = [(c.folder.name, q) for c in checked for q in c.quotes]
    suspects = [(name, q) for name, q in quotes if looks_like_narration(q)]
    share = 100 * len(suspects) / max(1, len(quotes))
    typer.echo(
        f"{len(quotes)} quote(s) in the sources, {len(suspects)} ({share:.1f}%) like narration", err=True
    )
    for name, quote in suspects:
        typer.echo(f"  {name}: quote looks like narration: {quote[:80]}", err=True)


models_app = typer.Typer(help="The models a run uses: list them, fetch them.", no_args_is_help=False)
app.add_typer(models_app, name="models")


@models_app.callback(invoke_without_command=True)
def models(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option("--config", "-c", exists=True, dir_okay=False)] = None,
    model: Annotated[list[str] | None, typer.Option("--model", "-m")] = None,
) -> None:
    """List the configured models and whether each is available here (in the cache or a folder)."""
    if ctx.invoked_subcommand is not None:
        return
    from newsbrief.models import resolve_model

    missing = 0
    for role, ref in _configured_models(config, model or []).items():
        try:
            resolved = resolve_model(ref, allow_download=False)
            state = f"ok ({resolved.revision})"
        except ModelUnavailable as error:
            state, missing = f"missing: {error.reason}", missing + 1
        typer.echo(f"{role:12} {ref:40} {state}")
    if missing:
        typer.echo("fetch the missing ones with: newsbrief models fetch", err=True)


@models_app.command("fetch")
def models_fetch(
    refs: Annotated[
        list[str] | None, typer.Argument(help="Hub ids (default: every configured model).")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", "-c", exists=True, dir_okay=False)] = None,
    model: Annotated[list[str] | None, typer.Option("--model", "-m")] = None,
) -> None:
    """Download models into the Hugging Face cache once, so that cron runs can use
    HF_HUB_OFFLINE=1. Exit 3 when any could not be fetched."""
    from newsbrief.models import resolve_model

    wanted = refs or list(dict.fromkeys(_configured_models(config, model or []).values()))
    missing = 0
    for ref in wanted:
        try:
            resolved = resolve_model(ref, allow_download=True)
            typer.echo(f"ok       {ref}  ({resolved.path})")
        except ModelUnavailable as error:
            missing += 1
            typer.echo(f"missing  {ref}: {error.reason}", err=True)
    raise typer.Exit(EXIT_MODEL_UNAVAILABLE if missing else EXIT_OK)


def _configured_models(config: Path | None, models: list[str]) -> dict[str, str]:
    """Role -> model for what a run with this configuration may use (the fallback is listed
    only when the configuration accepts a source language without a direct model)."""
    try:
        settings = build_settings(config, models)
    except ConfigError as error:
        _fail_usage(str(error))
    roles = dict(settings.translation_models)
    if settings.summariser == "seq2seq":
        roles["summariser"] = settings.summariser_model
    if "instruct" in (settings.summariser, settings.translator):
        roles["instruct"] = settings.instruct_model
    pairs = {f"{s}-{t}" for s in settings.source_languages for t in settings.targets if s != t}
    if pairs - set(roles):
        roles["fallback"] = settings.fallback_model
    return roles


@app.command()
def status(out_dir: Annotated[Path, typer.Argument(help="An output folder of `newsbrief run`.")]) -> None:
    """Counts by state, the last runs, failed and parked articles with their reasons, and
    orphans (outputs whose source file is gone; they are kept, never deleted)."""
    from newsbrief.manifest import MANIFEST_NAME
    from newsbrief.status import output_status

    manifest = out_dir / MANIFEST_NAME
    if not manifest.is_file():
        _fail_usage(f"{out_dir} has no {MANIFEST_NAME}: not an output folder of newsbrief run")
    state = output_status(manifest)
    states = ("done", "skipped", "failed", "parked")
    counts = ", ".join(f"{state.counts.get(name, 0)} {name}" for name in states)
    typer.echo(f"articles: {counts}, {len(state.orphans)} orphaned")
    for run in state.runs[:3]:
        ended = run["finished_at"] or "never finished (killed?)"
        typer.echo(
            f"run {run['id']}: {run['started_at']} -> {ended} {run['outcome'] or ''}: "
            f"{run['done'] or 0} done, {run['skipped'] or 0} skipped, {run['failed'] or 0} failed, "
            f"{run['seconds'] or 0:.1f} s"
        )
    for row in state.failed:
        typer.echo(f"failed: {row.source_path}: {row.error} (attempt {row.attempts}; retried next run)")
    for row in state.parked:
        typer.echo(
            f"parked: {row.source_path}: {row.error} (failed {row.attempts} runs in a row; retried when "
            "the file changes, or with --retry-parked)"
        )
    for row in state.orphans:
        typer.echo(f"orphan: {row.id} (source {row.source_path} is gone; its outputs are kept)")


@app.command()
def review(
    out_dir: Annotated[Path, typer.Argument(help="An output folder of `newsbrief run`.")],
    open_page: Annotated[bool, typer.Option("--open", help="Open the index in a web browser.")] = False,
) -> None:
    """Write the review pages: OUT_DIR/_review/index.html lists every article, flagged first;
    one page per article shows the source and its translations side by side."""
    from newsbrief.manifest import MANIFEST_NAME, Manifest
    from newsbrief.review import write_review

    if not (out_dir / MANIFEST_NAME).is_file():
        _fail_usage(f"{out_dir} has no {MANIFEST_NAME}: not an output folder of newsbrief run")
    manifest = Manifest(out_dir / MANIFEST_NAME)
    try:
        index = write_review(out_dir, manifest)
    finally:
        manifest.close()
    typer.echo(str(index))
    if open_page:
        import webbrowser

        webbrowser.open(index.resolve().as_uri())


@app.command()
def export(
    out_dir: Annotated[Path, typer.Argument(help="An output folder of `newsbrief run`.")],
    format_: Annotated[str, typer.Option("--format", help="tmx (TMX 1.4 translation memory).")] = "tmx",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Export the aligned segments: TMX 1.4, one translation unit per source line and language."""
    from newsbrief.tmx import export_tmx

    if format_ != "tmx":
        _fail_usage(f"--format must be tmx, not {format_!r}")
    if not out_dir.is_dir():
        _fail_usage(f"output folder {out_dir} does not exist")
    text = export_tmx(out_dir)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"newsbrief {__version__}")


def _unwritable_exit(error: OutputUnwritable) -> int:
    """A full disk has its own code (cron can tell it from bad usage); a folder that cannot be
    written at all (read-only, no permission) is a usage error."""
    return EXIT_DISK_FULL if error.disk_full else EXIT_USAGE


def _fail_usage(message: str) -> NoReturn:
    typer.echo(f"newsbrief: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _json_listener(quiet: bool):
    """Prints each article's JSON line as it is settled; with --quiet, failures only."""
    from newsbrief.events import article_event

    def listen(outcome) -> None:
        if not quiet or outcome.status == "failed":
            typer.echo(article_event(outcome))

    return listen


def _print_problems(report, statuses: tuple[str, ...]) -> None:
    for outcome in report.outcomes:
        if outcome.status in statuses:
            typer.echo(f"{outcome.status}: {outcome.path}: {outcome.reason}{_attempts(outcome)}", err=True)


def _attempts(outcome) -> str:
    """A failure's history, as the operator needs it."""
    if outcome.status == "parked":
        return f" (parked after {outcome.attempts} attempts; --retry-parked tries again)"
    if outcome.parked:
        return f" (attempt {outcome.attempts}; parked: not retried until the file changes)"
    return f" (attempt {outcome.attempts})" if outcome.attempts else ""


def _print_table(console: Console, report) -> None:
    table = Table(title="newsbrief run", show_header=True)
    columns = ("done", "skipped", "failed", "parked", "words translated", "figures kept", "flagged", "time")
    for column in columns:
        table.add_column(column, justify="right")
    skipped = report.count("skipped") + report.count("up-to-date")
    table.add_row(
        str(report.count("done")),
        str(skipped),
        str(report.failed),
        str(report.count("parked")),
        f"{report.words:,}",
        f"{report.fidelity_total('figures_kept'):,}/{report.fidelity_total('figures_total'):,}",
        str(len(report.flagged())),
        f"{report.seconds:.1f} s",
    )
    console.print(table)
    if report.count("up-to-date"):
        console.print(f"{report.count('up-to-date')} article(s) already up to date: not redone.")
    if report.model_load_seconds:
        console.print(f"models loaded in {report.model_load_seconds:.1f} s")
    if report.flagged():
        console.print(
            f"{len(report.flagged())} article(s) flagged: a figure or quote did not come through verbatim "
            "(see fidelity in each article.json, or run `newsbrief check`)."
        )


def _quiet_libraries() -> None:
    """Third-party progress bars and advice would drown the one line per problem we print."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Plain tqdm bars (transformers' GGUF loader has one) would land in cron mail.
    os.environ.setdefault("TQDM_DISABLE", "1")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*sacremoses.*")
    # Read when transformers is first imported: a run that needs no torch model never imports it.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from huggingface_hub.utils import disable_progress_bars

    if not sys.stderr.isatty():
        disable_progress_bars()


def main() -> None:
    _quiet_libraries()
    app()
