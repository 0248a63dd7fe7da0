"""How the pipeline tells a reporter where it is: a few calls, nothing about terminals."""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    def articles(self, total: int) -> None:
        """How many files this run will settle (each is then counted as its outcome is)."""

    def phase(self, description: str, total: int, unit: str) -> None:
        """A stage begins: `total` of `unit` (words, files, articles) to get through."""

    def advance(self, amount: int = 1) -> None: ...

    def working_on(self, name: str) -> None:
        """The article in flight, during a stage that takes one article at a time."""


class NoProgress:
    """For cron, logs, Ray workers and tests: progress goes nowhere."""

    def articles(self, total: int) -> None:
        pass

    def phase(self, description: str, total: int, unit: str) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def working_on(self, name: str) -> None:
        pass
