"""What a run did, article by article, and the exit code that says it to cron.

Plain records with no model or I/O code in them, so that the reporters (reporting.py) and the
CLI can read a run's results without importing the pipeline.

Exit codes: 0 every article done or skipped; 1 some articles failed; 2 bad usage (unknown
option, bad value, unreadable config file, a broken prompt template); 3 a model the batch needs
cannot be found or used (nothing was processed); 4 a figure or quote did not come through
verbatim (`check`, and `run --strict`); 5 another run holds the output folder; 6 stopped by
SIGINT or SIGTERM after the article in flight (the next run goes on); 7 the output folder's disk
is full (the run stopped; what it wrote is complete, and the next run goes on). Parked articles
(failed `max_attempts` runs in a row) do not make a run exit 1 again; the run that parks one does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from newsbrief.errors import OutputUnwritable

EXIT_OK = 0
EXIT_ARTICLES_FAILED = 1
EXIT_USAGE = 2
EXIT_MODEL_UNAVAILABLE = 3
EXIT_FLAGGED = 4
EXIT_LOCKED = 5
EXIT_INTERRUPTED = 6
EXIT_DISK_FULL = 7


class State(StrEnum):
    """An input file's state after a run (the manifest stores the same words)."""

    DONE = "done"
    UP_TO_DATE = "up-to-date"  # done before, with this source and configuration: not redone
    SKIPPED = "skipped"  # not an article newsbrief can work on (reason given)
    FAILED = "failed"
    PARKED = "parked"  # failed max_attempts runs in a row: not retried until the file changes


@dataclass
class Outcome:
    """What happened to one input file in this run."""

    path: Path
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
    interrupted: str = ""  # why the run stopped early ("stopped by SIGTERM"), or ""
    # The output folder took no more writes (disk full, read-only): the run stopped there.
    output_error: OutputUnwritable | None = None
    # Told of each article as soon as it is settled (the JSON log prints it there and then).
    listener: Callable[[Outcome], None] | None = None

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if self.listener is not None:
            self.listener(outcome)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> int:
        return self.count(State.FAILED)

    def fidelity_total(self, name: str) -> int:
        return sum(int(o.fidelity.get(name, 0)) for o in self.outcomes)

    def flagged(self) -> list[Outcome]:
        """Done articles whose fidelity record found something (a figure, a quote, a summary)."""
        return [o for o in self.outcomes if o.fidelity.get("flagged")]

    def exit_code(self, strict: bool) -> int:
        """The worst thing that happened, in the order cron should hear it."""
        if self.output_error is not None:
            return unwritable_exit(self.output_error)
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.failed:
            return EXIT_ARTICLES_FAILED
        return EXIT_FLAGGED if strict and self.flagged() else EXIT_OK


def unwritable_exit(error: OutputUnwritable) -> int:
    """A full disk has its own code (cron can tell it from bad usage); a folder that cannot be
    written at all (read-only, no permission) is a usage error."""
    return EXIT_DISK_FULL if error.disk_full else EXIT_USAGE
