"""The model work of one chunk of articles: translation pooled across its articles, summaries,
and the translations of those summaries. It needs the models and nothing of the run's
bookkeeping, so it runs the same in the process that reads and writes (engine local) and on a
cluster worker (engine ray); what it returns is verified and written by that one process.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from newsbrief.article import ArticleDraft, SegmentedArticle
from newsbrief.fidelity.guard import GuardPolicy
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.generation.drafting import (
    add_translated_summaries,
    draft_article,
    instead_failed,
    is_instead,
    line_jobs,
)
from newsbrief.generation.model_pool import ModelPool
from newsbrief.generation.plan import ArticlePlan
from newsbrief.generation.quote_reading import read_quotes
from newsbrief.generation.summaries import Summariser
from newsbrief.generation.translation import BatchStore, Guard, Pooling, translate_jobs
from newsbrief.generation.translation_jobs import Job, PooledResult, job_words
from newsbrief.limits import OverTimeLimit, TimeBudget, over_limit, time_limit
from newsbrief.progress import NoProgress, ProgressSink
from newsbrief.settings.groups import Settings


@dataclass
class ArticleWork:
    """An article read, segmented and planned, on its way to the models (here or to a Ray
    worker: it holds nothing of the manifest, which stays with the process that writes)."""

    doc: SegmentedArticle
    plan: ArticlePlan
    timings: dict[str, float]  # seconds per stage so far; its time limit counts them
    words: int
    config_hash: str = ""  # the models, prompts and settings it is made with (run/config_hash.py)

    @property
    def article_id(self) -> str:
        return self.doc.article.id


@dataclass
class ArticleFailure:
    article_id: str
    reason: str
    timings: dict[str, float]


@dataclass
class ChunkWork:
    """What the models made of a chunk: a whole draft per article, or why the article failed."""

    drafts: list[ArticleDraft] = field(default_factory=list)
    failures: list[ArticleFailure] = field(default_factory=list)
    words: int = 0


@dataclass(frozen=True)
class ChunkOptions:
    """What a chunk's model work needs of the settings, taken once per run: the guard's policy,
    how many tokens a batch holds, and each article's time limit."""

    policy: GuardPolicy
    batch_tokens: int
    article_timeout: float

    @classmethod
    def of(cls, settings: Settings) -> ChunkOptions:
        return cls(settings.guard_policy(), settings.decoding.batch_tokens, settings.control.article_timeout)


@dataclass
class ChunkRun:
    """What the stages of one chunk share."""

    chunk: list[ArticleWork]
    pool: ModelPool
    options: ChunkOptions
    checks: OutputChecks  # what the guard asks of a line besides its figures
    progress: ProgressSink
    should_stop: Callable[[], bool]
    budget: TimeBudget
    store: BatchStore | None = None

    def translate(self, jobs: list[Job], advance: Callable[[int], None] = lambda words: None) -> PooledResult:
        return translate_jobs(jobs, self.pool, self._pooling(), advance)

    def read_quotes(self, jobs: list[Job], translated: PooledResult) -> None:
        """Each translated quote read back (generation/quote_reading.py), into `translated`."""
        pooling = self._pooling()
        read_quotes(jobs, translated, self.pool, pooling, pooling.guard)

    def _pooling(self) -> Pooling:
        guard = Guard(self.options.policy, self.checks)
        return Pooling(self.options.batch_tokens, guard, self.should_stop, self.budget, self.store)


def process_chunk(
    chunk: list[ArticleWork],
    pool: ModelPool,
    options: ChunkOptions,
    checks: OutputChecks,
    progress: ProgressSink | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    store: BatchStore | None = None,
) -> ChunkWork:
    """Translate and summarise a chunk; no article's failure stops the others. Once
    `should_stop()` is true it returns unfinished, once the batches in flight are done (and
    kept in `store`): the caller, which asked for the stop, ends the run before settling it,
    and the chunk stays open for the next run."""
    limit = options.article_timeout
    budget = TimeBudget(limit, {item.article_id: limit - _spent(item) for item in chunk})
    run = ChunkRun(chunk, pool, options, checks, progress or NoProgress(), should_stop, budget, store)
    work = ChunkWork()
    # Loaded first: a summariser that cannot be used stops the run before hours of translation.
    summariser = pool.summariser()
    jobs = [job for item in chunk for job in _line_jobs(item)]
    run.progress.phase("translating", job_words(jobs), "words")
    began = time.monotonic()
    translated = run.translate(jobs, run.progress.advance)
    if should_stop():
        return work
    _share_time(chunk, time.monotonic() - began, "translate")
    began = time.monotonic()
    run.read_quotes(jobs, translated)
    if should_stop():
        return work
    _share_time(chunk, time.monotonic() - began, "read back")
    work.words += translated.words
    drafts = _summarise_all(run, translated, summariser, work)
    if should_stop():
        return work
    translate_summaries(run, drafts, work)
    return work


def _summarise_all(
    run: ChunkRun, translated: PooledResult, summariser: Summariser, work: ChunkWork
) -> list[tuple[ArticleDraft, list[Job]]]:
    """Each article's draft with the summaries its summariser writes, and the jobs that
    translate them into the other summary languages (pooled across the chunk afterwards)."""
    run.progress.phase("summarising", len(run.chunk), "articles")
    items = []
    for item in run.chunk:
        if reason := translated.failures.get(item.article_id):
            work.failures.append(ArticleFailure(item.article_id, reason, item.timings))
            run.progress.advance()
        else:
            items.append(item)
    draft_one = partial(_draft, translated=translated, summariser=summariser, pool=run.pool)
    if summariser.in_flight > 1:
        outcomes = summarise_side_by_side(run, items, draft_one, summariser.in_flight)
    else:
        outcomes = summarise_in_turn(run, items, draft_one)
    drafts = []
    for item, outcome in outcomes:
        run.progress.advance()
        if isinstance(outcome, str):
            work.failures.append(ArticleFailure(item.article_id, outcome, item.timings))
        else:
            drafts.append(outcome)
    run.progress.working_on("")
    return drafts


Drafted = tuple[ArticleDraft, list[Job]]
DraftOne = Callable[[ArticleWork], Drafted]
# Each article with its draft, or why it failed (the one line its failure records).
Summarised = Iterator[tuple[ArticleWork, Drafted | str]]


def summarise_in_turn(run: ChunkRun, items: list[ArticleWork], draft_one: DraftOne) -> Summarised:
    """One article at a time, its time limit a timer that interrupts it (limits.time_limit)."""
    limit = run.options.article_timeout
    for item in items:
        if run.should_stop():
            return
        run.progress.working_on(item.doc.article.path.name)
        began = time.monotonic()
        try:
            with time_limit(limit - _spent(item), limit, "summarising"):
                drafted = draft_one(item)
        except OverTimeLimit as over:
            yield item, str(over)
            continue
        except Exception as error:  # a model error costs this article, not the run
            yield item, f"summarising: {error}"
            continue
        item.timings["summarise"] = round(time.monotonic() - began, 3)
        yield item, drafted


def summarise_side_by_side(
    run: ChunkRun, items: list[ArticleWork], draft_one: DraftOne, width: int
) -> Summarised:
    """Up to `width` articles at once, each on a thread of its own (CTranslate2 releases the GIL,
    and its two translators decode one article each). A thread that finishes takes the next
    article at once, whichever of those in flight it was (a long article beside short ones
    would otherwise hold a translator idle); outcomes are given back in the chunk's order, so a
    run is the same whichever finishes first. A timer signal reaches the main thread only, so
    the time limit is kept here: an article not done by its deadline fails, and its thread is
    left to finish unheard (CTranslate2 cannot stop a call midway). After a stop no article is
    begun, and those in flight are finished."""
    limit = run.options.article_timeout
    executor = _summary_threads(width)
    waiting = deque(enumerate(items))
    running: Running = {}
    settled: dict[int, Drafted | str] = {}
    given = 0
    try:
        while given < len(items):
            while waiting and len(running) < width and not run.should_stop():
                place, item = waiting.popleft()
                deadline = time.monotonic() + limit - _spent(item) if limit > 0 else math.inf
                running[executor.submit(_timed, draft_one, item)] = (place, deadline)
            if not running and given not in settled:
                return  # stopped: the rest was never begun
            if running:
                run.progress.working_on(
                    ", ".join(items[p].doc.article.path.name for p, _ in running.values())
                )
                done, overdue = _wait_for_one(running)
                settled.update({running.pop(future)[0]: _result(future) for future in done})
                for future in overdue:
                    settled[running.pop(future)[0]] = over_limit(limit, "summarising")
                if overdue:  # their threads are no one's now: the next articles need free ones
                    executor.shutdown(wait=False)
                    executor = _summary_threads(width)
            while given in settled:
                yield items[given], settled.pop(given)
                given += 1
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


# Articles being summarised: each one's future, its place in the chunk and its deadline.
Running = dict[Future[Drafted], tuple[int, float]]


def _wait_for_one(running: Running) -> tuple[set[Future[Drafted]], list[Future[Drafted]]]:
    """Until an article is done or one is past its deadline: those done, and those overdue."""
    earliest = min(deadline for _, deadline in running.values())
    timeout = None if math.isinf(earliest) else max(0.0, earliest - time.monotonic())
    done, _ = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
    now = time.monotonic()
    overdue = [future for future, (_, deadline) in running.items() if future not in done and deadline <= now]
    return done, overdue


def _summary_threads(width: int) -> ThreadPoolExecutor:
    """Threads enough that every article submitted starts at once, so its deadline (counted
    from then) is its own time; one over its limit keeps its old executor's thread."""
    return ThreadPoolExecutor(max_workers=width, thread_name_prefix="summarise")


def _timed(draft_one: DraftOne, item: ArticleWork) -> Drafted:
    began = time.monotonic()
    drafted = draft_one(item)
    item.timings["summarise"] = round(time.monotonic() - began, 3)
    return drafted


def _result(future: Future[Drafted]) -> Drafted | str:
    try:
        return future.result()
    except Exception as error:  # a model error costs this article, not the run
        return f"summarising: {error}"


def translate_summaries(run: ChunkRun, drafts: list[tuple[ArticleDraft, list[Job]]], work: ChunkWork) -> None:
    """The summaries' translations, pooled across the chunk, put into each draft. Those that
    stand in for a projection that traced nothing are translated apart: where one fails, that
    summary says why, and the article goes on (it had no summary to lose)."""
    plans = {item.article_id: item.plan for item in run.chunk}
    jobs = [job for _, missing in drafts for job in missing]
    instead: list[Job] = []
    required: list[Job] = []
    for job in jobs:
        (instead if is_instead(job, plans[job.key.article_id]) else required).append(job)
    run.progress.phase("translating summaries", job_words(jobs), "words")
    translations = run.translate(required, run.progress.advance)
    fallbacks = run.translate(instead, run.progress.advance)
    work.words += translations.words + fallbacks.words
    translations.translations.update(fallbacks.translations)
    for draft, missing in drafts:
        article_id = draft.doc.article.id
        if reason := translations.failures.get(article_id):
            work.failures.append(ArticleFailure(article_id, reason, draft.timings))
            continue
        if reason := fallbacks.failures.get(article_id):
            missing = instead_failed(draft, plans[article_id], missing, reason)
        add_translated_summaries(draft, plans[article_id], translations, missing)
        work.drafts.append(draft)


def _spent(item: ArticleWork) -> float:
    """Seconds this article has cost so far in this run (its time limit counts them)."""
    return sum(item.timings.values())


def _share_time(chunk: list[ArticleWork], seconds: float, stage: str) -> None:
    """Pooled time, attributed to articles by their share of the words."""
    total = max(1, sum(item.words for item in chunk))
    for item in chunk:
        item.timings[stage] = round(seconds * item.words / total, 3)


def _line_jobs(item: ArticleWork) -> list[Job]:
    return line_jobs(item.doc, item.plan)


def _draft(item: ArticleWork, translated: PooledResult, summariser: Summariser, pool: ModelPool) -> Drafted:
    return draft_article(item.doc, item.plan, item.timings, translated, summariser, pool)


Finished = tuple[int, list[ArticleWork], ChunkWork]  # chunk number, its articles, what the models made


class ChunkExecutor(Protocol):
    """Where chunks are processed: here (LocalChunks) or on a Ray cluster (cluster.RayChunks).
    The run that reads and writes submits numbered chunks and settles them as they finish."""

    def submit(self, number: int, chunk: list[ArticleWork]) -> None: ...

    def finished(self, wait: bool) -> list[Finished]:
        """Chunks done since the last call, each as soon as it is done; with `wait`, at least
        one when any is in flight (unless a stop was requested)."""
        ...

    def busy(self) -> bool:
        """Whether chunks are still in flight."""
        ...

    def close(self) -> None: ...


@dataclass
class LocalChunks:
    """In this process, one chunk at a time, with the run's progress bar and stop request."""

    pool: ModelPool
    options: ChunkOptions
    checks: OutputChecks
    progress: ProgressSink
    should_stop: Callable[[], bool]
    # Where a chunk's finished batches are kept (run/checkpoint.py).
    stores: Callable[[int, list[ArticleWork]], BatchStore | None] = lambda number, chunk: None
    _done: list[Finished] = field(default_factory=list)

    def submit(self, number: int, chunk: list[ArticleWork]) -> None:
        store = self.stores(number, chunk)
        work = process_chunk(
            chunk, self.pool, self.options, self.checks, self.progress, self.should_stop, store
        )
        self._done.append((number, chunk, work))

    def finished(self, wait: bool) -> list[Finished]:
        done, self._done = self._done, []
        return done

    def busy(self) -> bool:
        return False  # a chunk is done when submit returns

    def close(self) -> None:
        self.pool.close()
