"""Plain-text articles: headline on the first line, optional dateline, paragraphs between blank lines."""

from __future__ import annotations

from pathlib import Path

from newsbrief.article import Article
from newsbrief.input.readers.decoding import decode_bytes
from newsbrief.input.readers.header import paragraphs_of, split_title_and_datelines

SUFFIXES = (".txt",)


def read(path: Path, data: bytes) -> Article:
    decoded = decode_bytes(data)
    title, body, metadata = split_title_and_datelines(paragraphs_of(decoded.text), None)
    return Article(
        path=path,
        title=title,
        paragraphs=body,
        metadata=metadata,
        encoding=decoded.encoding,
        warnings=decoded.warnings,
    )
