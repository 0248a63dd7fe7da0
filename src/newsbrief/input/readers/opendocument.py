"""OpenDocument text (.odt, LibreOffice's own), through odfpy: headings, paragraphs, list items
and table cells in document order.

As for Word files (word.py): the title is the first paragraph in the Title style, or else the
first heading, or else the first line; notes (footnotes, endnotes) and annotations (comments)
are left out and counted in a warning; the author and date come from the document's metadata
(dc:creator, else meta:initial-creator; dc:date, else meta:creation-date).

`rewrite` writes a translation in kind: each heading and paragraph keeps its element and style
and holds its translation as plain text (spans and links inside it are not carried over; its
notes and comments stay, untranslated, after the text).
"""

from __future__ import annotations

import io
from pathlib import Path

from newsbrief.article import Article
from newsbrief.errors import ArticleFailed
from newsbrief.input.readers.package import Block, Replacements, document_article, open_package

SUFFIXES = (".odt",)
LEFT_OUT = (
    ("content.xml", r"<text:note ", "note(s)"),
    ("content.xml", r"<office:annotation[ >]", "comment(s)"),
)
SKIPPED = {"note", "annotation", "tracked-changes", "sequence-decls"}  # not the article's text


def read(path: Path, data: bytes) -> Article:
    from odf.opendocument import load  # odfpy: loaded only when an OpenDocument file is read

    package = open_package(data, "OpenDocument")
    try:
        document = load(package.fp)
    except Exception as error:  # odfpy raises whatever its XML parser or zip reader raised
        raise ArticleFailed(f"not a readable OpenDocument text: {error}") from error
    return document_article(path, package, _blocks(document.text), _properties(document), LEFT_OUT)


def rewrite(data: bytes, texts: Replacements) -> bytes:
    from odf.opendocument import load

    document = load(open_package(data, "OpenDocument").fp)
    for element in _elements(document.text):
        new = texts.take(" ".join(_text(element).split()))
        if new is None:
            continue
        _replace(element, new)
    written = io.BytesIO()
    document.write(written)
    return written.getvalue()


def summary_document(title: str, paragraphs: list[str]) -> bytes:
    """A new text document: the title as a heading of level 1, then the paragraphs
    (`summary.<lang>.odt`)."""
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    if title:
        document.text.addElement(H(outlinelevel=1, text=title))
    for text in paragraphs:
        document.text.addElement(P(text=text))
    written = io.BytesIO()
    document.write(written)
    return written.getvalue()


def _replace(element, text: str) -> None:
    """The element's spans, links and breaks taken out, its notes and comments kept, and `text`
    in its first text node (odfpy's caches cannot take a text node out: the others are emptied)."""
    from odf.element import Text

    for child in list(element.childNodes):
        if child.nodeType == child.ELEMENT_NODE and _name(child) not in SKIPPED:
            element.removeChild(child)
    nodes = [child for child in element.childNodes if child.nodeType == child.TEXT_NODE]
    for node in nodes:
        node.data = ""
    if nodes:
        nodes[0].data = text
    elif element.childNodes:
        element.insertBefore(Text(text), element.childNodes[0])
    else:
        element.addText(text)


def _elements(element) -> list:
    """The headings and paragraphs under `element` that hold text, in order (as _blocks)."""
    found = []
    for child in element.childNodes:
        if child.nodeType != child.ELEMENT_NODE or _name(child) in SKIPPED:
            continue
        if _name(child) in ("h", "p"):
            if _text(child).strip():
                found.append(child)
        else:
            found += _elements(child)
    return found


def _name(element) -> str:
    return element.tagName.split(":")[-1]


def _blocks(element) -> list[Block]:
    """Each heading and paragraph with text under `element`, in order: lists and tables are
    walked into, notes and comments passed over."""
    return [
        Block(
            " ".join(_text(child).split()),
            titled=child.getAttribute("stylename") == "Title",
            heading=_name(child) == "h",
        )
        for child in _elements(element)
    ]


def _text(element) -> str:
    """The text of a paragraph, its spans and links included, its notes and comments not; a
    line break or tab is a space."""
    parts = []
    for child in element.childNodes:
        if child.nodeType == child.TEXT_NODE:
            parts.append(str(child.data))
        elif child.nodeType == child.ELEMENT_NODE:
            name = _name(child)
            if name in SKIPPED:
                continue
            if name in ("line-break", "tab"):
                parts.append(" ")
            elif name == "s":
                parts.append(" " * int(child.getAttribute("c") or 1))
            else:
                parts.append(_text(child))
    return "".join(parts)


def _properties(document) -> dict[str, str]:
    found: dict[str, str] = {}
    for child in document.meta.childNodes:
        if child.nodeType == child.ELEMENT_NODE:
            found.setdefault(child.tagName, _text(child).strip())
    metadata = {}
    author = found.get("dc:creator") or found.get("meta:initial-creator")
    if author:
        metadata["author"] = author
    date = found.get("dc:date") or found.get("meta:creation-date")
    if date:
        metadata["date"] = date
    return metadata
