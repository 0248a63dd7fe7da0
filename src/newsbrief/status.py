"""`newsbrief status`: what an operator needs to know about an output folder, from its manifest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.manifest import ArticleRow, Manifest


@dataclass
class OutputStatus:
    counts: dict[str, int] = field(default_factory=dict)  # done, skipped, failed, parked
    runs: list[dict[str, object]] = field(default_factory=list)  # newest first
    failed: list[ArticleRow] = field(default_factory=list)  # to be retried by the next run
    parked: list[ArticleRow] = field(default_factory=list)  # not retried until the source changes
    orphans: list[ArticleRow] = field(default_factory=list)  # outputs whose source is gone


def output_status(manifest_path: Path) -> OutputStatus:
    manifest = Manifest(manifest_path)
    try:
        rows = manifest.articles()
        return OutputStatus(
            counts=dict(Counter("parked" if row.parked else row.status for row in rows)),
            runs=manifest.last_runs(),
            failed=[row for row in rows if row.status == "failed" and not row.parked],
            parked=[row for row in rows if row.parked],
            orphans=[row for row in rows if row.status == "done" and not Path(row.source_path).exists()],
        )
    finally:
        manifest.close()
