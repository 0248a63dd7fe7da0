"""What translation works on: a job (one segment into one language, keyed to its place in its
article), batches of jobs cut by a token budget (sorted by length, so that padding is small and
memory bounded), and a batch's result, which a stopped run keeps (run/checkpoint.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from newsbrief.article import Span

MAX_BATCH_SENTENCES = 64


class CountsTokens(Protocol):
    def count_tokens(self, texts: list[str]) -> list[int]: ...


class JobKey(NamedTuple):
    """Where a translation goes: an article's line in a language, or a sentence (or the title)
    of one of its summaries."""

    article_id: str
    channel: str  # the target language for the article's lines; "summary:<lang>" for a summary
    index: int  # the segment, or the summary sentence; TITLE for a summary's title


TITLE = -1  # JobKey.index of a summary's title


@dataclass(frozen=True)
class Job:
    """One text to translate; `key` says where the result goes."""

    key: JobKey
    text: str
    source: str
    target: str
    # The segment's quotes as the article's quote finder found them: a piece of a quote that
    # runs over several lines has no marks of its own in `text`.
    # None for texts that are not segments (summaries).
    quotes: tuple[Span, ...] | None = None


@dataclass
class Batch:
    """Jobs translated together, with their source lengths in tokens (counted once, when batching)."""

    jobs: list[Job]
    lengths: list[int]


@dataclass
class PooledResult:
    translations: dict[JobKey, str] = field(default_factory=dict)
    flags: dict[JobKey, list[str]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # article id -> reason
    words: int = 0
    # A line's translated quotes, each with what it reads back as in the line's source language
    # (generation/quote_reading.py); not kept by a checkpoint: read again after a stop.
    readings: dict[JobKey, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "translations": [[*key, text] for key, text in self.translations.items()],
                "flags": [[*key, flags] for key, flags in self.flags.items()],
                "failures": self.failures,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> PooledResult:
        data = json.loads(text)
        return cls(
            translations={JobKey(a, c, i): value for a, c, i, value in data["translations"]},
            flags={JobKey(a, c, i): value for a, c, i, value in data["flags"]},
            failures=dict(data["failures"]),
        )


def batch_identity(batch: Batch, context: str) -> str:
    """A batch's jobs (where each goes, its text, its languages) and `context` (the models and
    settings the chunk's articles are hashed with): the same identity, the same translation."""
    digest = hashlib.sha256(context.encode())
    for job in batch.jobs:
        digest.update(json.dumps([*job.key, job.text, job.source, job.target], ensure_ascii=False).encode())
    return digest.hexdigest()


def job_words(jobs: list[Job]) -> int:
    """Words the jobs hold: what a run counts as translated, and the progress bar counts in."""
    return sum(len(job.text.split()) for job in jobs)


def batches_by_tokens(jobs: list[Job], model: CountsTokens, batch_tokens: int) -> list[Batch]:
    """Sorted by length; a batch holds at most `batch_tokens` padded source tokens."""
    lengths = model.count_tokens([job.text for job in jobs])
    order = sorted(range(len(jobs)), key=lambda i: lengths[i])
    batches: list[Batch] = []
    current = Batch([], [])
    for i in order:
        longest_if_added = max([*current.lengths, lengths[i]])
        too_big = longest_if_added * (len(current.jobs) + 1) > batch_tokens
        if current.jobs and (too_big or len(current.jobs) >= MAX_BATCH_SENTENCES):
            batches.append(current)
            current = Batch([], [])
        current.jobs.append(jobs[i])
        current.lengths.append(lengths[i])
    if current.jobs:
        batches.append(current)
    return batches


def enough_batches(batches: list[Batch], width: int) -> list[Batch]:
    """At least `width` batches where there are enough segments: a pair with one batch (a
    nightly run of three new articles) otherwise translates, and searches beam candidates, on
    one translator while the other core idles. The longest batch is dealt into two, row by row,
    so that both halves have the same lengths."""
    batches = list(batches)
    while len(batches) < width:
        longest = max(range(len(batches)), key=lambda i: len(batches[i].jobs), default=None)
        if longest is None or len(batches[longest].jobs) < 2:
            return batches
        batch = batches.pop(longest)
        halves = [Batch(batch.jobs[k::2], batch.lengths[k::2]) for k in (0, 1)]
        batches[longest:longest] = halves
    return batches


def per_text(flat: list[str], n: int) -> list[list[str]]:
    """`num_return_sequences` output (n per input, in turn) regrouped by input."""
    return [flat[i : i + n] for i in range(0, len(flat), n)]
