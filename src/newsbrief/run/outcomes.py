"""What a run did, article by article, and the exit code that says it to cron (the codes are
errors.ExitCode's).

Plain records with no model or I/O code in them, so that the reporters (cli/reporters.py) and the
CLI can read a run's results without importing the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from newsbrief.errors import (
    EXIT_ARTICLES_FAILED,
    EXIT_FLAGGED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    OutputUnwritable,
)


class State(StrEnum):
    """An input file's state after a run: the one vocabulary of the table, the JSON lines,
    `status`, the review index and README. Each file of the input folder has exactly one, so
    the counts add up to the files the run saw (the manifest stores done, skipped and failed)."""

    DONE = "done"  # translated and summarised by this run
    UP_TO_DATE = "up-to-date"  # done before, with this source and configuration: not redone
    SKIPPED = "skipped"  # read, or looked at, and not an article newsbrief can work on (reason given)
    FAILED = "failed"  # this run tried and could not (reason given); retried by the next run
    PARKED = "parked"  # failed max_attempts runs in a row: not retried until the file changes
    IGNORED = "ignored"  # a file of a format newsbrief does not read (.docx, .pdf, ...): not opened


@dataclass
class Outcome:
    """What happened to one input file in this run."""

    path: Path | str  # a file; a feed URL as it was given (a Path would make https:// https:/)
    article_id: str
    status: str  # a State
    reason: str = ""
    words: int = 0
    fidelity: dict[str, int] = field(default_factory=dict)  # verifying.totals, for done articles
    lang: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    attempts: int = 0  # for failed and parked articles: failed runs of this source in a row
    parked: bool = False  # this failure parked it


@dataclass
class RunReport:
    outcomes: list[Outcome] = field(default_factory=list)
    words: int = 0
    seconds: float = 0.0
    model_load_seconds: float = 0.0
    model_releases: int = 0  # models released to stay under --max-memory (each reloaded when used)
    interrupted: str = ""  # why the run stopped early ("stopped by SIGTERM"), or ""
    interrupted_code: int = EXIT_INTERRUPTED  # its exit code (a lost Ray cluster has its own)
    kept_batches: int = 0  # after a stop: translation batches kept for the next run (run/checkpoint.py)
    # The output folder took no more writes (disk full, read-only): the run stopped there.
    output_error: OutputUnwritable | None = None
    # What the run had to do to the output folder itself (a ledger rebuilt): one line each.
    notices: list[str] = field(default_factory=list)
    # Told of each article as soon as it is settled (the JSON log prints it there and then).
    listener: Callable[[Outcome], None] | None = None

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if self.listener is not None:
            self.listener(outcome)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def counts(self) -> dict[str, int]:
        """Every state's count, zeros included, in State's order."""
        return {state.value: self.count(state) for state in State}

    @property
    def failed(self) -> int:
        return self.count(State.FAILED)

    def fidelity_total(self, name: str) -> int:
        return sum(int(o.fidelity.get(name, 0)) for o in self.outcomes)

    def flagged(self) -> list[Outcome]:
        """Articles standing flagged in the output folder: done by this run or up to date from an
        earlier one, whose fidelity record found something (a figure, a quote, a summary). An
        unchanged flagged article stays in this list every night until someone fixes its source
        or the models: `--strict` keeps alerting for as long as it stands."""
        return [o for o in self.outcomes if o.fidelity.get("flagged")]

    def exit_code(self, strict: bool) -> int:
        """The worst thing that happened, in the order cron should hear it."""
        if self.output_error is not None:
            return self.output_error.exit_code
        if self.interrupted:
            return self.interrupted_code
        if self.failed:
            return EXIT_ARTICLES_FAILED
        return EXIT_FLAGGED if strict and self.flagged() else EXIT_OK


def describe_counts(counts: dict[str, int]) -> str:
    """ "4 done, 6 up-to-date, 0 skipped, ...": every state, in State's order, in State's words."""
    return ", ".join(f"{counts.get(state.value, 0)} {state.value}" for state in State)
