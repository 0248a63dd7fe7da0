"""What Word and OpenDocument files share: they are zip packages of XML, checked here before a
library parses them, so that a damaged file is one failed article and a zip bomb (a few KB that
unpack to gigabytes) is refused unread; their paragraphs become an Article by one rule for the
title; and a translation is written back into them paragraph by paragraph (Replacements)."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

from newsbrief.article import Article
from newsbrief.errors import ArticleFailed
from newsbrief.input.readers.header import split_title_and_datelines

# A news article's document unpacks to a few MB at most (images included); far beyond is a bomb.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


def open_package(data: bytes, kind: str) -> zipfile.ZipFile:
    """The package, once it is a zip whose members unpack to a sane size; ArticleFailed else."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ArticleFailed(f"not a readable {kind} file (a zip package): {error}") from error
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ArticleFailed(
            f"a {kind} file that unpacks to {unpacked // (1024 * 1024):,} MB (over "
            f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB): refused unread"
        )
    return package


def count_elements(package: zipfile.ZipFile, member: str, pattern: str) -> int:
    """How many elements matching `pattern` a package member holds (0 when it has none)."""
    try:
        text = package.read(member).decode("utf-8", errors="replace")
    except KeyError:
        return 0
    return len(re.findall(pattern, text))


def left_out_warning(package: zipfile.ZipFile, left_out: tuple[tuple[str, str, str], ...]) -> list[str]:
    """One warning for article.json naming what the reader did not take as the article's text:
    `left_out` is (package member, element pattern, what to call them)."""
    counts = [(count_elements(package, member, pattern), name) for member, pattern, name in left_out]
    found = [f"{count} {name}" for count, name in counts if count]
    return [f"left out of the article: {', '.join(found)}"] if found else []


class Replacements:
    """Each source paragraph's new text, found by the paragraph's own text (whitespace aside, as
    reading normalised it), repeats in order: so a paragraph of the document is matched whatever
    became of the ones around it (a title taken from a later heading, a dateline moved to the
    metadata), and one that matches nothing is left as it is."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.queues: dict[str, deque[str]] = defaultdict(deque)
        for source, new in pairs:
            self.queues[_key(source)].append(new)

    def take(self, text: str) -> str | None:
        queue = self.queues.get(_key(text))
        return queue.popleft() if queue else None


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass
class Block:
    """One paragraph, heading or table cell of a document, in document order."""

    text: str
    titled: bool = False  # in the Title style
    heading: bool = False


def document_article(
    path: Path,
    package: zipfile.ZipFile,
    blocks: list[Block],
    properties: dict[str, str],
    left_out: tuple[tuple[str, str, str], ...],
) -> Article:
    """The title is the first block in the Title style, else the first heading, else the first
    line (as in a text file); the other blocks are the lines; a dateline among them is metadata."""
    title, lines = _title_and_lines(blocks)
    title, body, dateline = split_title_and_datelines(lines, title)
    return Article(
        path=path,
        title=title,
        paragraphs=body,
        metadata={**dateline, **properties},
        encoding="utf-8",
        warnings=left_out_warning(package, left_out),
    )


def _title_and_lines(blocks: list[Block]) -> tuple[str | None, list[str]]:
    title: str | None = None
    heading: int | None = None  # where the first heading stands among the lines
    lines: list[str] = []
    for block in blocks:
        if title is None and block.titled:
            title = block.text
            continue
        if heading is None and block.heading:
            heading = len(lines)
        lines.append(block.text)
    if title is None and heading is not None:
        title = lines.pop(heading)
    return title, lines
