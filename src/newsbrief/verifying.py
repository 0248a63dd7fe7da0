"""The one place that compares source and outputs span by span: the per-article fidelity record.

Translations must carry every figure of their source segment verbatim; summaries may only hold
figures that the article has and quotes that the article (in that language) has word for word.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from newsbrief.article import SegmentedArticle
from newsbrief.layout import ArticleResult
from newsbrief.spans import figures_of, find_spans, quotes_of

REPEAT_RE = re.compile(r"\b(\w+)(?:\W+\1\b){3,}", re.IGNORECASE | re.UNICODE)


@dataclass
class TranslationFidelity:
    figures_total: int = 0
    figures_kept: int = 0
    missing_figures: list[dict[str, object]] = field(default_factory=list)
    flagged_segments: list[int] = field(default_factory=list)
    length_ratio: float = 0.0


@dataclass
class SummaryFidelity:
    figures_not_in_article: list[str] = field(default_factory=list)
    quotes_not_in_article: list[str] = field(default_factory=list)


def verify_translation(
    doc: SegmentedArticle, lines: list[str], flags: dict[int, list[str]]
) -> TranslationFidelity:
    """Adds a flag to `flags[segment]` for every figure lost or degenerate output."""
    record = TranslationFidelity()
    source_chars = translated_chars = 0
    for segment in doc.sentences:
        output = lines[segment.index]
        source_chars += len(segment.text)
        translated_chars += len(output)
        for figure in figures_of(segment.spans):
            record.figures_total += 1
            if _contains_figure(output, figure):
                record.figures_kept += 1
            else:
                record.missing_figures.append({"segment": segment.index, "figure": figure})
                flags.setdefault(segment.index, []).append(f"figure not verbatim: {figure}")
        if REPEAT_RE.search(output):
            flags.setdefault(segment.index, []).append("repeated words (degenerate output)")
        if flags.get(segment.index):
            record.flagged_segments.append(segment.index)
    record.length_ratio = round(translated_chars / max(1, source_chars), 3)
    return record


def verify_summary(summary: str, article_texts: list[str]) -> SummaryFidelity:
    """`article_texts`: the article in the summary's language, and in its source language."""
    record = SummaryFidelity()
    article_figures = {f for text in article_texts for f in figures_of(find_spans(text))}
    spans = find_spans(summary)
    record.figures_not_in_article = [f for f in figures_of(spans) if f not in article_figures]
    record.quotes_not_in_article = [
        q for q in quotes_of(spans) if not any(q in text for text in article_texts)
    ]
    return record


def verify_article(result: ArticleResult) -> dict[str, object]:
    """The fidelity record of a finished article; flags what it finds on the segments
    (`result.flags`), so alignment.jsonl shows them too."""
    doc = result.doc
    source_text = "\n".join(result.lines[doc.lang])
    translations = {
        lang: as_dict(verify_translation(doc, result.lines[lang], result.flags.setdefault(lang, {})))
        for lang in result.lines
        if lang != doc.lang
    }
    summaries = {
        lang: as_dict(
            verify_summary(" ".join(sentences), ["\n".join(result.lines.get(lang, [])), source_text])
        )
        for lang, sentences in result.summaries.items()
    }
    return {"translations": translations, "summaries": summaries}


def as_dict(record: TranslationFidelity | SummaryFidelity) -> dict[str, object]:
    return asdict(record)


def _contains_figure(text: str, figure: str) -> bool:
    """Verbatim, and not as part of a longer number (12,4 is not kept by 112,45)."""
    pattern = rf"(?<![\d.,]){re.escape(figure)}(?![\d]|[.,]\d)"
    return re.search(pattern, text) is not None
