"""Pooling and batching against a real (tiny) Marian model and its SentencePiece tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbrief.generation.model_pool import ModelOptions, ModelPool
from newsbrief.generation.translation import Pooling, translate_jobs
from newsbrief.generation.translation_jobs import Job, JobKey, batches_by_tokens, enough_batches
from newsbrief.settings import Settings, apply_models

SENTENCES = [
    "Україна експортувала 12,4 млн тонн зерна.",
    "Кабмін підвищив мінімальну зарплату.",
    "Так.",
    "За даними Держстату, середня зарплата в Україні у жовтні 2023 року становила 18 065 грн, "
    "що на 21,4% більше, ніж рік тому.",
] * 10


@pytest.fixture(scope="module")
def pool(tiny_models: Path) -> ModelPool:
    settings = apply_models(Settings(), {"uk-en": str(tiny_models / "marian-uk-en")})
    return ModelPool(ModelOptions.of(settings), {})


def _jobs(texts: list[str], source: str = "uk", target: str = "en") -> list[Job]:
    return [Job(JobKey("a", target, i), text, source, target) for i, text in enumerate(texts)]


def test_batches_are_sorted_and_within_the_token_budget(pool: ModelPool) -> None:
    translator = pool.translator("uk", "en")
    jobs = _jobs(SENTENCES)
    batches = batches_by_tokens(jobs, translator, batch_tokens=200)
    assert sorted(j.key for b in batches for j in b.jobs) == sorted(j.key for j in jobs)
    longest_per_batch = []
    for batch in batches:
        lengths = translator.count_tokens([j.text for j in batch.jobs])
        assert batch.lengths == lengths
        assert max(lengths) * len(batch.jobs) <= 200 or len(batch.jobs) == 1
        longest_per_batch.append(max(lengths))
    assert longest_per_batch == sorted(longest_per_batch)
    assert len(batches) > 1


def test_every_job_gets_a_one_line_translation(pool: ModelPool) -> None:
    words: list[int] = []
    result = translate_jobs(_jobs(SENTENCES), pool, Pooling(batch_tokens=300), on_batch=words.append)
    assert set(result.translations) == {("a", "en", i) for i in range(len(SENTENCES))}
    assert all(text and "\n" not in text for text in result.translations.values())
    assert sum(words) == result.words == sum(len(s.split()) for s in SENTENCES)
    assert not result.failures


def test_same_language_is_copied_and_flagged(pool: ModelPool) -> None:
    result = translate_jobs(_jobs(["Already English."], "en", "en"), pool, Pooling(batch_tokens=100))
    assert result.translations[("a", "en", 0)] == "Already English."
    assert result.flags[("a", "en", 0)] == ["already in target language; copied"]


def test_text_longer_than_the_window_is_translated_in_parts(pool: ModelPool) -> None:
    translator = pool.translator("uk", "en")
    long_text = " ".join(["зерно"] * (translator.max_input_tokens + 50))
    result = translate_jobs(_jobs([long_text]), pool, Pooling(batch_tokens=100_000))
    assert not result.failures
    assert "translated in parts" in " ".join(result.flags[("a", "en", 0)])


def test_model_is_loaded_once_per_pair(pool: ModelPool) -> None:
    first = pool.translator("uk", "en").model
    assert pool.translator("uk", "en").model is first


class _Lengths:
    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(text.split()) for text in texts]


def test_one_batch_is_dealt_into_as_many_as_there_are_translators() -> None:
    """A nightly run of a few articles makes one batch per pair: dealt row by row into two,
    both translators work, and each half has the same spread of lengths."""
    jobs = [Job(JobKey("a", "en", i), " ".join(["word"] * (i + 1)), "uk", "en") for i in range(7)]
    (whole,) = batches_by_tokens(jobs, _Lengths(), 2048)
    halves = enough_batches([whole], 2)
    assert [b.lengths for b in halves] == [[1, 3, 5, 7], [2, 4, 6]]
    assert sorted(j.key.index for b in halves for j in b.jobs) == list(range(7))
    assert enough_batches([whole], 1) == [whole]
    single = batches_by_tokens(jobs[:1], _Lengths(), 2048)
    assert enough_batches(single, 2) == single  # one segment cannot be shared
    assert enough_batches([], 2) == []
