"""Markdown articles with optional YAML front matter (title, date, author, ...)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from newsbrief.article import Article
from newsbrief.errors import ArticleFailed
from newsbrief.readers.decoding import decode_bytes
from newsbrief.readers.header import paragraphs_of, split_title_and_datelines

SUFFIXES = (".md", ".markdown")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+")


def read(path: Path, data: bytes) -> Article:
    decoded = decode_bytes(data)
    front, text = _split_front_matter(decoded.text)
    title = front.pop("title", "")
    paragraphs = [HEADING.sub("", p) for p in paragraphs_of(text)]
    title, body, dateline = split_title_and_datelines(paragraphs, title)
    return Article(
        path=path,
        title=title,
        paragraphs=body,
        metadata={**dateline, **front},
        encoding=decoded.encoding,
        warnings=decoded.warnings,
    )


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        loaded = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as err:
        raise ArticleFailed(f"invalid YAML front matter: {err}") from err
    if not isinstance(loaded, dict):
        raise ArticleFailed("YAML front matter is not a mapping of fields")
    return {str(k): _as_text(v) for k, v in loaded.items() if v is not None}, text[match.end() :]


def _as_text(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
