"""The model work of one chunk of articles: translation pooled across its articles, summaries,
and the translations of those summaries. It needs the models and nothing of the run's
bookkeeping, so it runs the same in the process that reads and writes (engine local) and on a
cluster worker (engine ray); what it returns is verified and written by that one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from newsbrief.article import SegmentedArticle
from newsbrief.config import Settings
from newsbrief.layout import ArticleResult
from newsbrief.limits import OverTimeLimit, TimeBudget, time_limit
from newsbrief.manifest import ArticleRow
from newsbrief.pool import ModelPool
from newsbrief.progress import NoProgress, ProgressSink
from newsbrief.summarising import Summariser, Summary, SummaryInput
from newsbrief.translating import Job, PooledResult, translate_jobs


@dataclass
class Pending:
    """An article read and segmented, waiting for models."""

    doc: SegmentedArticle
    row: ArticleRow  # its timings (seconds per stage) fill in as the stages go
    started: float


@dataclass
class ChunkWork:
    """What the models made of a chunk: a result per article ready to verify and write, or why
    the article failed; the summaries' translations; and the seconds spent per article."""

    results: list[ArticleResult] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # article id -> reason
    summary_translations: PooledResult = field(default_factory=PooledResult)
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # article id -> stage -> s
    words: int = 0


def process_chunk(
    pending: list[Pending],
    pool: ModelPool,
    settings: Settings,
    progress: ProgressSink | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> ChunkWork:
    """Translate and summarise a chunk; no article's failure stops the others. Once
    `should_stop()` is true it returns at once, unfinished: the caller, which asked for the stop,
    ends the run before settling it, and the chunk stays open for the next run."""
    progress = progress or NoProgress()
    work = ChunkWork()
    jobs = [job for item in pending for job in _segment_jobs(item.doc, settings)]
    # Loaded first: a summariser that cannot be used stops the run before hours of translation.
    summariser = pool.summariser()
    progress.phase("translating", sum(len(job.text.split()) for job in jobs))
    began = time.monotonic()
    policy = settings.guard_policy()
    budget = TimeBudget(
        settings.article_timeout,
        {item.doc.article.id: settings.article_timeout - _spent(item) for item in pending},
    )
    checks = pool.output_checks()
    translated = translate_jobs(
        jobs, pool, settings.batch_tokens, progress.advance, policy, should_stop, budget, checks
    )
    if should_stop():
        return work
    _share_time(pending, time.monotonic() - began)
    work.words += translated.words

    progress.phase("summarising", len(pending))
    summary_jobs: list[Job] = []
    for item in pending:
        if should_stop():
            return work
        progress.advance()
        article_id = item.doc.article.id
        work.timings[article_id] = item.row.timings
        if reason := translated.failures.get(article_id):
            work.failures[article_id] = reason
            continue
        began = time.monotonic()
        try:
            limit = settings.article_timeout
            with time_limit(limit - _spent(item), limit, "summarising"):
                result, missing = _summarise(item, translated, summariser, settings)
        except OverTimeLimit as over:
            work.failures[article_id] = str(over)
            continue
        except Exception as error:  # a model error costs this article, not the run
            work.failures[article_id] = f"summarising: {error}"
            continue
        item.row.timings["summarise"] = round(time.monotonic() - began, 3)
        work.results.append(result)
        summary_jobs.extend(missing)

    progress.phase("translating summaries", len(summary_jobs))
    work.summary_translations = translate_jobs(
        summary_jobs,
        pool,
        settings.batch_tokens,
        policy=policy,
        should_stop=should_stop,
        budget=budget,
        checks=checks,
    )
    work.words += work.summary_translations.words
    return work


def _spent(item: Pending) -> float:
    """Seconds this article has cost so far in this run (its time limit counts them)."""
    return sum(item.row.timings.values())


def _share_time(pending: list[Pending], seconds: float) -> None:
    """Pooled translation time, attributed to articles by their share of the words."""
    total = max(1, sum(item.row.words for item in pending))
    for item in pending:
        item.row.timings["translate"] = round(seconds * item.row.words / total, 3)


def _segment_jobs(doc: SegmentedArticle, settings: Settings) -> list[Job]:
    return [
        Job(
            (doc.article.id, target, segment.index),
            segment.text,
            segment.lang,
            target,
            tuple(s for s in segment.spans if s.kind == "quote"),
        )
        for target in sorted(settings.needed_languages(doc.lang))
        for segment in doc.sentences
    ]


def _summarise(
    item: Pending, translated: PooledResult, summariser: Summariser, settings: Settings
) -> tuple[ArticleResult, list[Job]]:
    """The article's lines in every language, its summary, and the summary translations it
    still needs (pooled across articles afterwards)."""
    doc = item.doc
    article_id = doc.article.id
    lines = {doc.lang: [s.text for s in doc.segments]}
    flags: dict[str, dict[int, list[str]]] = {}
    for lang in sorted(settings.needed_languages(doc.lang)):
        lines[lang] = [
            translated.translations[(article_id, lang, s.index)] if s.text else "" for s in doc.segments
        ]
        flags[lang] = {
            s.index: list(translated.flags.get((article_id, lang, s.index), [])) for s in doc.sentences
        }
    summary: Summary = summariser.summarise(SummaryInput(doc, lines))
    written = next(iter(summary.sentences))
    titles = {lang: lines[lang][0] for lang in lines if doc.article.title}
    missing: list[Job] = []
    for lang in settings.summary_languages:
        if lang in summary.sentences:
            continue
        channel = f"summary:{lang}"
        sentences = summary.sentences[written]
        missing += [Job((article_id, channel, i), text, written, lang) for i, text in enumerate(sentences)]
        if doc.article.title and lang not in titles:
            missing.append(Job((article_id, channel, -1), doc.article.title, doc.lang, lang))
    result = ArticleResult(
        doc=doc,
        lines=lines,
        flags=flags,
        summaries=dict(summary.sentences),
        summary_titles=titles,
        translation_languages=sorted(set(settings.targets) - {doc.lang}),
        summariser=summariser.name,
        summary_written_in=written,
        summary_chunks=summary.chunks,
    )
    return result, missing


Finished = tuple[int, list[Pending], ChunkWork]  # chunk number, its articles, what the models made


class ChunkExecutor(Protocol):
    """Where chunks are processed: here (LocalChunks) or on a Ray cluster (cluster.RayChunks).
    The run that reads and writes submits numbered chunks and settles them as they finish."""

    def submit(self, number: int, chunk: list[Pending]) -> None: ...

    def finished(self, wait: bool) -> list[Finished]:
        """Chunks done since the last call; with `wait`, every chunk submitted."""
        ...

    def close(self) -> None: ...


class LocalChunks:
    """In this process, one chunk at a time, with the run's progress bar and stop request."""

    def __init__(
        self, pool: ModelPool, settings: Settings, progress: ProgressSink, should_stop: Callable[[], bool]
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.progress = progress
        self.should_stop = should_stop
        self._done: list[Finished] = []

    def submit(self, number: int, chunk: list[Pending]) -> None:
        work = process_chunk(chunk, self.pool, self.settings, self.progress, self.should_stop)
        self._done.append((number, chunk, work))

    def finished(self, wait: bool) -> list[Finished]:
        done, self._done = self._done, []
        return done

    def close(self) -> None:
        self.pool.close()
