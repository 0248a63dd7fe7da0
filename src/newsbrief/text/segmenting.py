"""Paragraphs into sentences (sentencex knows uk/ru/en abbreviations), one language per segment."""

from __future__ import annotations

import re

from sentencex import segment as split_sentences

from newsbrief.article import Article, Segment, SegmentedArticle
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.spans import find_article_spans

# Longer sentences are cut at clause boundaries, then between words, and flagged: a translation
# model's window is a few hundred tokens, and cutting silently inside the model would lose text.
MAX_SEGMENT_CHARS = 600
_CLAUSE_BREAK = re.compile(r"(?<=[;:,—–])\s+")
# Opening quote marks after a space at the very end of a sentence.
_TRAILING_OPENERS = re.compile("\\s([«„“‘\"']+)\\s*$")


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
            )
            if was_cut:
                segment.flags.append("long sentence cut between words")
            segments.append(segment)
    unpaired = _find_spans(segments)
    return SegmentedArticle(article=article, lang=lang, segments=segments, unpaired_marks=unpaired)


def _find_spans(segments: list[Segment]) -> list[tuple[int, int, str]]:
    """Figures and quotes, found once over the whole article (a quote may run over sentences
    and paragraphs) and kept on each segment; marks that pair with nothing are flagged on their
    segment and returned (segment index, offset, mark)."""
    sentences = [s for s in segments if not s.is_break]
    found = find_article_spans([s.text for s in sentences], [s.paragraph for s in sentences])
    for segment, spans in zip(sentences, found.spans, strict=True):
        segment.spans = spans
    unpaired = []
    for line, offset, mark in found.unpaired:
        sentences[line].flags.append(f"unpaired quote mark {mark} at character {offset + 1}")
        unpaired.append((sentences[line].index, offset, mark))
    return unpaired


def _sentences(paragraph: str, lang: str, max_chars: int) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for sentence in _marks_with_their_sentence(split_sentences(lang, paragraph)):
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        if len(sentence) <= max_chars:
            out.append((sentence, False))
        else:
            out.extend((piece, True) for piece in _cut(sentence, max_chars))
    return out


def _marks_with_their_sentence(sentences: list[str]) -> list[str]:
    """The splitter leaves the opening mark of the next sentence's quote at the end of the
    previous one (`…chairman. "` | `But we could…`): it goes back where it opens."""
    fixed = [*sentences]
    for i in range(len(fixed) - 1):
        match = _TRAILING_OPENERS.search(fixed[i])
        if match:
            fixed[i] = fixed[i][: match.start()]
            fixed[i + 1] = match.group(1) + fixed[i + 1].lstrip()
    return fixed


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


def sentences_of(text: str, lang: str) -> list[str]:
    """A model's text (a summary) in sentences, each with its spaces made single."""
    return [" ".join(s.split()) for s in split_sentences(lang, text) if s.strip()]
