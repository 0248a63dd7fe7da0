"""`newsbrief status`: what an operator needs to know about an output folder, from its manifest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.output.folder import MANIFEST_NAME
from newsbrief.output.lock import running_holder
from newsbrief.output.manifest import ArticleRow, Manifest


@dataclass
class OutputStatus:
    counts: dict[str, int] = field(default_factory=dict)  # done, skipped, failed, parked
    runs: list[dict[str, object]] = field(default_factory=list)  # newest first, each with its "ended"
    failed: list[ArticleRow] = field(default_factory=list)  # to be retried by the next run
    parked: list[ArticleRow] = field(default_factory=list)  # not retried until the source changes
    orphans: list[ArticleRow] = field(default_factory=list)  # outputs whose source is gone


def output_status(out_dir: Path) -> OutputStatus:
    """The folder's ledger read whole (it must hold one: is_output_folder)."""
    manifest = Manifest(out_dir / MANIFEST_NAME)
    try:
        rows = manifest.articles()
        return OutputStatus(
            counts=dict(Counter("parked" if row.parked else row.status for row in rows)),
            runs=_with_ends(manifest.last_runs(), running_holder(out_dir)),
            failed=[row for row in rows if row.status == "failed" and not row.parked],
            parked=[row for row in rows if row.parked],
            orphans=[row for row in rows if row.status == "done" and not Path(row.source_path).exists()],
        )
    finally:
        manifest.close()


def _with_ends(runs: list[dict[str, object]], holder: dict[str, object] | None) -> list[dict[str, object]]:
    """Each run's "ended": when it finished; for the newest unfinished one, whether it is still
    running (the lock's holder is alive and took the lock for this run, not an older one), or
    else that it never finished (killed, most likely)."""
    ended = []
    for index, run in enumerate(runs):
        text = str(run["finished_at"] or "never finished (killed?)")
        ours = holder is not None and str(holder["since"]) <= str(run["started_at"])
        if not run["finished_at"] and index == 0 and holder is not None and ours:
            text = f"still running (pid {holder['pid']})"
        ended.append({**run, "ended": text})
    return ended
