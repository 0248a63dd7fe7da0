"""Figures and quotes, found once as character spans on a segment; later stages only read them.

A figure is a number as written, with an attached currency or percent sign, thousands groups,
decimals, ranges, times, dates and fractions: `$43.7`, `4,5%`, `1 200`, `2–3`, `21:01`,
`13.10.23`, `2023-10-13`, `2023/2024`. A quote is the inner text of «…», „…“, “…” or "…".
"""

from __future__ import annotations

import re

from newsbrief.article import Span

_GROUPED = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)"
_NUMBER = rf"(?:{_GROUPED}|\d+)(?:[.,:/]\d+)*"
FIGURE_RE = re.compile(
    r"(?<![\w.,])"
    r"(?:[$€£₴]\s?)?"
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|{_NUMBER}(?:[–—-]{_NUMBER})?)"
    r"%?"
)
QUOTE_RES = (
    re.compile(r"«([^«»]+)»"),
    re.compile(r"„([^„“”]+)[“”]"),
    re.compile(r"“([^“”]+)”"),
    re.compile(r'(?<![\w"])"([^"]+)"(?!\w)'),
)


def find_spans(text: str) -> list[Span]:
    """All figures and quotes of one segment, ordered by position."""
    spans = [Span("figure", m.start(), m.end(), m.group()) for m in FIGURE_RE.finditer(text)]
    for pattern in QUOTE_RES:
        spans.extend(Span("quote", m.start(1), m.end(1), m.group(1)) for m in pattern.finditer(text))
    return sorted(spans, key=lambda s: (s.start, s.kind))


def figures_of(spans: list[Span]) -> list[str]:
    return [s.text for s in spans if s.kind == "figure"]


def quotes_of(spans: list[Span]) -> list[str]:
    return [s.text for s in spans if s.kind == "quote"]
