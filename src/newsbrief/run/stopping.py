"""A clean stop on SIGINT or SIGTERM: the run begins no new work, finishes the translation
batches or the summary in flight, records what is done (and keeps the finished batches of the
chunk in flight: run/checkpoint.py), and ends; what was not written is picked up by the next run. A
second signal stops at once (the default handler is put back after the first)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from newsbrief.errors import RunInterrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequest:
    def __init__(self) -> None:
        self.signal_name = ""

    @property
    def requested(self) -> bool:
        return bool(self.signal_name)

    def check(self) -> None:
        if self.requested:
            raise RunInterrupted(f"stopped by {self.signal_name}")

    @contextmanager
    def installed(self) -> Iterator[None]:
        """The handlers, for the block only (main thread of a command-line run)."""
        previous = {number: signal.signal(number, self._handle) for number in SIGNALS}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _handle(self, number: int, _frame: FrameType | None) -> None:
        self.signal_name = signal.Signals(number).name
        for each in SIGNALS:
            signal.signal(each, signal.SIG_DFL)
