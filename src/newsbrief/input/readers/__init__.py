"""One module per input format; each exposes SUFFIXES and read(path, data) -> Article, and a
format that can be written back in kind (Word, OpenDocument) rewrite(data, texts) -> bytes.

A new format is one new module added to FORMATS below.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

from newsbrief.article import Article
from newsbrief.errors import ArticleSkipped
from newsbrief.input.readers import html, json_article, markdown, opendocument, plain, word
from newsbrief.input.readers.decoding import remove_control_characters

FORMATS: tuple[ModuleType, ...] = (plain, markdown, json_article, html, word, opendocument)


def supported_suffixes() -> set[str]:
    return {suffix for module in FORMATS for suffix in module.SUFFIXES}


def format_of(path: Path) -> ModuleType | None:
    """The module that reads (and, with a `rewrite`, writes) files of this name's suffix."""
    suffix = path.suffix.lower()
    return next((module for module in FORMATS if suffix in module.SUFFIXES), None)


def read_article(path: Path, data: bytes | None = None) -> Article:
    """Read one file into an Article; raises ArticleSkipped or ArticleFailed with the reason.

    `data` is the file's bytes when the caller already has them (the pipeline hashes them first).
    """
    module = format_of(path)
    if module is None:
        raise ArticleSkipped(f"unsupported file type {path.suffix.lower() or '(none)'}")
    data = path.read_bytes() if data is None else data
    article = _without_control_characters(module.read(path, data))
    article.source_hash = hashlib.sha256(data).hexdigest()
    if not article.paragraphs and not article.title:
        raise ArticleSkipped("empty article (no title and no body text)")
    return article


def _without_control_characters(article: Article) -> Article:
    """What escapes let through after decoding (JSON's `\\u0000` and `\\ud800`, YAML's `\\x01`)
    is removed from every field and reported, as decoding does for the raw text: a lone
    surrogate cannot even be written as UTF-8, and would end the run in the language detector."""
    fields = [article.title, *article.paragraphs, *article.metadata, *article.metadata.values()]
    _, warnings = remove_control_characters("\n".join(fields))
    if not warnings:
        return article

    def clean(text: str) -> str:
        return remove_control_characters(text)[0]

    article.title = clean(article.title).strip()
    article.paragraphs = [p for p in (clean(p).strip() for p in article.paragraphs) if p]
    article.metadata = {clean(k): clean(v) for k, v in article.metadata.items()}
    article.warnings.append(f"in the decoded fields: {'; '.join(warnings)}")
    return article
