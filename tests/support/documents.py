"""A newsroom's Word and OpenDocument article, built as Word and LibreOffice write one (a Title
style, a heading, a table, a comment and a footnote), and its hand annotation."""

from __future__ import annotations

import datetime
import json
import zipfile
from pathlib import Path

from support.corpus import DATA

EXPECTED = json.loads((DATA / "documents" / "uk-word-energy.expected.json").read_text())
TITLE = EXPECTED["title"]
DATELINE, LEAD, QUOTE, HEADING, AFTER = EXPECTED["paragraphs"][:5]
TABLE = [["Область", "Без світла"], ["Харківщина", "35 400 абонентів"], ["Одещина", "12 900 абонентів"]]
FOOTNOTE = "Дані НЕК «Укренерго»"
COMMENT = "Перевірити цифру з міністерством"
AUTHOR = EXPECTED["metadata"]["author"]
CREATED = datetime.datetime(2023, 11, 24, 8, 15)


def make_docx(path: Path) -> Path:
    """A newsroom's Word file: Title style, a heading, a table, a comment and a footnote."""
    import docx

    document = docx.Document()
    document.add_paragraph(TITLE, style="Title")
    document.add_paragraph(DATELINE)
    lead = document.add_paragraph(LEAD)
    document.add_comment(lead.runs, text=COMMENT, author="Редактор")
    document.add_paragraph("")  # an empty paragraph is no line
    quote = document.add_paragraph(QUOTE.split("Ми")[0])
    quote.add_run("Ми" + QUOTE.split("Ми", 1)[1]).bold = True  # formatting inside a paragraph
    document.add_heading(HEADING, level=2)
    document.add_paragraph(AFTER)
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, TABLE, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.core_properties.author = AUTHOR
    document.core_properties.created = CREATED
    document.save(path)
    _add_footnote(path)
    return path


def _add_footnote(path: Path) -> None:
    """python-docx writes no footnotes: the part Word writes for one, added to the package."""
    footnotes = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        '<w:footnote w:type="separator" w:id="-1"><w:p/></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p/></w:footnote>'
        f'<w:footnote w:id="1"><w:p><w:r><w:t>{FOOTNOTE}</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    with zipfile.ZipFile(path, "a") as package:
        package.writestr("word/footnotes.xml", footnotes)


def make_odt(path: Path) -> Path:
    """The same article as LibreOffice writes it: a Title paragraph, a heading, a table, a
    footnote and a comment (annotation)."""
    from odf import dc, meta
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentText
    from odf.style import Style
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, Note, NoteBody, NoteCitation, P, Span

    document = OpenDocumentText()
    title_style = Style(name="Title", family="paragraph")
    document.styles.addElement(title_style)
    document.text.addElement(P(stylename=title_style, text=TITLE))
    document.text.addElement(P(text=DATELINE))
    lead = P(text=LEAD)
    note = Note(noteclass="footnote", id="ftn1")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text=FOOTNOTE))
    note.addElement(body)
    lead.addElement(note)
    comment = Annotation()
    comment.addElement(P(text=COMMENT))
    lead.addElement(comment)
    document.text.addElement(lead)
    quote = P(text=QUOTE.split("Ми")[0])
    quote.addElement(Span(text="Ми" + QUOTE.split("Ми", 1)[1]))
    document.text.addElement(quote)
    document.text.addElement(H(outlinelevel=2, text=HEADING))
    document.text.addElement(P(text=AFTER))
    table = Table(name="Дані")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for cells in TABLE:
        row = TableRow()
        for text in cells:
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    document.meta.addElement(dc.Creator(text=AUTHOR))
    document.meta.addElement(meta.CreationDate(text=CREATED.isoformat()))
    document.save(str(path))
    return path
