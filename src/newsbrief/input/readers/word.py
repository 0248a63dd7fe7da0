"""Word documents (.docx), through python-docx: the body's paragraphs and tables in order.

The title is the first paragraph in the Title style, or else the first heading, or else the first
line (as in a text file). Table cells are read as paragraphs, row by row. Footnotes, endnotes,
comments, headers and footers are not the article's text: they are left out, and a warning in
article.json says how many there were. The author and the date come from the document's core
properties (what Word fills in from its user and clock). A paragraph is one line of the aligned
files; a line break inside one (Shift+Enter) becomes a space.

`rewrite` writes a translation in kind: the same document, each paragraph (and table cell)
holding its translation in its own style; inside a paragraph the text takes the formatting of
its first run (bold, italics or a link on a few words of it are not carried over).
"""

from __future__ import annotations

import io
from pathlib import Path

from newsbrief.article import Article
from newsbrief.errors import ArticleFailed
from newsbrief.input.readers.package import Block, Replacements, document_article, open_package

SUFFIXES = (".docx",)
# Left out of the article, and counted: (package member, element, what to call them).
LEFT_OUT = (
    ("word/footnotes.xml", r"<w:footnote (?![^>]*w:type=)", "footnote(s)"),
    ("word/endnotes.xml", r"<w:endnote (?![^>]*w:type=)", "endnote(s)"),
    ("word/comments.xml", r"<w:comment ", "comment(s)"),
)


def read(path: Path, data: bytes) -> Article:
    import docx  # python-docx and lxml: loaded only when a Word file is read
    from docx.opc.exceptions import PackageNotFoundError

    package = open_package(data, "Word")
    try:
        document = docx.Document(package.fp)
    except (PackageNotFoundError, KeyError, ValueError, SyntaxError) as error:
        raise ArticleFailed(f"not a readable Word document: {error}") from error
    return document_article(path, package, _blocks(document), _properties(document), LEFT_OUT)


def rewrite(data: bytes, texts: Replacements) -> bytes:
    """The document with each paragraph's text replaced by `texts` (those it has no text for
    stay as they are: a dateline kept in the metadata, an empty paragraph)."""
    import docx
    from docx.table import Table

    document = docx.Document(open_package(data, "Word").fp)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                for cell in _unique_cells(row):
                    _replace(cell.paragraphs, texts.take(_text(cell)))
        else:
            _replace([block], texts.take(_text(block)))
    written = io.BytesIO()
    document.save(written)
    return written.getvalue()


def summary_document(title: str, paragraphs: list[str]) -> bytes:
    """A new Word document: the title in the Title style, then the paragraphs (`summary.<lang>.docx`)."""
    import docx

    document = docx.Document()
    if title:
        document.add_paragraph(title, style="Title")
    for text in paragraphs:
        document.add_paragraph(text)
    written = io.BytesIO()
    document.save(written)
    return written.getvalue()


def _replace(paragraphs: list, text: str | None) -> None:
    """The text in the first run of the first paragraph; the other runs (and paragraphs of the
    same cell) emptied, so their formatting is gone with their words."""
    if text is None or not paragraphs:
        return
    from docx.oxml.ns import qn

    first, *others = paragraphs
    kept = first.runs[0] if first.runs else first.add_run()
    kept.text = text
    for child in list(first._p):  # the other runs, and the runs inside links
        if child.tag in (qn("w:r"), qn("w:hyperlink")) and child is not kept._r:
            first._p.remove(child)
    for paragraph in others:
        paragraph._p.getparent().remove(paragraph._p)


def _blocks(document) -> list[Block]:
    """The body's paragraphs with text, and its tables' cells row by row, in document order."""
    from docx.table import Table

    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            cells = [cell for row in item.rows for cell in _unique_cells(row)]
            blocks += [Block(text) for cell in cells if (text := _text(cell))]
        elif text := _text(item):
            style = (item.style.name if item.style is not None else "") or ""
            blocks.append(Block(text, titled=style == "Title", heading=style.startswith("Heading")))
    return blocks


def _unique_cells(row) -> list:
    """A merged cell appears once per grid column it spans: read once."""
    seen: list = []
    for cell in row.cells:
        if all(cell._tc is not other._tc for other in seen):
            seen.append(cell)
    return seen


def _text(block) -> str:
    return " ".join(block.text.split())


def _properties(document) -> dict[str, str]:
    core = document.core_properties
    metadata = {}
    if core.author:
        metadata["author"] = core.author.strip()
    date = core.created or core.modified
    if date is not None:
        metadata["date"] = date.isoformat()
    return metadata
