"""The per-article time limit: a timer that no library's `except Exception` can swallow, and the
per-batch budget of pooled translation."""

from __future__ import annotations

import time

import pytest

from newsbrief.limits import OverTimeLimit, TimeBudget, time_limit


def test_the_timer_interrupts_a_loop_that_swallows_exceptions() -> None:
    began = time.monotonic()
    over = r"time limit of 0.3 s per article \(while summarising\)"
    with pytest.raises(OverTimeLimit, match=over), time_limit(0.3, 0.3, "summarising"):
        while time.monotonic() - began < 10:
            try:  # noqa: SIM105 - what a careless library does
                time.sleep(0.01)
            except Exception:
                pass
    assert time.monotonic() - began < 2


def test_no_limit_and_an_exhausted_limit() -> None:
    with time_limit(0, 0, "reading"):
        time.sleep(0.05)  # 0 = no limit
    with pytest.raises(OverTimeLimit), time_limit(-1, 5, "summarising"):
        pass  # nothing left of the article's time: over before starting


def test_a_batch_is_charged_to_its_articles_by_tokens() -> None:
    budget = TimeBudget(10, {"a": 10, "b": 3})
    assert budget.charge({"a": 30, "b": 10}, 8) == []  # a pays 6, b pays 2
    assert budget.left == {"a": 4, "b": 1}
    assert budget.charge({"a": 1, "b": 1}, 2.5) == ["b"]
    assert TimeBudget(0).charge({"a": 1}, 1e9) == []
