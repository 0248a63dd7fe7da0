"""Per-article time limits: an article that takes too long fails, and the batch goes on.

Reading and summarising are one article's own work, so a SIGALRM timer interrupts them. Its
exception is a BaseException on purpose: libraries wrap their work in `except Exception`, and a
limit that such a handler could swallow would be no limit. Pooled translation mixes articles in
one batch, so it is charged per batch instead (`TimeBudget`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType


class OverTimeLimit(BaseException):
    """Raised inside an article's work when its time is up."""


def over_limit(seconds: float, stage: str) -> str:
    """The one failure message for every stage, so the operator reads the same words."""
    return f"over the time limit of {seconds:g} s per article (while {stage})"


@contextmanager
def time_limit(remaining: float, limit: float, stage: str) -> Iterator[None]:
    """Raise OverTimeLimit in the block once `remaining` seconds have passed. No limit when
    `limit` is 0, and none outside the main thread (signals are delivered there only)."""
    if limit <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    if remaining <= 0:
        raise OverTimeLimit(over_limit(limit, stage))

    def expire(_number: int, _frame: FrameType | None) -> None:
        raise OverTimeLimit(over_limit(limit, stage))

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, remaining)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class TimeBudget:
    """Seconds left per article for pooled work: a batch's time is shared among the articles in
    it by their source tokens, and an article at zero is over its limit."""

    limit: float  # seconds per article; 0 = no limit
    left: dict[str, float] = field(default_factory=dict)  # article id -> seconds left

    def charge(self, shares: dict[str, int], seconds: float) -> list[str]:
        """Charge `seconds` by `shares` (article id -> tokens); the ids now over their limit."""
        if self.limit <= 0:
            return []
        total = max(1, sum(shares.values()))
        over = []
        for article_id, tokens in shares.items():
            left = self.left.get(article_id, self.limit) - seconds * tokens / total
            self.left[article_id] = left
            if left <= 0:
                over.append(article_id)
        return over
