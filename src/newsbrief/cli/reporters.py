"""What a run says while it works and when it ends: one Reporter per way of saying it.

`HumanReporter` draws a progress bar on a terminal and prints a table; `QuietReporter` prints
nothing unless something went wrong (cron mails only then); `JsonReporter` prints a start line,
one JSON line per article as soon as it is settled and an end line, on stdout, so that log
collectors and scripts never parse the table. Every one ends with the same line on stderr when the run stopped
early (disk full, a signal), saying how far it got.
"""

from __future__ import annotations

import io
import json
import os
import sys
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from newsbrief._version import __version__
from newsbrief.errors import EXIT_ARTICLES_FAILED, EXIT_FLAGGED, EXIT_OK
from newsbrief.progress import NoProgress, ProgressSink
from newsbrief.run.outcomes import Outcome, RunReport, State, describe_counts


class Reporter(Protocol):
    def started(self, settings_hash: str | None) -> None:
        """The run begins (settings_hash None: its settings could not be read)."""

    def progress(self) -> AbstractContextManager[ProgressSink]:
        """Where the pipeline reports its phases while the run lasts."""
        ...

    def article(self, outcome: Outcome) -> None:
        """Told of each article as soon as it is settled."""

    def finished(self, report: RunReport, out_dir: Path, strict: bool) -> None: ...

    def ended(self, code: int, reason: str, report: RunReport | None) -> None:
        """The run ends with `code`, however it ends (report None: before any work)."""


def reporter_for(log_format: str, quiet: bool, input_dir: Path, out_dir: Path) -> Reporter:
    if log_format == "json":
        return JsonReporter(quiet, input_dir, out_dir)
    return QuietReporter() if quiet else HumanReporter()


class HumanReporter:
    """A progress bar on a terminal, then each problem on a line of stderr and the run's table."""

    problems: tuple[str, ...] = (State.SKIPPED, State.FAILED, State.PARKED, State.IGNORED)

    def __init__(self) -> None:
        self.tabled = False  # whether this run printed its table (and so its summary line)
        self.bar: RichProgress | None = None  # while the run draws its progress bar
        self.console = Console()
        if not self.console.is_terminal:  # a log or cron mail: no wrapped table headers at 80 columns
            self.console = Console(width=120)

    @contextmanager
    def progress(self) -> Iterator[ProgressSink]:
        if not self.console.is_terminal:
            yield NoProgress()
            return
        columns = (
            TextColumn("{task.description:<22}"),
            BarColumn(bar_width=24),
            CountColumn(),
            RateColumn(),
            EtaColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[item]}"),
        )
        with Progress(*columns, console=self.console, transient=True) as bar:
            self.bar = RichProgress(bar)
            try:
                yield self.bar
            finally:
                self.bar = None

    def started(self, settings_hash: str | None) -> None:
        pass

    def article(self, outcome: Outcome) -> None:
        if self.bar is not None:
            self.bar.settled()

    def ended(self, code: int, reason: str, report: RunReport | None) -> None:
        """After the table, the run in one line: what a log read at a glance needs."""
        if report is not None and self.tabled:
            self.console.print(summary_line(report, code), soft_wrap=True, highlight=False)

    def finished(self, report: RunReport, out_dir: Path, strict: bool) -> None:
        self.tabled = self.wants_table(report, strict)
        for notice in report.notices:
            typer.echo(f"newsbrief: {printable(notice)}", err=True)
        for outcome in report.outcomes:
            if outcome.status in self.problems:
                where, why = printable(str(outcome.path)), printable(outcome.reason)
                typer.echo(f"{outcome.status}: {where}: {why}{_attempts(outcome)}", err=True)
        if self.tabled:
            print_table(self.console, report)
        say_where_it_stopped(report)

    def wants_table(self, report: RunReport, strict: bool) -> bool:
        return True


class QuietReporter(HumanReporter):
    """`--quiet`: failures only, and the table only when something needs a look."""

    problems = (State.FAILED,)

    @contextmanager
    def progress(self) -> Iterator[ProgressSink]:
        yield NoProgress()

    def wants_table(self, report: RunReport, strict: bool) -> bool:
        flagged = strict and bool(report.flagged())
        return bool(report.failed or flagged or report.interrupted or report.output_error)


class JsonReporter:
    """`--log-format json`: a start line, one line per article as it is settled (with --quiet,
    failures only) and an end line, however the run ends (a usage error, a missing model, a
    signal): a log shipper sees every night, the failed ones first of all. Every line carries
    the run's id."""

    def __init__(self, quiet: bool, input_dir: Path, out_dir: Path) -> None:
        self.quiet = quiet
        self.input_dir = input_dir
        self.out_dir = out_dir
        self.run_id = uuid.uuid4().hex[:12]
        self.settled: list[Outcome] = []  # what the end line counts when the run stops mid-way
        self.stream = own_stdout()

    def started(self, settings_hash: str | None) -> None:
        self._line(
            "start",
            version=__version__,
            settings=settings_hash,
            input=str(self.input_dir),
            output=str(self.out_dir),
            pid=os.getpid(),
        )

    @contextmanager
    def progress(self) -> Iterator[ProgressSink]:
        yield NoProgress()

    def article(self, outcome: Outcome) -> None:
        self.settled.append(outcome)
        if not self.quiet or outcome.status == State.FAILED:
            self._line("article", **article_fields(outcome))

    def finished(self, report: RunReport, out_dir: Path, strict: bool) -> None:
        for notice in report.notices:
            self._line("notice", message=notice)
        say_where_it_stopped(report)

    def ended(self, code: int, reason: str, report: RunReport | None) -> None:
        """A run that stopped for a model has no report: its end line counts the lines before it."""
        self._line("end", **end_fields(code, reason, report or RunReport(outcomes=self.settled)))

    def _line(self, event: str, **fields: object) -> None:
        line = {"event": event, "time": _now(), "run": self.run_id, **fields}
        typer.echo(json.dumps(line, ensure_ascii=False), file=self.stream)


def own_stdout() -> TextIO:
    """A stream of its own onto the process's stdout, as it is now: while Ray runs in this
    process, fd 1 points at stderr (run/ray_engine.StdoutToStderr), and the JSON lines must still
    reach stdout, alone. Where stdout is no file (a test's runner), stdout itself."""
    try:
        descriptor = os.dup(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return sys.stdout
    return os.fdopen(descriptor, "w", encoding="utf-8", buffering=1)


class RichProgress:
    """Two rows on a terminal: the run's files settled out of all it found, with its ETA, and
    the stage in hand (words translated, articles summarised) with its rate, its ETA and the
    article in flight. The pipeline sees only the ProgressSink calls. A new stage or article
    is drawn at once, so a stage shorter than a refresh still shows."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.files = progress.add_task("articles", total=None, unit="files", item="")
        self.stage = progress.add_task("starting", total=None, unit="", item="")

    def articles(self, total: int) -> None:
        self.progress.update(self.files, total=total, refresh=True)

    def settled(self) -> None:
        self.progress.advance(self.files)

    def phase(self, description: str, total: int, unit: str) -> None:
        self.progress.reset(self.stage, description=description, total=total, completed=0, unit=unit, item="")
        self.progress.refresh()

    def advance(self, amount: int = 1) -> None:
        self.progress.advance(self.stage, amount)

    def working_on(self, name: str) -> None:
        self.progress.update(self.stage, item=name, refresh=True)


class CountColumn(ProgressColumn):
    """`1,204/5,310 words`; `0/? files` until the total is known."""

    def render(self, task: Task) -> Text:
        total = f"{int(task.total):,}" if task.total is not None else "?"
        return Text(f"{int(task.completed):>7,}/{total:<7} {task.fields.get('unit', ''):<8}")


class RateColumn(ProgressColumn):
    """`412 words/s` (rich's own speed columns speak of bytes)."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "")
        speed = "–" if task.speed is None else f"{task.speed:,.{0 if task.speed >= 10 else 1}f}"
        return Text(f"{speed} {unit}/s", style="progress.data.speed")


class EtaColumn(ProgressColumn):
    """`ETA 0:01:05` from the rate so far; `ETA –` until there is one."""

    def render(self, task: Task) -> Text:
        remaining = task.time_remaining
        if remaining is None:
            return Text("ETA –", style="progress.remaining")
        minutes, seconds = divmod(int(remaining), 60)
        hours, minutes = divmod(minutes, 60)
        return Text(f"ETA {hours}:{minutes:02d}:{seconds:02d}", style="progress.remaining")


def printable(text: str) -> str:
    """A file name or reason as a log line may show it: a control character (a newline, an
    escape sequence) in a name is shown as its escape, so a crafted name cannot print a line
    of its own (a fake `failed: …`) or drive the terminal."""
    return "".join(
        char.encode("unicode_escape").decode("ascii") if unicodedata.category(char) in CONTROLS else char
        for char in text
    )


CONTROLS = {"Cc", "Cf", "Zl", "Zp"}  # control, format (bidi overrides), line and paragraph separators


def say_where_it_stopped(report: RunReport) -> None:
    done = report.count(State.DONE)
    if report.output_error is not None:
        typer.echo(
            f"newsbrief: {report.output_error}; stopped after {done} article(s). What was "
            "written is complete; the next run goes on from there",
            err=True,
        )
    elif report.interrupted:
        kept = f", {report.kept_batches} translation batch(es) kept" if report.kept_batches else ""
        typer.echo(
            f"newsbrief: {report.interrupted} after {done} article(s){kept}; the next run goes on from there",
            err=True,
        )


def _attempts(outcome: Outcome) -> str:
    """A failure's history, as the operator needs it."""
    if outcome.status == State.PARKED:
        return f" (parked after {outcome.attempts} attempts; --retry-parked tries again)"
    if outcome.parked:
        return f" (attempt {outcome.attempts}; parked: not retried until the file changes)"
    return f" (attempt {outcome.attempts})" if outcome.attempts else ""


def print_table(console: Console, report: RunReport) -> None:
    """One column per state (State's words, each file counted once), then the work and the flags."""
    table = Table(title="newsbrief run", show_header=True)
    counts = report.counts()
    kept = {"figures kept": _kept(report, "figures")}
    if report.fidelity_total("terms_total"):  # a run with a glossary that found its terms
        kept["glossary terms kept"] = _kept(report, "terms")
    for column in (*counts, "words translated", *kept, "flagged", "time"):
        table.add_column(column, justify="right")
    table.add_row(
        *(str(count) for count in counts.values()),
        f"{report.words:,}",
        *kept.values(),
        str(len(report.flagged())),
        f"{report.seconds:.1f} s",
    )
    console.print(table)
    if report.model_load_seconds:
        releases = report.model_releases
        released = f", {releases} released to stay under --max-memory" if releases else ""
        console.print(f"models loaded in {report.model_load_seconds:.1f} s{released}")
    if report.flagged():
        see = "see fidelity in each article.json, or run `newsbrief check`"
        console.print(f"{flagged_line(report)} ({see}).", soft_wrap=True, highlight=False)


def _kept(report: RunReport, kind: str) -> str:
    return f"{report.fidelity_total(f'{kind}_kept'):,}/{report.fidelity_total(f'{kind}_total'):,}"


def summary_line(report: RunReport, code: int) -> str:
    """ "newsbrief: exit 0 in 12.3 s: 4 done, 6 up-to-date, ...; 1 flagged; 2,345 words translated"."""
    return (
        f"newsbrief: exit {code} in {report.seconds:.1f} s: {describe_counts(report.counts())}; "
        f"{len(report.flagged())} flagged; {report.words:,} words translated"
    )


def flagged_line(report: RunReport) -> str:
    """How many articles stand flagged, and how many of them this run wrote."""
    flagged = report.flagged()
    earlier = sum(1 for o in flagged if o.status == State.UP_TO_DATE)
    written = f"{len(flagged) - earlier} written by this run, {earlier} by earlier runs and unchanged"
    return f"{len(flagged)} article(s) flagged, a figure or quote not verbatim: {written}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def article_fields(outcome: Outcome) -> dict[str, object]:
    event: dict[str, object] = {
        "id": outcome.article_id,
        "source": str(outcome.path),
        "state": outcome.status,
        "lang": outcome.lang,
        "words": outcome.words,
        "timings": outcome.timings,
        "fidelity": outcome.fidelity,
    }
    if outcome.status in (State.FAILED, State.PARKED, State.SKIPPED, State.IGNORED):
        event["reason"] = outcome.reason
    if outcome.status in (State.FAILED, State.PARKED):
        event["attempts"] = outcome.attempts
        event["parked"] = outcome.parked or outcome.status == State.PARKED
    return event


def end_fields(code: int, reason: str, report: RunReport | None) -> dict[str, object]:
    """The end line: how it ended, and what the run did (all zeros when it did not begin)."""
    report = report or RunReport()
    stopped = code not in (EXIT_OK, EXIT_ARTICLES_FAILED, EXIT_FLAGGED)
    return {
        "exit_code": code,
        "state": "stopped" if stopped else "finished",
        "reason": reason,
        "counts": report.counts(),
        "flagged": len(report.flagged()),
        "words_translated": report.words,
        "seconds": round(report.seconds, 3),
        "model_load_seconds": round(report.model_load_seconds, 3),
        "model_releases": report.model_releases,
    }


def end_reason(report: RunReport, code: int) -> str:
    """Why a run that went ahead ended with `code`, in words ("" when all is well)."""
    if report.output_error is not None:
        return str(report.output_error)
    if report.interrupted:
        return report.interrupted
    if code == EXIT_ARTICLES_FAILED:
        return f"{report.failed} article(s) failed"
    if code == EXIT_FLAGGED:
        return flagged_line(report)
    return ""
