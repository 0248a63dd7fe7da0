"""One module per input format; each exposes SUFFIXES and read(path, data) -> Article.

A new format is one new module added to FORMATS below.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

from newsbrief.article import Article
from newsbrief.errors import ArticleSkipped
from newsbrief.readers import html, json_article, markdown, plain

FORMATS: tuple[ModuleType, ...] = (plain, markdown, json_article, html)


def supported_suffixes() -> set[str]:
    return {suffix for module in FORMATS for suffix in module.SUFFIXES}


def read_article(path: Path, data: bytes | None = None) -> Article:
    """Read one file into an Article; raises ArticleSkipped or ArticleFailed with the reason.

    `data` is the file's bytes when the caller already has them (the pipeline hashes them first).
    """
    suffix = path.suffix.lower()
    for module in FORMATS:
        if suffix in module.SUFFIXES:
            data = path.read_bytes() if data is None else data
            article = module.read(path, data)
            article.source_hash = hashlib.sha256(data).hexdigest()
            if not article.paragraphs and not article.title:
                raise ArticleSkipped("empty article (no title and no body text)")
            return article
    raise ArticleSkipped(f"unsupported file type {suffix or '(none)'}")
