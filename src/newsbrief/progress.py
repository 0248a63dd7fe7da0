"""How the pipeline tells a reporter where it is: two calls, nothing about terminals."""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    def phase(self, description: str, total: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class NoProgress:
    """For cron, logs, Ray workers and tests: progress goes nowhere."""

    def phase(self, description: str, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass
