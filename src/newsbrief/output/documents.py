"""Translations in the source's own format: for a Word or OpenDocument article, beside the text
files, `translation.<lang>.docx` (or `.odt`): the source document with each paragraph holding
its translation, in its own style and place (readers/word.py and readers/opendocument.py say
what of the formatting inside a paragraph is kept). Formats with no `rewrite` get none. On
request (`--summary-documents`), `summary.<lang>.docx` (or `.odt`) too: a new document of the
summary's title and text.

It reads the source again, at write time, and only if it is still the file that was translated
(its hash): a file edited meanwhile gets no document, and a warning, until the next run."""

from __future__ import annotations

import hashlib
from types import ModuleType

from newsbrief.article import ArticleResult, SegmentedArticle
from newsbrief.input.readers import format_of
from newsbrief.input.readers.package import Replacements
from newsbrief.output.folder import summary_name, summary_text, translation_name


def translated_documents(
    result: ArticleResult, summaries: bool = False
) -> tuple[dict[str, bytes], list[str]]:
    """{file name: bytes} for each translation language (and each summary, with `summaries`),
    and warnings for article.json."""
    article = result.doc.article
    module = format_of(article.path)
    if module is None or not hasattr(module, "rewrite"):
        return {}, []
    written = summary_documents(result, module) if summaries else {}
    try:
        data = article.path.read_bytes()
    except OSError as error:
        return written, [
            f"no {translation_name('*', article.path.suffix)}: the source cannot be read again: {error}"
        ]
    if hashlib.sha256(data).hexdigest() != article.source_hash:
        return written, [
            f"no {translation_name('*', article.path.suffix)}: the source changed while it was translated"
        ]
    source = paragraphs(result.doc, result.lines[result.doc.lang])
    suffix = article.path.suffix.lower()
    files = dict(written)
    for lang in result.translation_languages:
        pairs = list(zip(source, paragraphs(result.doc, result.lines[lang]), strict=True))
        files[translation_name(lang, suffix)] = module.rewrite(data, Replacements(pairs))
    return files, []


def summary_documents(result: ArticleResult, module: ModuleType) -> dict[str, bytes]:
    """`summary.<lang>.<kind>`: the summary's title and its text as one paragraph, as in
    summary.<lang>.md."""
    suffix = result.doc.article.path.suffix.lower()
    return {
        summary_name(lang, suffix): module.summary_document(
            result.summary_titles.get(lang, ""), [summary_text(result, lang)]
        )
        for lang in result.summaries
    }


def paragraphs(doc: SegmentedArticle, lines: list[str]) -> list[str]:
    """The article's paragraphs (title first) in one language: each paragraph's lines joined."""
    joined: dict[int, list[str]] = {}
    for segment in doc.segments:
        if segment.text:
            joined.setdefault(segment.paragraph, []).append(lines[segment.index])
    return [" ".join(parts) for _, parts in sorted(joined.items())]
