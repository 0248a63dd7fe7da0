"""One run over a folder: read -> segment -> translate (pooled) -> summarise -> verify -> write.

Each article either ends as a complete output folder and a `done` manifest row, or as a
`skipped`/`failed` row with a one-line reason; no article's problem stops the others.

Files are streamed: they are read until `chunk_words` words are pending, then that chunk is
translated, summarised and written, and reading goes on, so memory follows the chunk, not the
folder. The chunk in progress is recorded in the manifest; a run killed inside it is followed by
one that redoes exactly that chunk first, so every output is what an uninterrupted run writes.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.article import SegmentedArticle
from newsbrief.checkpoint import ChunkCheckpoint
from newsbrief.chunks import ArticleWork, ChunkExecutor, ChunkWork, LocalChunks
from newsbrief.config import Engine, Settings
from newsbrief.dependencies import ConfigHasher
from newsbrief.discovery import Discovery, discover
from newsbrief.errors import (
    ArticleFailed,
    ArticleSkipped,
    ModelUnavailable,
    ModelUnusable,
    OutputUnwritable,
    is_output_failure,
)
from newsbrief.feeds import FEED_SUFFIXES, FEEDS_DIR, stage_feeds
from newsbrief.finishing import finish
from newsbrief.ids import unique_id
from newsbrief.language import LanguageIdentifier
from newsbrief.layout import ArticleDraft, article_files
from newsbrief.limits import OverTimeLimit, time_limit
from newsbrief.manifest import MANIFEST_NAME, ArticleRow, Manifest
from newsbrief.outcomes import Outcome, RunReport, State
from newsbrief.plan import plan_article
from newsbrief.pool import ModelPool
from newsbrief.progress import NoProgress, ProgressSink
from newsbrief.prompts import load_prompts
from newsbrief.readers import read_article, supported_suffixes
from newsbrief.records import standing_fidelity
from newsbrief.review import REVIEW_DIR, write_review
from newsbrief.same_format import translated_documents
from newsbrief.segmenting import segment_article
from newsbrief.stopping import RunInterrupted, StopRequest
from newsbrief.writing import recover_interrupted, write_article_folder

__all__ = ["MANIFEST_NAME", "Outcome", "RunReport", "run_batch"]
MEGABYTE = 1_000_000


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
        """Where the feeds' entries are staged as articles (feeds.py): the run's second root."""
        return self.out_dir / FEEDS_DIR

    def identifier(self) -> LanguageIdentifier:
        """Built on first use: a run with nothing new never loads the language models."""
        return self.pool.identifier()

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


def run_batch(
    input_dir: Path,
    out_dir: Path,
    settings: Settings,
    progress: ProgressSink | None = None,
    stop: StopRequest | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> RunReport:
    """Process every article under `input_dir` into `out_dir`. Raises PromptError before
    anything else when a prompt template is wrong, and ModelUnavailable when a model an article
    needs cannot be found (the chunks finished before it are kept, and recorded)."""
    started = time.monotonic()
    pool = ModelPool(settings, load_prompts(settings))
    run = _start(input_dir, out_dir, settings, pool, progress, stop, on_outcome)
    outcome = "finished"
    try:
        _stream(run, _with_feeds(run, discover(input_dir, settings.control.exclude, out_dir)))
    except RunInterrupted as stopped:
        run.report.interrupted = str(stopped)
    except OutputUnwritable as error:
        run.report.output_error = error
    except (ModelUnavailable, ModelUnusable):
        outcome = "stopped: a model is missing or unusable"  # the ledger says so, not "finished"
        raise
    finally:
        run.chunks.close()
        _close(run, time.monotonic() - started, outcome)
    return run.report


def _start(
    input_dir: Path,
    out_dir: Path,
    settings: Settings,
    pool: ModelPool,
    progress: ProgressSink | None,
    stop: StopRequest | None,
    on_outcome: Callable[[Outcome], None] | None,
) -> BatchRun:
    """The output folder made ready and the run recorded; OutputUnwritable when the folder
    cannot take writes (nothing has begun then)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        recover_interrupted(out_dir)
    except OSError as error:
        raise OutputUnwritable(out_dir, error) from error
    manifest = Manifest(out_dir / MANIFEST_NAME)
    hasher = ConfigHasher(settings, pool)
    progress = progress or NoProgress()
    stop = stop or StopRequest()
    return BatchRun(
        input_dir=input_dir,
        out_dir=out_dir,
        settings=settings,
        manifest=manifest,
        pool=pool,
        hasher=hasher,
        progress=progress,
        run_id=manifest.start_run(str(input_dir.resolve()), hasher.base),
        chunks=_executor(settings, pool, progress, stop, manifest),
        stop=stop,
        taken_ids=manifest.taken_ids(),
        report=RunReport(listener=on_outcome),
    )


def _close(run: BatchRun, seconds: float, outcome: str = "finished") -> None:
    """The run's line in the ledger and the review pages, unless the output folder stopped
    taking writes: then what was written stays as it is (complete), and the reason is reported."""
    report = run.report
    report.model_load_seconds = run.pool.load_seconds
    report.seconds = seconds
    counts = report.counts()
    try:
        if report.interrupted:
            report.kept_batches = run.manifest.count_kept_batches()
        if report.output_error is None:
            outcome = "interrupted" if report.interrupted else outcome
            run.manifest.finish_run(run.run_id, counts, report.words, report.seconds, outcome)
            if run.settings.control.review:
                _update_review(run)
    except OutputUnwritable as error:
        report.output_error = error
    except OSError as error:  # a review page that cannot be written
        report.output_error = OutputUnwritable(run.out_dir, error)
    finally:
        run.manifest.close()


def _executor(
    settings: Settings, pool: ModelPool, progress: ProgressSink, stop: StopRequest, manifest: Manifest
) -> ChunkExecutor:
    """Engine local: this process, each chunk's finished batches kept in the manifest until it
    is closed; engine ray: a pool of Ray actors (Ray imported only then)."""
    if settings.control.engine == Engine.RAY:
        from newsbrief.cluster import RayChunks

        return RayChunks(settings)

    def store(number: int, chunk: list[ArticleWork]) -> ChunkCheckpoint:
        return ChunkCheckpoint(manifest, number, [item.config_hash for item in chunk])

    return LocalChunks(pool, settings, progress, lambda: stop.requested, store)


def _update_review(run: BatchRun) -> None:
    """The pages of the articles this run settled, any missing page, and the index; a run with
    nothing new (parked articles passed over are nothing new) leaves the pages as they are."""
    touched = {o.article_id for o in run.report.outcomes if o.status not in (State.UP_TO_DATE, State.PARKED)}
    if touched or not (run.out_dir / REVIEW_DIR / "index.html").exists():
        write_review(run.out_dir, run.manifest, touched)


def _with_feeds(run: BatchRun, found: Discovery) -> Discovery:
    """The folder's files and every feed's entries (the configured feeds, and the .rss and .atom
    files of the folder), each entry staged as a JSON article under OUTPUT_DIR/_feeds/; a feed
    that cannot be read fails as a file does, and the rest goes on."""
    in_folder = [path for path in found.ignored if path.suffix.lower() in FEED_SUFFIXES]
    found.ignored = [path for path in found.ignored if path not in in_folder]
    staged = stage_feeds((*run.settings.control.feeds, *map(str, in_folder)), run.feeds_dir)
    for feed, reason in staged.problems:
        run.report.add(Outcome(Path(feed), "", State.FAILED, reason))
    found.files += staged.files
    return found


def _stream(run: BatchRun, found: Discovery) -> None:
    """Read files in order and process them a chunk at a time; chunks left open by a killed or
    stopped run are redone first, each whole. Entries the folder walk passed over (links out of
    the folder, special files) are reported as skipped, one line each, on every run."""
    for entry in found.passed_over:
        run.report.add(Outcome(entry.path, "", State.SKIPPED, entry.reason))
    unread = f"not a format newsbrief reads ({', '.join(sorted(supported_suffixes()))})"
    for path in found.ignored:
        run.report.add(Outcome(path, "", State.IGNORED, unread))
    files = found.files
    replayed = _replay_open_chunks(run)
    chunk: list[Pending] = []
    words = 0
    run.progress.articles(len(files) + len(found.passed_over) + len(found.ignored))
    run.progress.phase("reading", len(files), "files")
    for done, path in enumerate(files, start=1):
        run.stop.check()
        run.progress.advance()
        if replayed and str(path.resolve()) in replayed:
            continue
        if (item := _read_one(run, path)) is None:
            continue
        chunk.append(item)
        words += item.row.words
        if words >= run.settings.control.chunk_words:
            _submit(run, run.manifest.next_chunk(), chunk)
            chunk, words = [], 0
            run.progress.phase("reading", len(files), "files")
            run.progress.advance(done)
    if chunk:
        _submit(run, run.manifest.next_chunk(), chunk)
    _settle_finished(run, wait=True)


def _replay_open_chunks(run: BatchRun) -> set[str]:
    """Redo the chunks a killed run was in, with the same articles in the same order (so the
    same batches); the source paths they cover, which the stream then passes over."""
    roots = {run.input_dir.resolve(): run.input_dir, run.feeds_dir.resolve(): run.feeds_dir}
    covered: set[str] = set()
    for number, source_paths in run.manifest.open_chunks().items():
        covered |= set(source_paths)
        chunk = []
        for source_path in source_paths:
            resolved = Path(source_path)
            inside = next((root for root in roots if resolved == root or root in resolved.parents), None)
            if not resolved.is_file() or inside is None:
                continue  # gone since, or this run is over another folder
            # The path as the folder walk spells it, since article.json records it.
            path = roots[inside] / resolved.relative_to(inside)
            if (item := _read_one(run, path, redo=True)) is not None:
                chunk.append(item)
        if chunk:
            _submit(run, number, chunk)
        else:
            run.manifest.close_chunk(number)
    return covered


def _submit(run: BatchRun, number: int, chunk: list[Pending]) -> None:
    run.manifest.open_chunk(number, [item.row.source_path for item in chunk])
    run.in_flight.update((item.work.article_id, item) for item in chunk)
    run.chunks.submit(number, [item.work for item in chunk])
    _settle_finished(run, wait=False)


def _settle_finished(run: BatchRun, wait: bool) -> None:
    """Write what has come back; a chunk is closed only once all of it is recorded."""
    for number, _articles, work in run.chunks.finished(wait):
        run.stop.check()  # a chunk cut short by the stop is left open, never settled
        _settle(run, work)
        run.manifest.close_chunk(number)


def _read_one(run: BatchRun, path: Path, redo: bool = False) -> Pending | None:
    """Read, segment and plan one file, unless it is up to date or parked (`redo` reads it
    anyway); None when there is nothing to do."""
    source_path = str(path.resolve())
    known = run.manifest.lookup(source_path)
    article_id = known.id if known else _new_id(run, path)
    if (read := _read_bytes(run, path, article_id)) is None:
        return None
    row, data = read
    if known is not None and known.source_hash == row.source_hash:
        row.attempts = known.attempts if known.status == State.FAILED else 0
        if not redo and _passed_over(run, path, known):
            return None
    run.identifier()  # loaded once per run, before any article's clock starts
    began = time.monotonic()
    try:
        limit = run.settings.control.article_timeout
        with time_limit(limit, limit, "reading"):
            doc, read_seconds = _read_and_segment(path, data, run)
    except ArticleSkipped as problem:
        run.record(row, path, State.SKIPPED, str(problem))
        return None
    except (ArticleFailed, OverTimeLimit) as problem:
        run.record(row, path, State.FAILED, str(problem))
        return None
    except Exception as error:  # a reader's or detector's bug on strange input costs this file only
        run.record(row, path, State.FAILED, f"cannot read: {type(error).__name__}: {error}")
        return None
    return _planned(run, doc, row, began, read_seconds)


def _read_bytes(run: BatchRun, path: Path, article_id: str) -> tuple[ArticleRow, bytes] | None:
    """The file's bytes and its manifest row, or None when it cannot be read or is far too large
    for an article (a dump, a disk image: skipped unread)."""
    source_path, limit_mb = str(path.resolve()), run.settings.control.max_file_mb
    no_dependencies = run.hasher.hash([])
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= limit_mb * MEGABYTE else b""
    except OSError as error:
        row = ArticleRow(article_id, source_path, "", no_dependencies, State.DONE)
        run.record(row, path, State.FAILED, f"cannot read: {error}")
        return None
    if size > limit_mb * MEGABYTE:
        row = ArticleRow(article_id, source_path, f"size:{size}", no_dependencies, State.DONE)
        reason = f"too large for an article: {size / MEGABYTE:,.0f} MB (max_file_mb = {limit_mb:g})"
        run.record(row, path, State.SKIPPED, reason)
        return None
    source_hash = hashlib.sha256(data).hexdigest()
    return ArticleRow(article_id, source_path, source_hash, no_dependencies, State.DONE), data


def _passed_over(run: BatchRun, path: Path, known: ArticleRow) -> bool:
    """An unchanged source that is up to date, skipped before, or parked: reported as it stands
    (a flagged article with its fidelity record, a skipped file with its reason), and not read."""
    if _is_up_to_date(known, run):
        if known.status == State.SKIPPED:
            run.report.add(Outcome(path, known.id, State.SKIPPED, known.error))
        else:
            fidelity = standing_fidelity(run.out_dir / known.id)
            done_before = Outcome(path, known.id, State.UP_TO_DATE, words=known.words, fidelity=fidelity)
            done_before.lang = known.lang
            run.report.add(done_before)
        return True
    if known.parked and not run.settings.control.retry_parked:
        outcome = Outcome(path, known.id, State.PARKED, known.error, known.words, lang=known.lang)
        outcome.attempts = known.attempts
        run.report.add(outcome)
        return True
    return False


def _planned(run: BatchRun, doc: SegmentedArticle, row: ArticleRow, began: float, read: float) -> Pending:
    doc.article.id = row.id
    row.lang = doc.lang
    row.words = doc.word_count()
    plan = plan_article(doc, run.settings)
    # Hashing resolves the article's models: a missing one stops the run here, before any writing.
    row.dependencies = plan.dependencies()
    row.config_hash = run.hasher.hash(row.dependencies)
    segment = time.monotonic() - began - read  # language detection, sentences, spans, the plan
    row.timings = {"read": round(read, 3), "segment": round(segment, 3)}  # the later stages add theirs
    return Pending(ArticleWork(doc, plan, row.timings, row.words, row.config_hash), row, began)


def _new_id(run: BatchRun, path: Path) -> str:
    """From the path in the input folder, or a feed entry's in OUTPUT_DIR/_feeds/."""
    if path == run.input_dir:
        relative = Path(path.name)
    elif path.is_relative_to(run.input_dir):
        relative = path.relative_to(run.input_dir)
    else:
        relative = path.relative_to(run.feeds_dir)
    article_id = unique_id(relative, run.taken_ids)
    run.taken_ids.add(article_id)
    return article_id


def _is_up_to_date(known: ArticleRow, run: BatchRun) -> bool:
    """Done (or skipped) with this very source, and with the models and prompts it used as they
    are now; a skipped file costs a quiet night nothing either, not even the language models."""
    if known.status == State.DONE and not (run.out_dir / known.id).is_dir():
        return False
    settled = known.status in (State.DONE, State.SKIPPED)
    return settled and known.config_hash == run.hasher.hash(known.dependencies)


def _read_and_segment(path: Path, data: bytes, run: BatchRun) -> tuple[SegmentedArticle, float]:
    """The segmented article, and the seconds its reading took (the rest is segmenting's)."""
    settings = run.settings
    identifier = run.identifier()
    began = time.monotonic()
    article = read_article(path, data)
    read = time.monotonic() - began
    lang, _confidence = identifier.detect(" ".join([article.title, *article.paragraphs])[:3000])
    if lang is None:
        raise ArticleSkipped("no language could be detected (no letters in the text)")
    if lang not in settings.languages.source_languages:
        targets = "/".join(t for t in settings.languages.targets if t != lang)
        raise ArticleSkipped(
            f"unsupported language {lang}: no model for {lang}→{targets} (add '{lang}' to "
            f"source_languages to use the multilingual fallback {settings.models.fallback_model})"
        )
    accepted = set(settings.languages.source_languages)
    return segment_article(article, lang, identifier, accepted, settings.decoding.max_segment_chars), read


def _settle(run: BatchRun, work: ChunkWork) -> None:
    """Verify and write what the models made of a chunk (here, wherever they ran), and record it."""
    run.report.words += work.words
    for failure in work.failures:
        item = run.in_flight.pop(failure.article_id)
        item.row.timings.update(failure.timings)  # from a worker, where they were measured
        run.record(item.row, item.work.doc.article.path, State.FAILED, failure.reason)
    run.progress.phase("writing", len(work.drafts), "articles")
    for draft in work.drafts:
        run.stop.check()
        run.progress.advance()
        item = run.in_flight.pop(draft.doc.article.id)
        item.row.timings.update(draft.timings)
        _write(run, draft, item)


def _write(run: BatchRun, draft: ArticleDraft, item: Pending) -> None:
    path, row = draft.doc.article.path, item.row
    began = time.monotonic()
    try:
        checks = run.pool.output_checks()
        result = finish(draft, run.settings, run.hasher, checks, row.dependencies, row.config_hash)
    except Exception as error:  # a bug on strange text costs this article, not the night's batch
        run.record(row, path, State.FAILED, f"verifying: {type(error).__name__}: {error}")
        return
    row.timings["verify"] = round(time.monotonic() - began, 3)  # summary guard, fidelity record
    began = time.monotonic()
    try:
        documents, warnings = translated_documents(result, run.settings.summaries.summary_documents)
        result.record["warnings"] = [*result.record.get("warnings", []), *warnings]
        files: dict[str, str | bytes] = {**article_files(result), **documents}
    except Exception as error:  # a document its library cannot write back costs this article
        run.record(row, path, State.FAILED, f"writing its document: {type(error).__name__}: {error}")
        return
    try:
        write_article_folder(run.out_dir, draft.doc.article.id, files)
    except OSError as error:
        if is_output_failure(error):
            raise OutputUnwritable(run.out_dir, error) from error
        run.record(row, path, State.FAILED, f"writing: {error}")
        return
    row.timings["write"] = round(time.monotonic() - began, 3)
    row.seconds = round(time.monotonic() - item.started, 3)
    run.record(row, path, State.DONE, fidelity=result.fidelity["totals"])
