"""What the phases of one run share (BatchRun), and an article between its reading and its
writing (Pending)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.generation.chunk_work import ArticleWork, ChunkExecutor
from newsbrief.generation.model_pool import ModelPool
from newsbrief.output.folder import (
    FEEDS_DIR,
)
from newsbrief.output.manifest import ArticleRow, Manifest
from newsbrief.progress import ProgressSink
from newsbrief.run.config_hash import ConfigHasher
from newsbrief.run.outcomes import Outcome, RunReport, State
from newsbrief.run.preflight import Prepared
from newsbrief.run.stopping import StopRequest
from newsbrief.settings.groups import Settings
from newsbrief.text.language import LanguageIdentifier


@dataclass
class Pending:
    """An article with the models, as the process that writes keeps it: its manifest row (which
    never leaves this process) and when its clock started."""

    work: ArticleWork
    row: ArticleRow
    started: float


@dataclass
class BatchRun:
    """What the phases of one run share: where things go, the ledger, the loaded models."""

    input_dir: Path
    out_dir: Path
    settings: Settings
    manifest: Manifest
    pool: ModelPool
    prepared: Prepared  # the prompts, the glossary, the language detector and output checks
    hasher: ConfigHasher
    progress: ProgressSink
    run_id: int
    chunks: ChunkExecutor
    stop: StopRequest = field(default_factory=StopRequest)
    report: RunReport = field(default_factory=RunReport)
    taken_ids: set[str] = field(default_factory=set)
    in_flight: dict[str, Pending] = field(default_factory=dict)  # article id -> sent to the models

    @property
    def feeds_dir(self) -> Path:
        """Where the feeds' entries are staged as articles (input/feeds.py): the run's second root."""
        return self.out_dir / FEEDS_DIR

    def identifier(self) -> LanguageIdentifier:
        """Built on first use: a run with nothing new never loads the language models."""
        return self.prepared.identifier()

    def record(
        self, row: ArticleRow, path: Path, status: str, reason: str = "", fidelity: dict | None = None
    ) -> None:
        """Record an article's final state for this run, in the manifest and the report. A
        failure counts an attempt; at `max_attempts` in a row the article is parked."""
        row.status = status
        row.error = reason
        if status == State.FAILED:
            row.attempts += 1
            row.parked = row.attempts >= self.settings.control.max_attempts
        else:
            row.attempts, row.parked = 0, False
        self.manifest.record(row, self.run_id)
        outcome = Outcome(path, row.id, status, reason, row.words, fidelity or {}, row.lang, row.timings)
        if status == State.FAILED:
            outcome.attempts, outcome.parked = row.attempts, row.parked
        self.report.add(outcome)
