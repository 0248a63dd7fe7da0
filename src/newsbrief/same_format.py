"""Translations in the source's own format: for a Word or OpenDocument article, beside the text
files, `translation.<lang>.docx` (or `.odt`): the source document with each paragraph holding
its translation, in its own style and place (readers/word.py and readers/opendocument.py say
what of the formatting inside a paragraph is kept). Formats with no `rewrite` get none.

It reads the source again, at write time, and only if it is still the file that was translated
(its hash): a file edited meanwhile gets no document, and a warning, until the next run."""

from __future__ import annotations

import hashlib

from newsbrief.article import SegmentedArticle
from newsbrief.layout import ArticleResult
from newsbrief.readers import format_of
from newsbrief.readers.package import Replacements


def translated_documents(result: ArticleResult) -> tuple[dict[str, bytes], list[str]]:
    """{file name: bytes} for each translation language, and warnings for article.json."""
    article = result.doc.article
    module = format_of(article.path)
    if module is None or not hasattr(module, "rewrite"):
        return {}, []
    try:
        data = article.path.read_bytes()
    except OSError as error:
        return {}, [f"no translation.*{article.path.suffix}: the source cannot be read again: {error}"]
    if hashlib.sha256(data).hexdigest() != article.source_hash:
        return {}, [f"no translation.*{article.path.suffix}: the source changed while it was translated"]
    source = paragraphs(result.doc, result.lines[result.doc.lang])
    suffix = article.path.suffix.lower()
    files = {}
    for lang in result.translation_languages:
        pairs = list(zip(source, paragraphs(result.doc, result.lines[lang]), strict=True))
        files[f"translation.{lang}{suffix}"] = module.rewrite(data, Replacements(pairs))
    return files, []


def paragraphs(doc: SegmentedArticle, lines: list[str]) -> list[str]:
    """The article's paragraphs (title first) in one language: each paragraph's lines joined."""
    joined: dict[int, list[str]] = {}
    for segment in doc.segments:
        if segment.text:
            joined.setdefault(segment.paragraph, []).append(lines[segment.index])
    return [" ".join(parts) for _, parts in sorted(joined.items())]
