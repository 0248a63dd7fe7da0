"""Figures and quotes, found once as character spans on a segment; later stages only read them.

A figure is a number as written, with an attached currency or percent sign, thousands groups,
decimals, ranges, times, dates, fractions and a sign that belongs to it: `$43.7`, `4,5%`,
`1 200`, `2–3`, `21:01`, `13.10.23`, `2023-10-13`, `2023/2024`, `−18`, `+19,5`. A quote is the
inner text of «…», „…“, “…” or "…" (an inner ‘…’ or '…' stays part of it; an apostrophe, as in
п'яти, is never a quote). A quote that runs over several sentences or paragraphs (news style:
each paragraph reopens it, only the last closes it) is a quote span in each segment it covers.
"""

from __future__ import annotations

import re

from newsbrief.article import Span

_GROUPED = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)"
_NUMBER = rf"(?:{_GROUPED}|\d+)(?:[.,:/]\d+)*"
# A sign belongs to a number when nothing but a space or a bracket is before it: "−18", "(+2,5%)",
# "from -5"; never the hyphen of "COVID-19" or of a date.
_SIGN = r"(?:[−+]|(?<![^\s(])-)?"
FIGURE_RE = re.compile(
    r"(?<![\w.,])"
    rf"{_SIGN}"
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


# Opening marks of quotes that may run on, and the marks that close each.
_CLOSERS = {"«": "»", "„": "“”", "“": "”", '"': '"'}


def continued_quotes(texts: list[str], paragraphs: list[int], found: list[list[Span]]) -> list[list[Span]]:
    """Quote spans for quotes left open at the end of a segment: from the opening mark to the end
    of that segment, whole segments after it, and the start of the segment that closes it. A new
    paragraph must reopen the quote with the same mark, or the quote was never one (a typo): then
    nothing is added. `found` holds each segment's spans from find_spans."""
    extra: list[list[Span]] = [[] for _ in texts]
    pending: list[tuple[int, Span]] = []
    opener = ""
    for i, text in enumerate(texts):
        start = 0
        if opener and paragraphs[i] != paragraphs[i - 1]:
            if text.startswith(opener):
                start = 1  # the paragraph reopens the quote
            else:
                pending, opener = [], ""
        if opener:
            close = _first_of(text, _CLOSERS[opener], start)
            if close < 0:
                pending.append((i, Span("quote", start, len(text), text[start:])))
                continue
            closing = Span("quote", start, close, text[start:close])
            if closing not in found[i]:  # «reopened and closed» in one segment is found already
                pending.append((i, closing))
            for index, span in pending:
                extra[index].append(span)
            pending, opener = [], ""
            start = close + 1
        position = _unclosed_opening(text, start, found[i])
        if position >= 0:
            opener = text[position]
            pending = [(i, Span("quote", position + 1, len(text), text[position + 1 :]))]
    return extra


def _first_of(text: str, marks: str, start: int) -> int:
    positions = [p for p in (text.find(m, start) for m in marks) if p >= 0]
    return min(positions) if positions else -1


def _unclosed_opening(text: str, start: int, found: list[Span]) -> int:
    """The position of an opening mark after `start` that no closing mark follows, outside the
    quotes already found; -1 when there is none."""
    inside = [(s.start - 1, s.end + 1) for s in found if s.kind == "quote"]
    for position in range(len(text) - 1, start - 1, -1):
        mark = text[position]
        if mark not in _CLOSERS or any(a <= position < b for a, b in inside):
            continue
        if mark == '"' and text[start:position].count('"') % 2 == 1:
            continue  # the closing mark of a straight-quoted pair
        if _first_of(text, _CLOSERS[mark], position + 1) < 0 and position + 1 < len(text):
            return position
        return -1
    return -1


def line_spans(lines: list[str]) -> list[list[Span]]:
    """Figures and quotes of each line of a source file (blank lines separate paragraphs)."""
    found = [find_spans(line) for line in lines]
    numbered = [(i, paragraph) for i, paragraph in _paragraph_numbers(lines) if lines[i]]
    indices = [i for i, _ in numbered]
    extra = continued_quotes(
        [lines[i] for i in indices], [p for _, p in numbered], [found[i] for i in indices]
    )
    for i, spans in zip(indices, extra, strict=True):
        found[i] = sorted([*found[i], *spans], key=lambda s: (s.start, s.kind))
    return found


def _paragraph_numbers(lines: list[str]) -> list[tuple[int, int]]:
    paragraph, numbered = 0, []
    for i, line in enumerate(lines):
        if not line:
            paragraph += 1
        numbered.append((i, paragraph))
    return numbered
