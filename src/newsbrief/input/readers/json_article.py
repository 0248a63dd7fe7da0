"""JSON articles: an object with a body (or text/content) and optional title, date, author, lang."""

from __future__ import annotations

import json
from pathlib import Path

from newsbrief.article import Article
from newsbrief.errors import ArticleFailed
from newsbrief.input.readers.decoding import decode_bytes
from newsbrief.input.readers.header import paragraphs_of

SUFFIXES = (".json",)
BODY_FIELDS = ("body", "text", "content")
TITLE_FIELDS = ("title", "headline")


def read(path: Path, data: bytes) -> Article:
    decoded = decode_bytes(data)
    try:
        record = json.loads(decoded.text, strict=False)  # a tab or newline inside a string is text
    except json.JSONDecodeError as err:
        raise ArticleFailed(
            f"invalid JSON: {err.msg} (line {err.lineno}, column {err.colno}, char {err.pos})"
        ) from err
    except RecursionError as err:  # `[[[[…` a hundred thousand deep: no article is shaped so
        raise ArticleFailed("invalid JSON: nested too deeply to be an article") from err
    if not isinstance(record, dict):
        raise ArticleFailed("JSON is not an object with article fields")
    body = _first_text(record, BODY_FIELDS)
    if body is None:
        raise ArticleFailed(
            f"missing field 'body' (also looked for {', '.join(repr(f) for f in BODY_FIELDS[1:])})"
        )
    title = _first_text(record, TITLE_FIELDS) or ""
    used = set(BODY_FIELDS) | set(TITLE_FIELDS)
    metadata = {k: str(v) for k, v in record.items() if k not in used and isinstance(v, str | int | float)}
    return Article(
        path=path,
        title=title.strip(),
        paragraphs=paragraphs_of(body),
        metadata=metadata,
        encoding=decoded.encoding,
        warnings=decoded.warnings,
    )


def _first_text(record: dict[str, object], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = record.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None
