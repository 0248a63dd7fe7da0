"""The command line: each command parses its options and calls the library; the exit codes
are outcomes.py's (0 done, 1 articles failed, 2 usage, 3 model, 4 flagged, 5 locked,
6 interrupted, 7 disk full)."""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from newsbrief import Settings, __version__, run_batch
from newsbrief.config import ConfigError, Engine
from newsbrief.errors import ModelUnavailable, ModelUnusable, OutputUnwritable
from newsbrief.glossary import load_glossary
from newsbrief.locking import OutputLocked, output_lock, running_holder
from newsbrief.outcomes import (
    EXIT_ARTICLES_FAILED,
    EXIT_DISK_FULL,
    EXIT_FLAGGED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_MODEL_UNAVAILABLE,
    EXIT_OK,
    EXIT_USAGE,
    describe_counts,
    unwritable_exit,
)
from newsbrief.prompts import load_prompts
from newsbrief.reporting import LOG_FORMATS, end_reason, reporter_for
from newsbrief.stopping import StopRequest

# The exit codes, for scripts and tests that read them from the command line's module.
__all__ = [
    "EXIT_ARTICLES_FAILED",
    "EXIT_DISK_FULL",
    "EXIT_FLAGGED",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_MODEL_UNAVAILABLE",
    "EXIT_OK",
    "EXIT_USAGE",
    "app",
    "build_settings",
    "main",
]

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


def _language_list(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(part.strip() for part in value.split(",") if part.strip())


def build_settings(config: Path | None, models: list[str], **overrides: object) -> Settings:
    """The run's settings from a config file, ROLE=MODEL strings and settings by name."""
    return Settings.from_sources(config, overrides, models)


# `newsbrief run`'s options. Each one that is a setting has the setting's name (the option's
# flag may be a convention, like --to for targets); the rest say how to run and report.
InputDir = Annotated[
    Path,
    typer.Argument(
        metavar="INPUT_DIR",
        help="Folder of articles (.txt .md .json .html .docx .odt, and .rss/.atom feeds), searched "
        "recursively; or one file.",
        show_default=False,
    ),
]
OutDir = Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Output folder.")]
Targets = Annotated[
    str | None,
    typer.Option(
        "--to",
        metavar="LANGS",
        help="Target languages, comma-separated (default: uk,en).",
        callback=_language_list,
    ),
]
SummariserOption = Annotated[
    str | None,
    typer.Option(
        metavar="STRATEGY",
        help="seq2seq[:MODEL] (the default), extractive (no model) or instruct[:MODEL]; MODEL is a hub id, "
        "a folder or a .gguf file.",
    ),
]
TranslatorOption = Annotated[
    str | None,
    typer.Option(
        metavar="STRATEGY", help="seq2seq (OPUS-MT per language pair, the default) or instruct[:MODEL]."
    ),
]
Prompts = Annotated[
    Path | None,
    typer.Option(
        metavar="DIR", help="Folder of prompt templates for instruction models (default: prompts/)."
    ),
]
SummaryLanguages = Annotated[
    str | None,
    typer.Option(
        metavar="LANGS", help="Summary languages, comma-separated (default: uk,en).", callback=_language_list
    ),
]
Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        metavar="ROLE=MODEL",
        help="ROLE=MODEL, e.g. uk-en=./models/opus-mt-uk-en or summariser=facebook/bart-large-cnn; "
        "repeatable.",
    ),
]
OtherSummariesOption = Annotated[
    str | None,
    typer.Option(
        metavar="project|translate",
        help="A summary language the summariser does not write: project (the default: the article's own "
        "lines the written summary was traced to, in that language) or translate (the written summary, "
        "translated).",
    ),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", metavar="FILE", help="TOML configuration file.", exists=True, dir_okay=False
    ),
]
NumBeams = Annotated[
    int | None,
    typer.Option(
        "--beams",
        "--num-beams",
        metavar="N",
        help="Beam size for translation and summaries (1 = greedy; default 4).",
    ),
]
BatchTokens = Annotated[
    int | None,
    typer.Option(metavar="N", help="Source tokens per translation batch (memory bound; default 2048)."),
]
Figures = Annotated[
    str | None,
    typer.Option(
        metavar="verbatim|localise",
        help="verbatim (the default: as the source writes them) or localise (target-language separators).",
    ),
]
Unverified = Annotated[
    str | None,
    typer.Option(
        metavar="best|source",
        help="When a translation's figures cannot be verified: best (the default: kept, flagged) or source.",
    ),
]
Quotes = Annotated[
    str | None,
    typer.Option(
        metavar="translated|original|both",
        help="Quotes in translations: translated (the default), original, or both (translation, then "
        "original).",
    ),
]
FigureCandidates = Annotated[
    int | None,
    typer.Option(
        metavar="N",
        help="Beam candidates searched when a translation loses a figure or trips an output check "
        "(0 = flag only; default 4).",
    ),
]
Wait = Annotated[
    float | None,
    typer.Option(
        metavar="SECONDS", help="When another run holds OUT, wait up to SECONDS for it instead of exiting 5."
    ),
]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Exit 4 while any article in OUT stands flagged (a figure or quote not verbatim), "
        "whether this run or an earlier one wrote it.",
    ),
]
Device = Annotated[
    str | None, typer.Option(metavar="auto|cpu|cuda", help="Where models run (default: auto).")
]
EngineOption = Annotated[
    str | None,
    typer.Option(
        metavar="local|ray",
        help="Where chunks are translated: local (the default: this process) or ray (a Ray cluster).",
    ),
]
RayAddress = Annotated[
    str | None,
    typer.Option(
        metavar="ADDRESS", help="With --engine ray: a cluster's address (default: start Ray on this machine)."
    ),
]
RayActors = Annotated[
    int | None,
    typer.Option(metavar="N", help="With --engine ray: actors (default: one per GPU, or one per two CPUs)."),
]
Backend = Annotated[
    str | None,
    typer.Option(
        metavar="auto|transformers|ctranslate2",
        help="auto (the default: CTranslate2 for Marian and BART models when installed, else "
        "transformers), transformers or ctranslate2.",
    ),
]
ComputeType = Annotated[
    str | None,
    typer.Option(
        metavar="TYPE",
        help="CTranslate2 compute type: auto (the default: int8 on a CPU, int8_float16 on a GPU), int8, "
        "float32…",
    ),
]
Quantize = Annotated[
    str | None,
    typer.Option(
        metavar="none|int8", help="transformers models: none (the default) or int8 (torch dynamic int8, CPU)."
    ),
]
Threads = Annotated[
    int | None,
    typer.Option(metavar="N", help="CTranslate2 threads (default: every core this process may use)."),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option(
        metavar="GLOB",
        help="Files to leave out, not even counted as ignored; repeatable, added to the defaults (.* and "
        "*.expected.json).",
    ),
]
GlossaryFile = Annotated[
    Path | None,
    typer.Option(
        "--glossary",
        metavar="FILE",
        help="Terms the translations must render one way: TSV or CSV with a header of languages "
        "(uk, en, ru), or TBX; a line that misses one is flagged (`glossary` in the config file).",
        show_default=False,
    ),
]
Feeds = Annotated[
    list[str] | None,
    typer.Option(
        "--feed",
        metavar="URL|FILE",
        help="An RSS or Atom feed whose entries are articles too (repeatable; `feeds` in the "
        "config file). .rss and .atom files in INPUT_DIR are read as feeds without it.",
        show_default=False,
    ),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing unless an article failed.")]
LogFormat = Annotated[
    str,
    typer.Option(
        "--log-format",
        metavar="human|json",
        help="human (a progress bar and a table) or json (a start line, one line per article and an end "
        "line, on stdout).",
    ),
]
ArticleTimeout = Annotated[
    float | None,
    typer.Option(
        metavar="SECONDS", help="Seconds one article may take before it fails (0 = no limit; default 900)."
    ),
]
MaxAttempts = Annotated[
    int | None,
    typer.Option(metavar="N", help="Failed runs of the same source before it is parked (default 3)."),
]
RetryParked = Annotated[
    bool | None, typer.Option("--retry-parked", help="Try parked articles again this once.")
]
Review = Annotated[
    bool | None,
    typer.Option("--review/--no-review", help="Write or update the review pages (_review/; default: on)."),
]
SummaryDocuments = Annotated[
    bool | None,
    typer.Option(
        "--summary-documents/--no-summary-documents",
        help="For a Word or OpenDocument article, write each summary as a document of its kind too "
        "(summary.<lang>.docx or .odt; default: off).",
    ),
]
# Options of `run` that are not settings.
RUN_ONLY = ("input_dir", "out", "model", "config", "wait", "strict", "quiet", "log_format")


@app.command(short_help="Translate and summarise every article in INPUT_DIR into OUT.")
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
    reporter = reporter_for(log_format, quiet, input_dir, out)
    try:
        settings = _prepared_run(ctx, input_dir, out, log_format, config, model or [])
    except Stopped as stopped:
        reporter.started(None)
        reporter.ended(stopped.exit_code, stopped.reason, None)
        raise
    reporter.started(settings.fingerprint())
    stop = StopRequest()
    try:
        with output_lock(out, wait or 0), stop.installed(), reporter.progress() as progress:
            report = run_batch(input_dir, out, settings, progress, stop, reporter.article)
    except (OutputLocked, ConfigError, ModelUnavailable, ModelUnusable, OutputUnwritable) as error:
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
) -> Settings:
    _check_run_folders(input_dir, out)
    if log_format not in LOG_FORMATS:
        _fail_usage(f"--log-format must be human or json, not {log_format!r}")
    overrides = {name: value for name, value in ctx.params.items() if name not in RUN_ONLY}
    return _settings_for_run(config, models, overrides)


def _check_run_folders(input_dir: Path, out: Path) -> None:
    if not input_dir.exists():
        _fail_usage(f"input folder {input_dir} does not exist")
    if out.resolve() == input_dir.resolve():
        _fail_usage(f"the output folder {out} is the input folder: its outputs would be read as articles")


def _settings_for_run(config: Path | None, models: list[str], overrides: dict[str, object]) -> Settings:
    """Settings checked whole before the output folder is touched: a broken prompt template, or
    Ray asked for and not installed, is a usage error now."""
    try:
        settings = Settings.from_sources(config, overrides, models)
        load_prompts(settings)
        if settings.guard.glossary:
            load_glossary(Path(settings.guard.glossary))
        if settings.control.engine == Engine.RAY:
            from newsbrief.cluster import import_ray

            import_ray()
    except ConfigError as error:
        _fail_usage(str(error))
    return settings


def _stopped_before_work(error: Exception) -> Stopped:
    """A run that could not begin: the output folder is locked, a prompt or model is unusable,
    the folder takes no writes. Nothing was processed. The line is printed here."""
    if isinstance(error, OutputLocked):
        return _say(EXIT_LOCKED, f"{error}; not started (use --wait SECONDS to queue)")
    if isinstance(error, ConfigError):  # a prompt template, checked before any model is loaded
        return _say(EXIT_USAGE, str(error))
    if isinstance(error, OutputUnwritable):
        return _say(unwritable_exit(error), f"{error}; nothing was done")
    return _say(EXIT_MODEL_UNAVAILABLE, str(error))


@app.command(short_help="Recompute every article's fidelity record from its files; exit 4 if flagged.")
def check(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="An output folder of `newsbrief run`.")],
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
    _report_terms(checked)
    raise typer.Exit(EXIT_FLAGGED if flagged else EXIT_OK)


def _report_terms(checked: list) -> None:
    """The glossary's terms over the articles that were made with one (none: nothing said)."""
    totals = [c.fidelity["totals"] for c in checked if "terms_total" in c.fidelity["totals"]]
    if not totals:
        return
    total, kept, again, missing = (
        sum(t[f"terms_{name}"] for t in totals) for name in ("total", "kept", "re_searched", "missing")
    )
    found = f"{kept} kept ({again} found by re-search), {missing} missing"
    typer.echo(f"{total} glossary term(s) in the sources: {found}", err=True)


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


models_app = typer.Typer(
    help="The models a run uses: list them, fetch them.", no_args_is_help=False, rich_markup_mode=None
)
app.add_typer(models_app, name="models")


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
) -> None:
    """List the models this configuration's runs may use and whether each is available here (in
    the cache or a folder). Exit 3 when any is missing, as `newsbrief run` would."""
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
        typer.echo(f"{missing} missing: fetch them with: newsbrief models fetch", err=True)
        raise typer.Exit(EXIT_MODEL_UNAVAILABLE)


@models_app.command(
    "fetch", short_help="Download the models into the Hugging Face cache once, for offline runs."
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
    from newsbrief.plan import model_roles

    try:
        return model_roles(build_settings(config, models))
    except ConfigError as error:
        _fail_usage(str(error))


@app.command(short_help="Counts by state, the last runs, failed, parked and orphaned articles.")
def status(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="An output folder of `newsbrief run`.")],
) -> None:
    """Counts by state, the last runs, failed and parked articles with their reasons, and
    orphans (outputs whose source file is gone; they are kept, never deleted)."""
    from newsbrief.manifest import MANIFEST_NAME
    from newsbrief.status import output_status

    manifest = out_dir / MANIFEST_NAME
    if not manifest.is_file():
        _fail_usage(f"{out_dir} has no {MANIFEST_NAME}: not an output folder of newsbrief run")
    state = output_status(manifest)
    stored = ("done", "skipped", "failed", "parked")  # what the manifest holds of each file
    counts = ", ".join(f"{state.counts.get(name, 0)} {name}" for name in stored)
    typer.echo(f"articles: {counts}, {len(state.orphans)} orphaned")
    holder = running_holder(out_dir)
    for index, run in enumerate(state.runs[:3]):
        ended = run["finished_at"] or "never finished (killed?)"
        ours = holder is not None and str(holder["since"]) <= str(run["started_at"])  # its lock, not older
        if not run["finished_at"] and index == 0 and holder and ours:
            ended = f"still running (pid {holder['pid']})"
        outcome = f" {run['outcome']}" if run["outcome"] else ""
        typer.echo(
            f"run {run['id']}: {run['started_at']} -> {ended}{outcome}: "
            f"{describe_counts(run['counts'])}, {run['seconds'] or 0:.1f} s"
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


@app.command(short_help="Write the review pages (OUT_DIR/_review/index.html and one per article).")
def review(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="An output folder of `newsbrief run`.")],
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


@app.command(short_help="Export the aligned lines as a TMX 1.4 translation memory.")
def export(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="An output folder of `newsbrief run`.")],
    format_: Annotated[
        str, typer.Option("--format", metavar="tmx", help="tmx (TMX 1.4 translation memory).")
    ] = "tmx",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="File to write (default: stdout).")
    ] = None,
    locale: Annotated[
        list[str] | None,
        typer.Option(metavar="LANG=LOCALE", help="xml:lang for a language, e.g. uk=uk-UA; repeatable."),
    ] = None,
    pair: Annotated[
        list[str] | None,
        typer.Option(metavar="SRC-TGT", help="Only this direction, e.g. uk-en; repeatable (default: all)."),
    ] = None,
    flagged: Annotated[
        bool,
        typer.Option("--flagged/--no-flagged", help="Keep or leave out the flagged lines (default: keep)."),
    ] = True,
) -> None:
    """Export the aligned segments: TMX 1.4, one translation unit per source line and language,
    marked as machine translation."""
    from newsbrief.tmx import TmxOptions, export_tmx

    if format_ != "tmx":
        _fail_usage(f"--format must be tmx, not {format_!r}")
    if not out_dir.is_dir():
        _fail_usage(f"output folder {out_dir} does not exist")
    options = TmxOptions(_locales(locale or []), _pairs(pair or []), flagged)
    text = export_tmx(out_dir, options)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _locales(values: list[str]) -> dict[str, str]:
    locales = {}
    for value in values:
        lang, sep, locale = (part.strip() for part in value.partition("="))
        if not sep or not lang or not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", locale):
            _fail_usage(f"--locale must be LANG=LOCALE, such as uk=uk-UA, not {value!r}")
        locales[lang] = locale
    return locales


def _pairs(values: list[str]) -> set[tuple[str, str]]:
    pairs = set()
    for value in values:
        source, sep, target = value.partition("-")
        if not sep or not source or not target:
            _fail_usage(f"--pair must be SOURCE-TARGET, such as uk-en, not {value!r}")
        pairs.add((source, target))
    return pairs


@app.command(short_help="Print the version.")
def version() -> None:
    """Print the version."""
    typer.echo(f"newsbrief {__version__}")


class Stopped(typer.Exit):
    """A command that ends before its work, or instead of it: its exit code and the reason,
    which the JSON log's end line repeats."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code)
        self.reason = reason


def _say(code: int, reason: str) -> Stopped:
    typer.echo(f"newsbrief: {reason}", err=True)
    return Stopped(code, reason)


def _fail_usage(message: str) -> NoReturn:
    raise _say(EXIT_USAGE, message)


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
