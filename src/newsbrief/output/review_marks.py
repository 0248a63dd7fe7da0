"""Highlighting one line of a review page: figure k and quote k in the same colour in every
column, a figure the source does not have outlined in red, the glossary's terms dashed. Every
piece of text goes through `html.escape`: article text is untrusted input."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from newsbrief.fidelity.glossary import Glossary, term_regex
from newsbrief.text.figures import values
from newsbrief.text.spans import find_spans

PALETTE = 8  # figure and quote colours, cycled: f0..f7, q0..q7 in the stylesheet


@dataclass
class Mark:
    """A highlighted stretch of one cell: [start, end) with a CSS class and a tooltip."""

    start: int
    end: int
    css: str
    title: str
    inner: list[Mark] = field(default_factory=list)


def source_marks(figures: list[dict], quotes: list[dict]) -> list[Mark]:
    marks = [Mark(s["start"], s["end"], f"f{k % PALETTE}", f"figure {k + 1}") for k, s in enumerate(figures)]
    marks += [Mark(s["start"], s["end"], f"q{k % PALETTE}", f"quote {k + 1}") for k, s in enumerate(quotes)]
    return marks


def target_marks(text: str, figures: list[dict], quotes: list[dict]) -> list[Mark]:
    """Figures matched to the source's by value (so `1 200` matches `1,200`); a figure the
    source does not have is outlined in red. Quotes matched by order."""
    source_values = [values(s["text"]) for s in figures]
    marks = []
    found = find_spans(text)
    for span in (s for s in found if s.kind == "figure"):
        wanted = values(span.text)
        k = next((i for i, v in enumerate(source_values) if v & wanted), None)
        if k is None:
            marks.append(Mark(span.start, span.end, "invented", "figure not in the source line"))
        else:
            marks.append(Mark(span.start, span.end, f"f{k % PALETTE}", f"figure {k + 1}"))
    for k, span in enumerate(s for s in found if s.kind == "quote"):
        if k < len(quotes):
            marks.append(Mark(span.start, span.end, f"q{k % PALETTE}", f"quote {k + 1}"))
    return marks


def term_marks(text: str, lang: str, source_lang: str, source: str, glossary: Glossary) -> list[Mark]:
    """The glossary's terms, dashed: in the source line as found, in a translation the forms
    the glossary wants for the terms of that source line (a missing one is in the flags)."""
    if not glossary:
        return []
    if lang == source_lang:
        wanted = [
            (t.form(lang) or "", f"glossary term: {t.form(lang)}") for t in glossary.found_in(text, lang)
        ]
    else:
        wanted = [(use.wanted, f"glossary: {use.label}") for use in glossary.uses(source, source_lang, lang)]
    return [
        Mark(match.start(), match.end(), "term", title)
        for words, title in wanted
        for match in term_regex(words, lang).finditer(text)
    ]


def highlight(text: str, marks: list[Mark]) -> str:
    """Escaped text with `<mark>`s; a mark inside another (a figure in a quote) nests, and one
    that only partly overlaps an earlier mark is left out."""
    return _render(text, 0, len(text), _nest(marks))


def _nest(marks: list[Mark]) -> list[Mark]:
    top: list[Mark] = []
    for mark in sorted(marks, key=lambda m: (m.start, -m.end)):
        if mark.start >= mark.end:
            continue
        if top and mark.start < top[-1].end:
            if mark.end <= top[-1].end:
                top[-1].inner.append(mark)
            continue
        top.append(mark)
    for mark in top:
        mark.inner = _nest(mark.inner)
    return top


def _render(text: str, start: int, end: int, marks: list[Mark]) -> str:
    parts, position = [], start
    for mark in marks:
        parts.append(escape(text[position : mark.start]))
        inner = _render(text, mark.start, mark.end, mark.inner)
        parts.append(f'<mark class="{mark.css}" title="{escape(mark.title)}">{inner}</mark>')
        position = mark.end
    parts.append(escape(text[position:end]))
    return "".join(parts)
