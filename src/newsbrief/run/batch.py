"""One run over a folder: read -> segment -> translate (pooled) -> summarise -> verify -> write.

Each article either ends as a complete output folder and a `done` manifest row, or as a
`skipped`/`failed` row with a one-line reason; no article's problem stops the others.

Files are streamed: they are read until `chunk_words` words are pending, then that chunk is
translated, summarised and written, and reading goes on, so memory follows the chunk, not the
folder. The chunk in progress is recorded in the manifest; a run killed inside it is followed by
one that redoes exactly that chunk first, so every output is what an uninterrupted run writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from newsbrief.article import ArticleDraft
from newsbrief.errors import (
    ClusterUnavailable,
    ModelUnavailable,
    ModelUnusable,
    OutputUnwritable,
    RunInterrupted,
    is_output_failure,
)
from newsbrief.generation.chunk_work import (
    ArticleWork,
    ChunkExecutor,
    ChunkOptions,
    ChunkWork,
    LocalChunks,
    process_chunk,
)
from newsbrief.generation.model_pool import ModelOptions, ModelPool
from newsbrief.input.discovery import Discovery, discover
from newsbrief.input.feeds import FEED_SUFFIXES, stage_feeds
from newsbrief.input.gate import is_url
from newsbrief.input.readers import supported_suffixes
from newsbrief.output.atomic import recover_interrupted, write_article_folder
from newsbrief.output.documents import translated_documents
from newsbrief.output.folder import (
    REVIEW_DIR,
    REVIEW_INDEX,
    article_files,
    is_output_folder,
    present_names,
)
from newsbrief.output.manifest import Manifest, open_ledger, reopen_if_removed
from newsbrief.output.review import write_review
from newsbrief.progress import NoProgress, ProgressSink
from newsbrief.run.batch_run import BatchRun, Pending
from newsbrief.run.checkpoint import ChunkCheckpoint
from newsbrief.run.config_hash import ConfigHasher
from newsbrief.run.finish import Finishing, finish
from newsbrief.run.intake import input_limits, read_one
from newsbrief.run.outcomes import Outcome, RunReport, State
from newsbrief.run.preflight import Prepared, prepare
from newsbrief.run.stopping import StopRequest
from newsbrief.settings.groups import Engine, Settings

__all__ = ["run_batch"]


def run_batch(
    input_dir: Path,
    out_dir: Path,
    settings: Settings,
    progress: ProgressSink | None = None,
    stop: StopRequest | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    prepared: Prepared | None = None,
) -> RunReport:
    """Process every article under `input_dir` into `out_dir`. Raises a ConfigError before
    anything else when a prompt template or the glossary is wrong (`prepared`: what a caller
    prepared already, preflight.prepare), and ModelUnavailable when a model an article needs
    cannot be found (the chunks finished before it are kept, and recorded)."""
    started = time.monotonic()
    prepared = prepared or prepare(settings)
    pool = ModelPool(ModelOptions.of(settings), prepared.prompts)
    run = _start(input_dir, out_dir, prepared, pool, progress, stop, on_outcome)
    outcome = "finished"
    try:
        _stream(
            run, _with_feeds(run, discover(input_dir, settings.control.exclude, out_dir, is_output_folder))
        )
    except (RunInterrupted, ClusterUnavailable) as stopped:
        run.report.interrupted = str(stopped)
        run.report.interrupted_code = stopped.exit_code
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
    prepared: Prepared,
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
    settings = prepared.settings
    manifest = open_ledger(out_dir)
    hasher = ConfigHasher(settings, pool, prepared.glossary)
    progress = progress or NoProgress()
    stop = stop or StopRequest()
    return BatchRun(
        input_dir=input_dir,
        out_dir=out_dir,
        settings=settings,
        manifest=manifest,
        pool=pool,
        prepared=prepared,
        hasher=hasher,
        progress=progress,
        run_id=manifest.start_run(str(input_dir.resolve()), hasher.base),
        chunks=_executor(prepared, pool, progress, stop, manifest),
        stop=stop,
        taken_ids=manifest.taken_ids() | present_names(out_dir),
        report=RunReport(listener=on_outcome, notices=[manifest.notice] if manifest.notice else []),
    )


def _close(run: BatchRun, seconds: float, outcome: str = "finished") -> None:
    """The run's line in the ledger and the review pages, unless the output folder stopped
    taking writes: then what was written stays as it is (complete), and the reason is reported."""
    report = run.report
    report.model_load_seconds = run.pool.load_seconds
    report.model_releases = run.pool.residency.releases
    report.seconds = seconds
    counts = report.counts()
    try:
        run.manifest = reopen_if_removed(run.manifest, run.out_dir)
        if run.manifest.notice and run.manifest.notice not in report.notices:
            report.notices.append(run.manifest.notice)
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
    prepared: Prepared, pool: ModelPool, progress: ProgressSink, stop: StopRequest, manifest: Manifest
) -> ChunkExecutor:
    """Engine local: this process, each chunk's finished batches kept in the manifest until it
    is closed; engine ray: a pool of Ray actors (Ray imported only then)."""
    settings = prepared.settings
    if settings.control.engine == Engine.RAY:
        from newsbrief.run.ray_engine import RayChunks

        def run_here(chunk: list[ArticleWork]) -> ChunkWork:  # the last resort: no actor can take it
            return process_chunk(chunk, pool, ChunkOptions.of(settings), prepared.output_checks())

        return RayChunks(settings, lambda: stop.requested, run_here)

    def store(number: int, chunk: list[ArticleWork]) -> ChunkCheckpoint:
        return ChunkCheckpoint(manifest, number, [item.config_hash for item in chunk])

    options, checks = ChunkOptions.of(settings), prepared.output_checks()
    return LocalChunks(pool, options, checks, progress, lambda: stop.requested, store)


def _update_review(run: BatchRun) -> None:
    """The pages of the articles this run settled, any missing page, and the index; a run with
    nothing new (parked articles passed over are nothing new) leaves the pages as they are."""
    touched = {o.article_id for o in run.report.outcomes if o.status not in (State.UP_TO_DATE, State.PARKED)}
    if touched or not (run.out_dir / REVIEW_DIR / REVIEW_INDEX).exists():
        write_review(run.out_dir, run.manifest, touched)


def _with_feeds(run: BatchRun, found: Discovery) -> Discovery:
    """The folder's files and every feed's entries (the configured feeds, and the .rss and .atom
    files the folder walk found), each entry staged as a JSON article under OUTPUT_DIR/_feeds/;
    a feed that cannot be read fails as a file does, and the rest goes on."""
    in_folder = [path for path in found.files if path.suffix.lower() in FEED_SUFFIXES]
    found.files = [path for path in found.files if path not in in_folder]
    sources = (*run.settings.control.feeds, *map(str, in_folder))
    staged = stage_feeds(sources, run.feeds_dir, input_limits(run.settings))
    for problem in staged.problems:
        state = State.SKIPPED if problem.skipped else State.FAILED
        where = problem.source if is_url(problem.source) else Path(problem.source)
        run.report.add(Outcome(where, "", state, problem.reason))
    found.files += staged.files
    return found


def _stream(run: BatchRun, found: Discovery) -> None:
    """Read files in order and process them a chunk at a time; chunks left open by a killed or
    stopped run are redone first, each whole. Entries the folder walk passed over (links out of
    the folder, special files) are reported as skipped, one line each, on every run."""
    for entry in found.passed_over:
        run.report.add(Outcome(entry.path, "", State.SKIPPED, entry.reason))
    readable = sorted({*supported_suffixes(), *FEED_SUFFIXES})  # feeds are read too
    unread = f"not a format newsbrief reads ({', '.join(readable)})"
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
        if (item := read_one(run, path)) is None:
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
    _settle_finished(run, wait=False)
    while run.chunks.busy():  # each chunk written as it comes back, not behind a slower one
        run.stop.check()
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
            if (item := read_one(run, path, redo=True)) is not None:
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
        finishing = Finishing.of(run.settings, run.prepared.output_checks(), run.prepared.glossary)
        made_with = run.hasher.made_with([*row.dependencies, *draft.extra_dependencies])
        result = finish(draft, finishing, made_with, row.config_hash)
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
