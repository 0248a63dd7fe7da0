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
