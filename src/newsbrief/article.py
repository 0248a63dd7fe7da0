"""The plain data that travels between the stages of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Span:
    """A figure or a quote, as character offsets into one segment's text."""

    kind: str  # "figure" or "quote"
    start: int
    end: int
    text: str


@dataclass
class Article:
    """One source file, read and decoded, before segmentation.

    `paragraphs` excludes the title; the segmenter puts the title first.
    """

    path: Path
    title: str
    paragraphs: list[str]
    metadata: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    warnings: list[str] = field(default_factory=list)
    source_hash: str = ""
    id: str = ""


@dataclass
class Segment:
    """One line of `source.<lang>.txt`: a sentence (or the title), or a paragraph break."""

    index: int
    paragraph: int
    text: str  # empty for the blank line between paragraphs
    lang: str = ""
    spans: list[Span] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def is_break(self) -> bool:
        return not self.text


@dataclass
class SegmentedArticle:
    """An article cut into aligned segments, with its detected language."""

    article: Article
    lang: str
    segments: list[Segment]
    # Quote marks that pair with nothing: (segment index, character offset, mark).
    unpaired_marks: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def sentences(self) -> list[Segment]:
        return [s for s in self.segments if not s.is_break]

    def word_count(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)


@dataclass
class ArticleDraft:
    """What the models made of one article, whole: every language's lines, every summary
    (translated ones included), and the seconds each stage took. Made where the models ran
    (here or on a Ray worker); finishing.finish guards, verifies and records it."""

    doc: SegmentedArticle
    lines: dict[str, list[str]]  # language -> one line per segment ("" for paragraph breaks)
    flags: dict[str, dict[int, list[str]]]  # language -> segment -> flags
    summaries: dict[str, list[str]]  # language -> summary sentences
    summary_titles: dict[str, str]
    translation_languages: list[str]  # the translation files to write
    summariser: str = ""
    summary_written_in: str = ""  # the language the summariser wrote; others are translations
    summary_chunks: int = 1
    summary_sources: dict[str, str] = field(default_factory=dict)  # language -> "translated from en"
    # language -> why it has no summary (its files say so: output/folder.py, summary_text)
    summary_missing: dict[str, str] = field(default_factory=dict)
    # language -> segment -> each translated quote and what it reads back as in the source's
    # language (generation/quote_reading.py); alignment.jsonl keeps them for `check`
    quote_readings: dict[str, dict[int, dict[str, str]]] = field(default_factory=dict)
    # models used beyond the article's plan ("translate:en-uk": a summary translated because its
    # projection traced nothing), named in article.json with those of the plan
    extra_dependencies: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds


@dataclass
class ArticleResult(ArticleDraft):
    """A draft with its summaries guarded, its fidelity record and its article.json: everything
    produced for one article, ready to be written."""

    summary_repairs: dict[str, list[str]] = field(default_factory=dict)  # language -> what was repaired
    fidelity: dict[str, object] = field(default_factory=dict)  # from verifying.verify_article
    record: dict[str, object] = field(default_factory=dict)  # article.json
