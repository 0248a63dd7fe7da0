"""Each translated quote read back into its line's source language with the reverse pair's
model, so that fidelity/quote_meaning.py can tell a quote that says something else; a line
whose quote reads back as none of its source's is searched among its beam candidates for one
whose quotes agree, as a line that lost a figure is.

The readings are batched over the chunk like the lines (one extra pass of short texts: the
quotes), charged to each article's time limit, and kept with the line: article.json and
alignment.jsonl hold them, so `newsbrief check`, which has no model, compares them again.
Where the run has no model for the reverse pair, a quote is not read back, and the record
counts it as not compared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from newsbrief.fidelity.guard import GuardPolicy, expected_figures
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.fidelity.quote_meaning import changed_quotes, quote_changed, translated_quotes
from newsbrief.generation.model_pool import ModelPool
from newsbrief.generation.translation import Guard, Pooling, guard_line, translate_jobs
from newsbrief.generation.translation_jobs import Job, JobKey, PooledResult

READ_BACK = "read-back"  # JobKey.channel of a quote read back: "read-back:<line's target>"


@dataclass(frozen=True)
class ReadingGuard(Guard):
    """The line guard, with its quotes read back among the problems it searches candidates for."""

    reader: Callable[[Job, str], list[str]] = lambda job, text: []

    def problems_of(self, job: Job) -> Callable[[str], list[str]]:
        problems = super().problems_of(job)
        return lambda text: [*problems(text), *self.reader(job, text)]


def read_quotes(
    jobs: list[Job], translated: PooledResult, pool: ModelPool, pooling: Pooling, guard: Guard
) -> None:
    """Read back every translated quote of `jobs` into `translated.readings`; a line whose quote
    reads back as another is taken from its beam candidates where one agrees (flagged as the
    guard flags a candidate taken), or left for verification to flag."""
    quoted = [
        (job, quotes)
        for job in jobs
        if job.source != job.target
        and job.key in translated.translations
        and (quotes := translated_quotes(job.text, translated.translations[job.key]))
        and not pool.unavailable(job.target, job.source)
    ]
    readings = _read_back(quoted, pool, pooling)
    for job, quotes in quoted:
        found = {quote: readings[(job.key.article_id, job.target, quote)] for quote in quotes}
        found = {quote: reading for quote, reading in found.items() if reading is not None}
        translated.readings[job.key] = found
        if changed_quotes(job.text, found) and guard.policy.candidates:
            _search_candidates(job, translated, pool, guard)


def _read_back(
    quoted: list[tuple[Job, list[str]]], pool: ModelPool, pooling: Pooling
) -> dict[tuple[str, str, str], str | None]:
    """Each distinct quote of an article read back in one pooled pass: (article, the line's
    target, quote) -> its reading, None where the article's reading failed."""
    jobs: dict[tuple[str, str, str], Job] = {}
    for job, quotes in quoted:
        for quote in quotes:
            where = (job.key.article_id, job.target, quote)
            if where not in jobs:
                key = JobKey(job.key.article_id, f"{READ_BACK}:{job.target}", len(jobs))
                jobs[where] = Job(key, quote, job.target, job.source)
    plain = Guard(GuardPolicy(candidates=0), OutputChecks())  # a reading is compared, not guarded
    result = translate_jobs(list(jobs.values()), pool, replace(pooling, guard=plain))
    return {
        where: None if job.key.article_id in result.failures else result.translations.get(job.key)
        for where, job in jobs.items()
    }


def _search_candidates(job: Job, translated: PooledResult, pool: ModelPool, guard: Guard) -> None:
    """The line's beams, each read back (one at a time: a rare line), the first whose quotes
    agree and that keeps every figure taken; its flags replace the first translation's."""
    reverse = pool.translator(job.target, job.source)
    read: dict[str, str] = {}  # quote -> its reading: each quote read once, whichever beam holds it

    def readings_of(text: str) -> dict[str, str]:
        quotes = translated_quotes(job.text, text)
        unread = [quote for quote in dict.fromkeys(quotes) if quote not in read]
        if unread:
            read.update(zip(unread, reverse.translate(unread), strict=True))
        return {quote: read[quote] for quote in quotes}

    def reader(line: Job, text: str) -> list[str]:
        changed = changed_quotes(line.text, readings_of(text))
        return [quote_changed(written, reading) for written, reading, _ in changed]

    translator = pool.translator(job.source, job.target)
    if translator.count_tokens([job.text])[0] > translator.max_input_tokens:
        return  # translated in parts: no whole candidates
    searching = ReadingGuard(guard.policy, guard.checks, reader)
    candidates = translator.candidates([job.text], guard.policy.candidates)[0]
    expected = expected_figures(job.text, job.source, job.target, guard.policy)
    guarded = guard_line(job, candidates[0], expected, candidates, searching)
    if not any(flag.startswith("beam candidate") for flag in guarded.flags):
        return  # none agrees: verification flags the quote
    translated.translations[job.key] = guarded.text
    translated.flags[job.key] = list(guarded.flags)
    translated.readings[job.key] = readings_of(guarded.text)
