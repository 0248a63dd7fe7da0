"""Figures and quotes, found once as character spans on a segment; later stages only read them.

A figure is a number as written, with an attached currency or percent sign, thousands groups,
decimals, ranges, times, dates, fractions and a sign that belongs to it: `$43.7`, `US$43.7`,
`4,5%`, `5–7 %`, `1 200`, `2–3`, `21:01`, `13.10.23`, `2023-10-13`, `2023/2024`, `½`, `2½`,
`1⁄2` (with the fraction slash), `−18`, `+19,5`. A scale word after it (млн, billion, тис.) is
part of its value, not of its text (text/figures.py): the text is what must come through verbatim. Quotes are
found over a whole article by text/quotes.py (its docstring states the pairing rules): a quote that
runs over several sentences or paragraphs is a quote span in each segment it covers.
"""

from __future__ import annotations

import re

from newsbrief.article import Span
from newsbrief.text.quotes import Quotes, find_quotes

_GROUPED = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)"
FRACTIONS = "½¼¾⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_NUMBER = rf"(?:(?:{_GROUPED}|\d+)(?:[.,:/\u2044]\d+)*[{FRACTIONS}]?|[{FRACTIONS}])"
# A sign belongs to a number when nothing but a space or a bracket is before it: "−18", "(+2,5%)",
# "from -5"; never the hyphen of "COVID-19" or of a date.
_SIGN = r"(?:[−+]|(?<![^\s(])-)?"
# $, €, £, ₴, ¥, ₽, and the dollars that say whose: US$, C$, HK$.
_CURRENCY = r"(?:[A-Z]{1,2}\$|[$€£₴¥₽])"
# A range's ends: 2–3, 7,5–8,0%, 2024-2027, and with spaces round a dash, 10 – 15.
_RANGE = rf"{_NUMBER}(?:(?:[ \u00a0]?[–—][ \u00a0]?|-){_NUMBER})?"
FIGURE_RE = re.compile(
    r"(?<![\w.,])"
    rf"{_SIGN}"
    rf"(?:{_CURRENCY}\s?)?"
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|{_RANGE})"
    r"(?:[ \u00a0\u202f]?%)?"
)


def find_spans(text: str) -> list[Span]:
    """All figures and quotes of one text taken as one paragraph (a summary, one output line),
    ordered by position."""
    return article_spans([text], [0])[0]


def article_spans(texts: list[str], paragraphs: list[int]) -> list[list[Span]]:
    """Figures and quotes of each of an article's segments, in order; `paragraphs[i]` numbers
    segment i's paragraph, so that a quote running over paragraphs is found (text/quotes.py)."""
    return find_article_spans(texts, paragraphs).spans


def find_article_spans(texts: list[str], paragraphs: list[int]) -> Quotes:
    """As article_spans, with the quote marks that pair with nothing (segment, offset, mark)."""
    quotes = find_quotes(texts, paragraphs)
    spans = [
        sorted([*figure_spans(text), *found], key=lambda s: (s.start, s.kind))
        for text, found in zip(texts, quotes.spans, strict=True)
    ]
    return Quotes(spans, quotes.unpaired, quotes.texts)


def figure_spans(text: str) -> list[Span]:
    return [Span("figure", m.start(), m.end(), m.group()) for m in FIGURE_RE.finditer(text)]


def figures_of(spans: list[Span]) -> list[str]:
    return [s.text for s in spans if s.kind == "figure"]


def quotes_of(spans: list[Span]) -> list[str]:
    return [s.text for s in spans if s.kind == "quote"]


def line_spans(lines: list[str]) -> list[list[Span]]:
    """Figures and quotes of each line of a file of segments (blank lines separate paragraphs),
    as the segmenter found them on the source: the same finder over the same paragraphs."""
    numbered = [(i, paragraph) for i, paragraph in _paragraph_numbers(lines) if lines[i]]
    found = article_spans([lines[i] for i, _ in numbered], [p for _, p in numbered])
    spans: list[list[Span]] = [[] for _ in lines]
    for (i, _), line_found in zip(numbered, found, strict=True):
        spans[i] = line_found
    return spans


def _paragraph_numbers(lines: list[str]) -> list[tuple[int, int]]:
    paragraph, numbered = 0, []
    for i, line in enumerate(lines):
        if not line:
            paragraph += 1
        numbered.append((i, paragraph))
    return numbered


def line_quotes(lines: list[str]) -> list[str]:
    """The whole text of each quote of a file of segments, over the lines it runs."""
    numbered = [(i, paragraph) for i, paragraph in _paragraph_numbers(lines) if lines[i]]
    return find_quotes([lines[i] for i, _ in numbered], [p for _, p in numbered]).texts
