"""The JSON log (`--log-format json`): one line per article as soon as it is settled, and one
for the run, so that log collectors and scripts never parse the human table."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from newsbrief.pipeline import Outcome, RunReport

STATES = ("done", "up-to-date", "skipped", "failed", "parked")


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
    if outcome.status in ("failed", "parked", "skipped"):
        event["reason"] = outcome.reason
    if outcome.status in ("failed", "parked"):
        event["attempts"] = outcome.attempts
        event["parked"] = outcome.parked or outcome.status == "parked"
    return json.dumps(event, ensure_ascii=False)


def run_event(report: RunReport, out_dir: Path) -> str:
    return json.dumps(
        {
            "event": "run",
            "time": _now(),
            "output": str(out_dir),
            "state": "interrupted" if report.interrupted or report.output_error else "finished",
            "reason": str(report.output_error) if report.output_error else report.interrupted,
            "counts": {state: report.count(state) for state in STATES},
            "flagged": len(report.flagged()),
            "words_translated": report.words,
            "seconds": round(report.seconds, 3),
            "model_load_seconds": round(report.model_load_seconds, 3),
        },
        ensure_ascii=False,
    )
