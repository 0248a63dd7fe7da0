"""`newsbrief status`: what an operator needs to know about an output folder, from its manifest."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.manifest import ArticleRow, Manifest


@dataclass
class OutputStatus:
    counts: dict[str, int] = field(default_factory=dict)  # done, skipped, failed
    runs: list[dict[str, object]] = field(default_factory=list)  # newest first
    failed: list[ArticleRow] = field(default_factory=list)
    orphans: list[ArticleRow] = field(default_factory=list)  # outputs whose source is gone


def output_status(manifest_path: Path) -> OutputStatus:
    manifest = Manifest(manifest_path)
    try:
        rows = manifest.articles()
        return OutputStatus(
            counts=dict(Counter(row.status for row in rows)),
            runs=manifest.last_runs(),
            failed=[row for row in rows if row.status == "failed"],
            orphans=[row for row in rows if row.status == "done" and not Path(row.source_path).exists()],
        )
    finally:
        manifest.close()
