"""Where each summary sentence comes from: the article segments it draws on.

A summary sentence is traced, in its own language, to the article's lines that share its
figures (the same value, in any form), its quotes (word for word), its names (capitalised words)
and its other words. Words meet by their first five letters, so that Ukrainian and Russian case
forms (`експорт`, `експорту`, `експортом`) and English plurals meet; words of under four letters
are left out, as are digits (figures are matched by value). Each shared item counts by how rare
it is in the article (a word on every line says nothing about which line a sentence came from),
figures and quotes three times, names one and a half.

A sentence is *supported* when its sources hold at least a third of its weight; a sentence
whose words are mostly not in the article (or in no single part of it) has no source and is
flagged. This works on text lines only, so `newsbrief run` and `newsbrief check` trace the
same summary to the same segments.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from newsbrief.text.figures import Figure, figures_in
from newsbrief.text.spans import find_spans, quotes_of

FIGURE_WEIGHT = 3.0
QUOTE_WEIGHT = 3.0
NAME_WEIGHT = 1.5
STEM_LETTERS = 5
MIN_WORD_LETTERS = 4
MAX_SOURCES = 3
# A further source must score at least this share of the best one.
SOURCE_SHARE = 0.5
# Share of a sentence's weight its sources must hold for it to be supported.
MIN_COVERAGE = 1 / 3
_WORD_RE = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class SentenceSources:
    """One summary sentence with the article segments (line indices) it draws on, best first."""

    text: str
    sources: tuple[int, ...]
    coverage: float  # share of the sentence's weight found in its sources

    @property
    def supported(self) -> bool:
        return bool(self.sources)

    def as_record(self) -> dict[str, object]:
        return {"text": self.text, "sources": list(self.sources), "coverage": round(self.coverage, 3)}


@dataclass(frozen=True)
class _Item:
    """Something a sentence says that a line may share: a word stem, a quote or a figure."""

    kind: str  # "word", "name", "quote", "figure"
    key: str

    @property
    def weight(self) -> float:
        return {"figure": FIGURE_WEIGHT, "quote": QUOTE_WEIGHT, "name": NAME_WEIGHT}.get(self.kind, 1.0)


def trace(
    sentences: list[str], lines: list[str], candidates: list[int] | None = None
) -> list[SentenceSources]:
    """Each sentence's sources among `lines` (the article in the sentence's language, one line
    per segment; empty lines are never sources), or among the `candidates` of them."""
    allowed = set(range(len(lines)) if candidates is None else candidates)
    line_items = [_items(line) if line.strip() else set() for line in lines]
    line_keys = [{item.key for item in items} for items in line_items]
    line_words = [f" {_plain(line)} " for line in lines]
    frequency = Counter(key for keys in line_keys for key in keys)
    count = sum(1 for line in lines if line.strip())

    def rarity(item: _Item) -> float:
        return item.weight * math.log(1 + count / max(1, frequency[item.key]))

    traced = []
    for sentence in sentences:
        items = _items(sentence)
        weights = {item: rarity(item) for item in items}

        def holds(index: int, item: _Item) -> bool:
            if item.kind == "quote":
                return f" {item.key} " in line_words[index]
            return item.key in line_keys[index]

        scores = {
            index: sum(w for item, w in weights.items() if holds(index, item))
            for index in sorted(allowed)
            if index < len(lines) and line_items[index]
        }
        traced.append(_choose(sentence, scores, weights, holds))
    return traced


def _choose(
    sentence: str, scores: dict[int, float], weights: dict[_Item, float], holds: Callable[[int, _Item], bool]
) -> SentenceSources:
    total = sum(weights.values())
    ranked = sorted((i for i in scores if scores[i] > 0), key=lambda i: (-scores[i], i))
    if not ranked or total == 0:
        return SentenceSources(sentence, (), 0.0)
    best = scores[ranked[0]]
    chosen = [i for i in ranked[:MAX_SOURCES] if scores[i] >= SOURCE_SHARE * best]
    found = sum(w for item, w in weights.items() if any(holds(i, item) for i in chosen))
    coverage = found / total
    return SentenceSources(sentence, tuple(chosen) if coverage >= MIN_COVERAGE else (), coverage)


def _items(text: str) -> set[_Item]:
    spans = find_spans(text)
    items = {_Item("figure", f"figure {_figure_key(f)}") for f in figures_in(text, spans)}
    items |= {_Item("quote", _plain(q)) for q in quotes_of(spans) if _plain(q)}  # its words, in order
    for word in _WORD_RE.findall(text):
        if len(word) >= MIN_WORD_LETTERS:
            kind = "name" if word[0].isupper() else "word"
            items.add(_Item(kind, word[:STEM_LETTERS].lower()))
    return {item for item in items if not _shadowed(item, items)}


def _shadowed(item: _Item, items: set[_Item]) -> bool:
    """A capitalised word that also occurs in lower case (a sentence's first word) is a word."""
    return item.kind == "name" and _Item("word", item.key) in items


def _figure_key(figure: Figure) -> str:
    digits = re.sub(r"\D", "", figure.text)
    return f"{digits}×{figure.magnitude}"


def _plain(text: str) -> str:
    return " ".join(_WORD_RE.findall(text.lower()))


def projected_lines(traced: list[SentenceSources]) -> list[int]:
    """The best source of each supported sentence, once each, in the article's order: what a
    summary projected onto another language of the article is made of."""
    return sorted({t.sources[0] for t in traced if t.supported})
