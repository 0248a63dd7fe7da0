"""Summaries: one interface, two strategies (extractive, seq2seq). Long articles are chunked,
each chunk summarised, and the chunk summaries combined; nothing is cut off silently."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from newsbrief.article import SegmentedArticle
from newsbrief.text.segmenting import sentences_of

if TYPE_CHECKING:  # torch and transformers load only with a model that needs them (generation/model_pool.py)
    from newsbrief.models.backends.base import EncoderDecoder

    class SummaryModel(EncoderDecoder, Protocol):
        checkpoint_min_length: int  # the checkpoint's own minimum summary length
        summary_prefix: str  # what leads each input (T5's `summarize: `; "" for BART, Pegasus)


# Room for special tokens when packing sentences into a model's window.
WINDOW_MARGIN = 8
# A summary is never forced to be longer than this share of its input (in tokens): the
# checkpoint's min_length (bart-large-cnn: 56) fits a 1,000-token article, not a 30-token chunk
# or a round of two short partial summaries.
MAX_MIN_LENGTH_SHARE = 0.25
MAX_COMBINE_ROUNDS = 4
TokenCounter = Callable[[list[str]], list[int]]


@dataclass
class SummaryInput:
    """An article with its text in every language known so far, line-aligned with its segments."""

    doc: SegmentedArticle
    lines: dict[str, list[str]]

    def body_indices(self) -> list[int]:
        """Sentence segments of the body (the title is not summary material)."""
        title_paragraph = 0 if self.doc.article.title else -1
        return [s.index for s in self.doc.sentences if s.paragraph != title_paragraph]


@dataclass
class Summary:
    """Summary sentences per language the strategy wrote; the pipeline translates the rest."""

    sentences: dict[str, list[str]] = field(default_factory=dict)
    chunks: int = 1
    source_segments: list[int] = field(default_factory=list)


class Summariser(Protocol):
    name: str
    # Articles it can summarise at once, each on a thread of the run (chunks._summarise_all):
    # 2 on CTranslate2's two translators, 1 where one article already takes every core.
    in_flight: int

    def summarise(self, item: SummaryInput) -> Summary: ...


class ExtractiveSummariser:
    """Picks the article's most central sentences; quotes and figures stay as the source has them,
    and in other languages the summary is the aligned translation of the same sentences."""

    name = "extractive"
    in_flight = 1  # no model: each article takes milliseconds

    def __init__(self, sentences: int, languages: tuple[str, ...]) -> None:
        self.sentences = sentences
        self.languages = languages

    def summarise(self, item: SummaryInput) -> Summary:
        candidates = item.body_indices() or [s.index for s in item.doc.sentences]
        source = item.lines[item.doc.lang]
        chosen = sorted(_rank_sentences(candidates, source)[: self.sentences])
        sentences = {
            lang: [item.lines[lang][i] for i in chosen] for lang in self.languages if lang in item.lines
        }
        return Summary(sentences=sentences, chunks=1, source_segments=chosen)


def _rank_sentences(candidates: list[int], lines: list[str]) -> list[int]:
    """Frequency of content words across the article, favouring the lead, as news is written."""
    words_of = {i: re.findall(r"\w{4,}", lines[i].lower()) for i in candidates}
    frequency = Counter(w for words in words_of.values() for w in words)

    def score(position: int, i: int) -> float:
        words = words_of[i]
        if not words:
            return 0.0
        centrality = sum(frequency[w] for w in words) / math.sqrt(len(words))
        return centrality / (1.0 + 0.15 * position)

    scored = sorted(enumerate(candidates), key=lambda pair: -score(*pair))
    return [i for _, i in scored]


class Seq2SeqSummariser:
    """An abstractive news summariser (BART-CNN by default) that writes one language."""

    name = "seq2seq"

    def __init__(self, model: SummaryModel, language: str, num_beams: int, max_new_tokens: int):
        self.model = model
        self.language = language
        self.num_beams = num_beams
        self.max_new_tokens = max_new_tokens
        self.in_flight = model.parallel_batches

    def summarise(self, item: SummaryInput) -> Summary:
        lines = item.lines[self.language]
        texts = [lines[i] for i in item.body_indices()] or [lines[s.index] for s in item.doc.sentences]
        chunks = self._chunks(texts)
        summary = self._summarise_chunks(chunks)
        return Summary(
            sentences={self.language: sentences_of(summary, self.language)},
            chunks=len(chunks),
        )

    def _summarise_chunks(self, chunks: list[str]) -> str:
        """Summarise each chunk; while several remain, summarise their summaries together."""
        for _ in range(MAX_COMBINE_ROUNDS):
            partials = [summary for group in self._groups(chunks) for summary in self._generate(group)]
            if len(partials) == 1:
                return partials[0]
            combined = self._chunks(flat_sentences(partials, self.language))
            if not combined or len(combined) >= len(chunks):  # empty or not shrinking: keep them all
                return " ".join(partials)
            chunks = combined
        return " ".join(partials)

    def _generate(self, chunks: list[str]) -> list[str]:
        return self.model.generate(
            [self.model.summary_prefix + chunk for chunk in chunks],
            num_beams=self.num_beams,
            max_new_tokens=self.max_new_tokens,
            min_new_tokens=self._min_new_tokens(chunks),
        )

    def _groups(self, chunks: list[str]) -> list[list[str]]:
        """Consecutive chunks of at most one window of input tokens together: each beam keeps the
        encoder's states of its input in every decoder layer (bart-large-cnn, beam 4: about 400 MB
        for a full window); an article of 18 windows in one call held 4.8 GB, while batching
        chunks gains little on a CPU (scripts/bench.py: 1.1×)."""
        groups: list[list[str]] = []
        used = 0
        for chunk, length in zip(chunks, self.model.count_tokens(chunks), strict=True):
            if groups and used + length <= self.model.max_input_tokens:
                groups[-1].append(chunk)
                used += length
            else:
                groups.append([chunk])
                used = length
        return groups

    def _chunks(self, sentences: list[str]) -> list[str]:
        window = self.model.max_input_tokens - WINDOW_MARGIN - self._prefix_tokens()
        return pack_by_tokens(sentences, self.model.count_tokens, window)

    def _prefix_tokens(self) -> int:
        """The prefix's share of each window (its tokens less the special ones both counts hold)."""
        if not self.model.summary_prefix:
            return 0
        with_prefix, without = self.model.count_tokens([self.model.summary_prefix + "x", "x"])
        return max(0, with_prefix - without)

    def _min_new_tokens(self, chunks: list[str]) -> int:
        """The checkpoint's minimum, scaled down to the shortest input of the batch, and never
        above the maximum (`summary_max_tokens = 40` with bart-large-cnn's minimum of 56 was an
        error of CTranslate2's)."""
        shortest = min(self.model.count_tokens(chunks))
        return min(
            self.model.checkpoint_min_length, int(MAX_MIN_LENGTH_SHARE * shortest), self.max_new_tokens
        )


def pack_by_tokens(sentences: list[str], count_tokens: TokenCounter, window: int) -> list[str]:
    """Consecutive sentences packed into chunks of at most `window` tokens of the model's own
    tokenizer (characters say little about tokens in Cyrillic)."""
    sentences = [piece for s in sentences for piece in _fit(s, count_tokens, window)]
    lengths = count_tokens(sentences) if sentences else []
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for sentence, length in zip(sentences, lengths, strict=True):
        if current and used + length > window:
            chunks.append(" ".join(current))
            current, used = [], 0
        current.append(sentence)
        used += length
    if current:
        chunks.append(" ".join(current))
    return chunks


def _fit(sentence: str, count_tokens: TokenCounter, window: int) -> list[str]:
    """A sentence longer than the whole window is split between words (rare: run-on text)."""
    length = count_tokens([sentence])[0]
    if length <= window:
        return [sentence]
    words = sentence.split()
    parts = math.ceil(length / window) + 1
    size = math.ceil(len(words) / parts)
    pieces = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    return [p for piece in pieces for p in _fit(piece, count_tokens, window)] if size > 1 else pieces


def flat_sentences(texts: list[str], lang: str) -> list[str]:
    return [sentence for text in texts for sentence in sentences_of(text, lang)]
