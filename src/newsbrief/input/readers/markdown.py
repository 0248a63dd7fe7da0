"""Markdown articles with optional YAML front matter (title, date, author, ...)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from newsbrief.article import Article
from newsbrief.errors import ArticleFailed
from newsbrief.input.readers.decoding import decode_bytes
from newsbrief.input.readers.header import paragraphs_of, split_title_and_datelines

SUFFIXES = (".md", ".markdown")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+")
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader with dates left as written: `date: 2023-13-45` is metadata with a typo,
    not a ValueError that ends the run, and `2023-12-12 08:15` keeps its form."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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
        loaded = yaml.load(match.group(1), Loader=_FrontMatterLoader) or {}
    except (yaml.YAMLError, ValueError) as err:
        raise ArticleFailed(f"invalid YAML front matter: {err}") from err
    if not isinstance(loaded, dict):
        raise ArticleFailed("YAML front matter is not a mapping of fields")
    fields = {str(k): _as_text(v) for k, v in loaded.items() if v is not None}
    return {k: v for k, v in fields.items() if v is not None}, text[match.end() :]


def _as_text(value: object) -> str | None:
    """A field's text; a list of plain values is joined. Nested structures are not metadata
    (and YAML aliases can make them expand without end: the 'billion laughs'), so they are left
    out."""
    if isinstance(value, list):
        if not all(_is_plain(v) for v in value):
            return None
        return ", ".join(_plain_text(v) for v in value)
    return _plain_text(value) if _is_plain(value) else None


def _is_plain(value: object) -> bool:
    return isinstance(value, str | int | float | bool | dt.date)


def _plain_text(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)
