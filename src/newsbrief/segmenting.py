"""Paragraphs into sentences (sentencex knows uk/ru/en abbreviations), one language per segment."""

from __future__ import annotations

import re

from sentencex import segment as split_sentences

from newsbrief.article import Article, Segment, SegmentedArticle
from newsbrief.language import LanguageIdentifier
from newsbrief.spans import continued_quotes, find_spans

# Longer sentences are cut at clause boundaries, then between words, and flagged: a translation
# model's window is a few hundred tokens, and cutting silently inside the model would lose text.
MAX_SEGMENT_CHARS = 600
_CLAUSE_BREAK = re.compile(r"(?<=[;:,—–])\s+")


def segment_article(
    article: Article,
    lang: str,
    identifier: LanguageIdentifier,
    accepted: set[str],
    max_chars: int = MAX_SEGMENT_CHARS,
) -> SegmentedArticle:
    """The title, then each paragraph's sentences, with a blank segment between paragraphs."""
    paragraphs = ([article.title] if article.title else []) + article.paragraphs
    segments: list[Segment] = []
    for number, paragraph in enumerate(paragraphs):
        if segments:
            segments.append(Segment(index=len(segments), paragraph=number, text=""))
        for sentence, was_cut in _sentences(paragraph, lang, max_chars):
            segment = Segment(
                index=len(segments),
                paragraph=number,
                text=sentence,
                lang=identifier.detect_segment(sentence, lang, accepted),
                spans=find_spans(sentence),
            )
            if was_cut:
                segment.flags.append("long sentence cut between words")
            segments.append(segment)
    _add_continued_quotes([s for s in segments if not s.is_break])
    return SegmentedArticle(article=article, lang=lang, segments=segments)


def _add_continued_quotes(sentences: list[Segment]) -> None:
    """Quotes that run over several sentences or paragraphs get a span in each segment."""
    texts = [s.text for s in sentences]
    extra = continued_quotes(texts, [s.paragraph for s in sentences], [s.spans for s in sentences])
    for segment, spans in zip(sentences, extra, strict=True):
        if spans:
            segment.spans = sorted([*segment.spans, *spans], key=lambda s: (s.start, s.kind))


def _sentences(paragraph: str, lang: str, max_chars: int) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for sentence in split_sentences(lang, paragraph):
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        if len(sentence) <= max_chars:
            out.append((sentence, False))
        else:
            out.extend((piece, True) for piece in _cut(sentence, max_chars))
    return out


def _cut(sentence: str, max_chars: int) -> list[str]:
    """Greedy packing of clauses (or words, when a clause is too long) into pieces <= max_chars."""
    units: list[str] = []
    for clause in _CLAUSE_BREAK.split(sentence):
        if len(clause) <= max_chars:
            units.append(clause)
        else:
            units.extend(clause.split(" "))
    pieces: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current} {unit}" if current else unit
        if len(candidate) <= max_chars or not current:
            current = candidate
        else:
            pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return pieces
