"""Translation of many articles at once: segments pooled per language pair, sorted by length and
cut into batches by a token budget, so that padding is small and memory bounded."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Protocol

from newsbrief.errors import ArticleFailed
from newsbrief.fidelity.guard import (
    COPIED,
    IN_PARTS,
    NOTHING_RETURNED,
    Guarded,
    GuardPolicy,
    ProblemsOf,
    apply_quote_mode,
    expected_figures,
    guard_translation,
    needs_candidates,
)
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.generation.translation_jobs import (
    Batch,
    CountsTokens,
    Job,
    PooledResult,
    batches_by_tokens,
    enough_batches,
    job_words,
    per_text,
)
from newsbrief.limits import TimeBudget, over_limit
from newsbrief.models.backends import MAX_OUTPUT_RATIO

if TYPE_CHECKING:
    from newsbrief.models.backends.base import EncoderDecoder


class Translator(CountsTokens, Protocol):
    """What the pipeline needs of a translation backend."""

    max_input_tokens: int
    # Batches the backend runs at once on threads of its own (CTranslate2's translators);
    # translate_jobs keeps that many in flight.
    parallel_batches: int

    def translate(self, batch: list[str]) -> list[str]: ...

    def candidates(self, texts: list[str], n: int) -> list[list[str]]:
        """Up to n alternative translations of each text, best first (for the figure guard)."""
        ...


@dataclass(frozen=True)
class Guard:
    """What a translation must be: the user's figure and quote policy, and the output checks."""

    policy: GuardPolicy
    checks: OutputChecks

    def problems_of(self, job: Job) -> ProblemsOf:
        return lambda text: self.checks.problems_with_terms(job.text, text, job.source, job.target)


def _no_stop() -> bool:
    return False


@dataclass(frozen=True)
class Pooling:
    """How a pool of jobs is translated: in batches of at most `batch_tokens` padded source
    tokens, each line guarded as `guard` says (default: its figures and form, not its language),
    until `should_stop()`; an article over its time `budget` fails alone; each batch translated
    is kept in `store`, and one it kept (from a stopped run) is taken from it."""

    batch_tokens: int
    guard: Guard = field(default_factory=lambda: Guard(GuardPolicy(), OutputChecks()))
    should_stop: Callable[[], bool] = _no_stop
    budget: TimeBudget = field(default_factory=lambda: TimeBudget(0))
    store: BatchStore | None = None


class Seq2SeqTranslator:
    """An encoder-decoder model (transformers or CTranslate2) fixed to one language pair, with
    our decoding settings."""

    def __init__(
        self,
        model: EncoderDecoder,
        source: str,
        target: str,
        num_beams: int,
        output_ratio: float = MAX_OUTPUT_RATIO,
    ) -> None:
        self.model = model
        self.source = source
        self.target = target
        self.num_beams = num_beams
        self.output_ratio = output_ratio
        self.max_input_tokens = model.max_input_tokens
        self.parallel_batches = model.parallel_batches
        model.target_token(target)  # a multilingual model that cannot write `target`: ModelUnusable now

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.model.count_tokens(texts)

    def translate(self, batch: list[str]) -> list[str]:
        return self.model.generate(
            batch,
            num_beams=self.num_beams,
            max_new_tokens=self.max_input_tokens,
            output_ratio=self.output_ratio,
            source_lang=self.source,
            target_lang=self.target,
        )

    def candidates(self, texts: list[str], n: int) -> list[list[str]]:
        flat = self.model.generate(
            texts,
            num_beams=max(self.num_beams, n),
            num_return_sequences=n,
            max_new_tokens=self.max_input_tokens,
            output_ratio=self.output_ratio,
            source_lang=self.source,
            target_lang=self.target,
        )
        return per_text(flat, n)


class BatchStore(Protocol):
    """Where a chunk's finished batches are kept while it is in flight (run/checkpoint.py), so that
    the run after a stop translates only the batches not kept. Each batch is known by
    `batch_identity`, which holds everything its translation depends on."""

    kept: Mapping[str, PooledResult]

    def identity(self, batch: Batch) -> str: ...

    def keep(self, identity: str, part: PooledResult) -> None: ...


class TranslatorSource(Protocol):
    """Where translate_jobs gets a translator for a pair (pool.ModelPool)."""

    def translator(self, source: str, target: str) -> Translator: ...


def translate_jobs(
    jobs: list[Job],
    pool: TranslatorSource,
    pooling: Pooling,
    on_batch: Callable[[int], None] = lambda words: None,
) -> PooledResult:
    """Translate every job as `pooling` says; a batch that raises fails its articles, not the
    run; `on_batch` hears the words of each batch done."""
    result = PooledResult()
    guard, budget, store, should_stop = pooling.guard, pooling.budget, pooling.store, pooling.should_stop
    by_pair: dict[tuple[str, str], list[Job]] = defaultdict(list)
    for job in jobs:
        if job.source == job.target:
            result.translations[job.key] = job.text
            result.flags.setdefault(job.key, []).append(COPIED)
        else:
            by_pair[(job.source, job.target)].append(job)
    for (source, target), pair_jobs in sorted(by_pair.items()):
        translator = pool.translator(source, target)
        width = translator.parallel_batches
        wholes = enough_batches(batches_by_tokens(pair_jobs, translator, pooling.batch_tokens), width)
        # Lazy: each batch drops the articles that failed before it is sent.
        batches = (batch for batch in (_without_failed(w, result.failures) for w in wholes) if batch.jobs)
        translate_one = partial(_kept_or_translated, store=store, translator=translator, guard=guard)
        for batch, part, seconds in _in_order(batches, translate_one, width, should_stop):
            _merge(part, result)
            words = job_words(batch.jobs)
            on_batch(words)
            if seconds is None:  # kept by the run that stopped: its words and time were counted then
                continue
            if store is not None:
                store.keep(store.identity(batch), part)
            # Batches in flight share the machine: each is charged its share of the wall time.
            for article_id in budget.charge(_token_shares(batch), seconds / width):
                result.failures.setdefault(article_id, over_limit(budget.limit, "translating"))
            result.words += words
        if should_stop():  # the caller ends the run; what is untranslated waits for the next
            return result
    return result


# A batch, what it produced, its seconds (None: taken from the store, not translated).
BatchOutcome = tuple[Batch, PooledResult, float | None]


def _kept_or_translated(
    batch: Batch, store: BatchStore | None, translator: Translator, guard: Guard
) -> BatchOutcome:
    if store is not None and (kept := store.kept.get(store.identity(batch))) is not None:
        return batch, kept, None
    began, part = time.monotonic(), PooledResult()
    _translate_batch_or_each_article(batch, translator, part, guard)
    return batch, part, time.monotonic() - began


def _in_order(
    batches: Iterable[Batch],
    translate_one: Callable[[Batch], BatchOutcome],
    width: int,
    should_stop: Callable[[], bool],
) -> Iterator[BatchOutcome]:
    """Each batch's outcome, in batch order, with up to `width` batches in flight. CTranslate2
    releases the GIL, so two translators each work through a whole batch (1.6× one translator
    with both cores, measured by scripts/bench.py), and splitting every batch in two would leave
    one core idle while the longer half finishes. Results come back in order, so a run is the
    same whichever batch finishes first. After a stop, no batch is sent, and those in flight
    are finished and given back (the caller keeps them for the next run)."""
    if width <= 1:
        for batch in batches:
            if should_stop():
                return
            yield translate_one(batch)
        return
    with ThreadPoolExecutor(max_workers=width, thread_name_prefix="translate") as executor:
        in_flight: deque[Future[BatchOutcome]] = deque()
        for batch in batches:
            if should_stop():
                break
            in_flight.append(executor.submit(translate_one, batch))
            if len(in_flight) >= width:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


def _merge(part: PooledResult, result: PooledResult) -> None:
    result.translations.update(part.translations)
    result.flags.update(part.flags)
    for article_id, reason in part.failures.items():
        result.failures.setdefault(article_id, reason)


def _without_failed(batch: Batch, failures: dict[str, str]) -> Batch:
    if not failures:
        return batch
    kept = [i for i, job in enumerate(batch.jobs) if job.key.article_id not in failures]
    return Batch([batch.jobs[i] for i in kept], [batch.lengths[i] for i in kept])


def _token_shares(batch: Batch) -> dict[str, int]:
    shares: dict[str, int] = defaultdict(int)
    for job, length in zip(batch.jobs, batch.lengths, strict=True):
        shares[job.key.article_id] += length
    return shares


def _translate_batch_or_each_article(
    batch: Batch, translator: Translator, result: PooledResult, guard: Guard
) -> None:
    """A batch that raises (out of memory, a model error) is tried again article by article,
    so that only the article that causes it fails."""
    try:
        _translate_batch(batch, translator, result, guard)
    except Exception as error:
        parts = _per_article(batch)
        if len(parts) == 1:
            _fail(batch, error, result)
            return
        for part in parts:
            try:
                _translate_batch(part, translator, result, guard)
            except Exception as part_error:  # a model error costs this article, not the run
                _fail(part, part_error, result)


def _per_article(batch: Batch) -> list[Batch]:
    parts: dict[str, Batch] = defaultdict(lambda: Batch([], []))
    for job, length in zip(batch.jobs, batch.lengths, strict=True):
        parts[job.key.article_id].jobs.append(job)
        parts[job.key.article_id].lengths.append(length)
    return list(parts.values())


def _fail(batch: Batch, error: Exception, result: PooledResult) -> None:
    for job in batch.jobs:
        result.failures.setdefault(job.key.article_id, f"translation {job.source}→{job.target}: {error}")


def _translate_batch(batch: Batch, translator: Translator, result: PooledResult, guard: Guard) -> None:
    """Translate and guard one batch; raises what the model raises, before storing anything."""
    texts = [job.text for job in batch.jobs]
    if max(batch.lengths) > translator.max_input_tokens:
        outputs = [_translate_fitting(text, translator) for text in texts]
    else:
        outputs = translator.translate(texts)
    policy = guard.policy
    expected = [expected_figures(job.text, job.source, job.target, policy) for job in batch.jobs]
    candidates = _candidates_where_needed(batch, outputs, expected, translator, guard)
    for job, length, output, wanted in zip(batch.jobs, batch.lengths, outputs, expected, strict=True):
        flags = result.flags.setdefault(job.key, [])
        if length > translator.max_input_tokens:
            flags.append(IN_PARTS)
        guarded = guard_line(job, output, wanted, candidates.get(job.key, []), guard)
        if not guarded.text.strip():
            flags.append(NOTHING_RETURNED)
            result.translations[job.key] = job.text
            continue
        flags.extend(guarded.flags)
        result.translations[job.key] = guarded.text


def _candidates_where_needed(
    batch: Batch,
    outputs: list[str],
    expected: list[list[str]],
    translator: Translator,
    guard: Guard,
) -> dict[tuple[str, str, int], list[str]]:
    """Other beams, in one batch, for the segments whose first translation lost a figure or has
    another problem (fidelity/output_checks.py); a segment translated in parts has no whole candidates."""
    if guard.policy.candidates < 1:
        return {}
    needy = [
        job
        for job, length, output, wanted in zip(batch.jobs, batch.lengths, outputs, expected, strict=True)
        if length <= translator.max_input_tokens and needs_candidates(output, wanted, guard.problems_of(job))
    ]
    if not needy:
        return {}
    found = translator.candidates([job.text for job in needy], guard.policy.candidates)
    return {job.key: options for job, options in zip(needy, found, strict=True)}


def guard_line(job: Job, output: str, expected: list[str], candidates: list[str], guard: Guard) -> Guarded:
    """Figures and form first (on the translated quotes), then the quote mode the user chose."""
    problems = guard.problems_of(job)
    figures = guard_translation(job.text, output, expected, candidates, guard.policy, problems)
    if figures.text == job.text or not figures.text.strip():
        return figures
    article_quotes = None if job.quotes is None else list(job.quotes)
    quotes = apply_quote_mode(job.text, figures.text, guard.policy.quotes, article_quotes)
    return Guarded(quotes.text, figures.flags + quotes.flags)


def _translate_fitting(text: str, translator: Translator) -> str:
    """A text longer than the model's window is halved at a space until each part fits."""
    if translator.count_tokens([text])[0] <= translator.max_input_tokens:
        return translator.translate([text])[0]
    words = text.split(" ")
    if len(words) < 2:
        raise ArticleFailed("a single word is longer than the model's input window")
    middle = len(words) // 2
    left, right = " ".join(words[:middle]), " ".join(words[middle:])
    return f"{_translate_fitting(left, translator)} {_translate_fitting(right, translator)}"
