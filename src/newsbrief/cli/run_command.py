"""`newsbrief run`: the settings checked whole before the output folder is touched, then one
batch under the folder's lock, told by the reporter the user chose."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from newsbrief.cli.common import Stopped, fail_usage, say
from newsbrief.cli.options import (
    LOG_FORMATS,
    RUN_ONLY,
    ArticleTimeout,
    Backend,
    BatchTokens,
    ComputeType,
    ConfigFile,
    Device,
    EngineOption,
    Exclude,
    Feeds,
    FigureCandidates,
    Figures,
    GlossaryFile,
    InputDir,
    LogFormat,
    MaxAttempts,
    MaxMemory,
    Models,
    ModelSetOption,
    NumBeams,
    OtherSummariesOption,
    OutDir,
    Prompts,
    Quantize,
    Quiet,
    Quotes,
    RayActors,
    RayAddress,
    RetryParked,
    Review,
    Strict,
    SummariserOption,
    SummaryDocuments,
    SummaryLanguages,
    Targets,
    Threads,
    TranslatorOption,
    Unverified,
    Wait,
)
from newsbrief.errors import EXIT_ARTICLES_FAILED, ConfigError, NewsbriefError, OutputLocked, OutputUnwritable

if TYPE_CHECKING:
    from newsbrief.run.preflight import Prepared


def run(
    ctx: typer.Context,
    input_dir: InputDir,
    out: OutDir = Path("outputs"),
    targets: Targets = None,
    summariser: SummariserOption = None,
    translator: TranslatorOption = None,
    prompts: Prompts = None,
    summary_languages: SummaryLanguages = None,
    other_summaries: OtherSummariesOption = None,
    model: Models = None,
    model_set: ModelSetOption = None,
    config: ConfigFile = None,
    num_beams: NumBeams = None,
    batch_tokens: BatchTokens = None,
    figures: Figures = None,
    unverified: Unverified = None,
    quotes: Quotes = None,
    figure_candidates: FigureCandidates = None,
    wait: Wait = None,
    strict: Strict = False,
    device: Device = None,
    engine: EngineOption = None,
    ray_address: RayAddress = None,
    ray_actors: RayActors = None,
    backend: Backend = None,
    compute_type: ComputeType = None,
    quantize: Quantize = None,
    threads: Threads = None,
    max_memory: MaxMemory = None,
    exclude: Exclude = None,
    feeds: Feeds = None,
    glossary: GlossaryFile = None,
    quiet: Quiet = False,
    log_format: LogFormat = "human",
    article_timeout: ArticleTimeout = None,
    max_attempts: MaxAttempts = None,
    retry_parked: RetryParked = None,
    review: Review = None,
    summary_documents: SummaryDocuments = None,
) -> None:
    """Translate and summarise every article in INPUT_DIR into OUT."""
    # The pipeline is imported here, when a run is asked for: --help and --version never pay for it.
    from newsbrief.cli.reporters import end_reason, reporter_for
    from newsbrief.output.lock import output_lock
    from newsbrief.run.batch import run_batch
    from newsbrief.run.stopping import StopRequest

    reporter = reporter_for(log_format, quiet, input_dir, out)
    try:
        prepared = _prepared_run(ctx, input_dir, out, log_format, config, model or [])
    except Stopped as stopped:
        reporter.started(None)
        reporter.ended(stopped.exit_code, stopped.reason, None)
        raise
    settings = prepared.settings
    for note in prepared.notes if not quiet else ():  # e.g. the pairs the fallback translates
        typer.echo(f"newsbrief: {note}", err=True)
    reporter.started(settings.fingerprint())
    stop = StopRequest()
    fresh = not out.exists()
    try:
        with output_lock(out, wait or 0), stop.installed(), reporter.progress() as progress:
            try:
                report = run_batch(input_dir, out, settings, progress, stop, reporter.article, prepared)
            except NewsbriefError:
                if fresh:  # still holding the lock: a run waiting on it finds no folder, and says so
                    _take_back(out)
                raise
    except NewsbriefError as error:  # what ends a run before its work: each error knows its code
        stopped = _stopped_before_work(error)
        reporter.ended(stopped.exit_code, stopped.reason, None)
        raise stopped from error
    except Exception as error:  # a defect: the log shipper still hears how the run ended
        reporter.ended(EXIT_ARTICLES_FAILED, f"internal error: {type(error).__name__}: {error}", None)
        raise
    reporter.finished(report, out, strict)
    code = report.exit_code(strict)
    reporter.ended(code, end_reason(report, code), report)
    raise typer.Exit(code)


def _prepared_run(
    ctx: typer.Context, input_dir: Path, out: Path, log_format: str, config: Path | None, models: list[str]
) -> Prepared:
    _check_run_folders(input_dir, out)
    if log_format not in LOG_FORMATS:
        fail_usage(f"--log-format must be human or json, not {log_format!r}")
    overrides = {name: value for name, value in ctx.params.items() if name not in RUN_ONLY}
    return _settings_for_run(config, models, overrides)


def _check_run_folders(input_dir: Path, out: Path) -> None:
    if not input_dir.exists():
        fail_usage(f"input folder {input_dir} does not exist")
    if out.resolve() == input_dir.resolve():
        fail_usage(f"the output folder {out} is the input folder: its outputs would be read as articles")


def _settings_for_run(config: Path | None, models: list[str], overrides: dict[str, object]) -> Prepared:
    """Settings checked whole, and the run's pre-flight done (the library's, which a library
    caller's run_batch does too), before the output folder is touched: a broken prompt template
    or glossary, or Ray asked for and not installed, is a usage error now."""
    from newsbrief.run.preflight import prepare
    from newsbrief.settings import load_settings

    try:
        return prepare(load_settings(config, overrides, models))
    except ConfigError as error:
        fail_usage(str(error))


def _take_back(out: Path) -> None:
    """A folder this run made and that holds nothing but its bookkeeping (it stopped before its
    first article: a model missing, the cluster unreachable) is removed, so the output folder is
    as the run found it: absent."""
    import shutil

    from newsbrief.output.folder import holds_only_bookkeeping

    if holds_only_bookkeeping(out):
        shutil.rmtree(out, ignore_errors=True)


def _stopped_before_work(error: NewsbriefError) -> Stopped:
    """A run that could not begin: the output folder is locked, a prompt or model is unusable,
    the folder takes no writes. Nothing was processed. The line is printed here, with its code."""
    if isinstance(error, OutputLocked):
        return say(error.exit_code, f"{error}; not started (use --wait SECONDS to queue)")
    if isinstance(error, OutputUnwritable):
        return say(error.exit_code, f"{error}; nothing was done")
    return say(error.exit_code, str(error))
