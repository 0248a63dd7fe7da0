"""What a run says while it works and when it ends: one Reporter per way of saying it.

`HumanReporter` draws a progress bar on a terminal and prints a table; `QuietReporter` prints
nothing unless something went wrong (cron mails only then); `JsonReporter` prints one JSON line
per article as soon as it is settled and one for the run, on stdout, so that log collectors and
scripts never parse the table. Every one ends with the same line on stderr when the run stopped
early (disk full, a signal), saying how far it got.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsbrief.outcomes import Outcome, RunReport, State
from newsbrief.progress import NoProgress, ProgressSink

LOG_FORMATS = ("human", "json")


class Reporter(Protocol):
    def progress(self) -> AbstractContextManager[ProgressSink]:
        """Where the pipeline reports its phases while the run lasts."""
        ...

    def article(self, outcome: Outcome) -> None:
        """Told of each article as soon as it is settled."""

    def finished(self, report: RunReport, out_dir: Path, strict: bool) -> None: ...


def reporter_for(log_format: str, quiet: bool) -> Reporter:
    if log_format == "json":
        return JsonReporter(quiet)
    return QuietReporter() if quiet else HumanReporter()


class HumanReporter:
    """A progress bar on a terminal, then each problem on a line of stderr and the run's table."""

    problems: tuple[str, ...] = (State.SKIPPED, State.FAILED, State.PARKED)

    def __init__(self) -> None:
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
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=self.console, transient=True) as bar:
            yield RichProgress(bar)

    def article(self, outcome: Outcome) -> None:
        pass

    def finished(self, report: RunReport, out_dir: Path, strict: bool) -> None:
        for outcome in report.outcomes:
            if outcome.status in self.problems:
                typer.echo(
                    f"{outcome.status}: {outcome.path}: {outcome.reason}{_attempts(outcome)}", err=True
                )
        if self.wants_table(report, strict):
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
    """`--log-format json`: one line per article as it is settled (with --quiet, failures only)
    and one for the run."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    @contextmanager
    def progress(self) -> Iterator[ProgressSink]:
        yield NoProgress()

    def article(self, outcome: Outcome) -> None:
        if not self.quiet or outcome.status == State.FAILED:
            typer.echo(article_event(outcome))

    def finished(self, report: RunReport, out_dir: Path, strict: bool) -> None:
        typer.echo(run_event(report, out_dir))
        say_where_it_stopped(report)


class RichProgress:
    """A progress bar for a terminal; the pipeline only sees phase() and advance()."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=None)

    def phase(self, description: str, total: int) -> None:
        self.progress.reset(self.task, description=description, total=total, completed=0)

    def advance(self, amount: int = 1) -> None:
        self.progress.advance(self.task, amount)


def say_where_it_stopped(report: RunReport) -> None:
    done = report.count(State.DONE)
    if report.output_error is not None:
        typer.echo(
            f"newsbrief: {report.output_error}; stopped after {done} article(s). What was "
            "written is complete; the next run goes on from there",
            err=True,
        )
    elif report.interrupted:
        typer.echo(
            f"newsbrief: {report.interrupted} after {done} article(s); the next run goes on from there",
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
    table = Table(title="newsbrief run", show_header=True)
    columns = ("done", "skipped", "failed", "parked", "words translated", "figures kept", "flagged", "time")
    for column in columns:
        table.add_column(column, justify="right")
    skipped = report.count(State.SKIPPED) + report.count(State.UP_TO_DATE)
    table.add_row(
        str(report.count(State.DONE)),
        str(skipped),
        str(report.failed),
        str(report.count(State.PARKED)),
        f"{report.words:,}",
        f"{report.fidelity_total('figures_kept'):,}/{report.fidelity_total('figures_total'):,}",
        str(len(report.flagged())),
        f"{report.seconds:.1f} s",
    )
    console.print(table)
    if report.count(State.UP_TO_DATE):
        console.print(f"{report.count(State.UP_TO_DATE)} article(s) already up to date: not redone.")
    if report.model_load_seconds:
        console.print(f"models loaded in {report.model_load_seconds:.1f} s")
    if report.flagged():
        console.print(
            f"{len(report.flagged())} article(s) flagged: a figure or quote did not come through verbatim "
            "(see fidelity in each article.json, or run `newsbrief check`)."
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def article_event(outcome: Outcome) -> str:
    event: dict[str, object] = {
        "event": "article",
        "time": _now(),
        "id": outcome.article_id,
        "source": str(outcome.path),
        "state": outcome.status,
        "lang": outcome.lang,
        "words": outcome.words,
        "timings": outcome.timings,
        "fidelity": outcome.fidelity,
    }
    if outcome.status in (State.FAILED, State.PARKED, State.SKIPPED):
        event["reason"] = outcome.reason
    if outcome.status in (State.FAILED, State.PARKED):
        event["attempts"] = outcome.attempts
        event["parked"] = outcome.parked or outcome.status == State.PARKED
    return json.dumps(event, ensure_ascii=False)


def run_event(report: RunReport, out_dir: Path) -> str:
    return json.dumps(
        {
            "event": "run",
            "time": _now(),
            "output": str(out_dir),
            "state": "interrupted" if report.interrupted or report.output_error else "finished",
            "reason": str(report.output_error) if report.output_error else report.interrupted,
            "counts": {state.value: report.count(state) for state in State},
            "flagged": len(report.flagged()),
            "words_translated": report.words,
            "seconds": round(report.seconds, 3),
            "model_load_seconds": round(report.model_load_seconds, 3),
        },
        ensure_ascii=False,
    )
