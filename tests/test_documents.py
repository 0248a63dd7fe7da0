"""Word (.docx) and OpenDocument (.odt) articles: made here with python-docx and odfpy, read
back through the same path as every format, and run through the real CLI beside a text file.
What they should read as is annotated by hand in tests/data/documents/*.expected.json."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from support.corpus import ARTICLES
from support.documents import COMMENT, EXPECTED, FOOTNOTE, LEAD, TITLE, make_docx, make_odt
from typer.testing import CliRunner

from newsbrief.article import Article
from newsbrief.cli import EXIT_ARTICLES_FAILED, app
from newsbrief.input.readers import read_article
from newsbrief.input.readers.package import MAX_UNPACKED_BYTES
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.segmenting import segment_article

MAKERS = {"docx": make_docx, "odt": make_odt}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("documents")
    return {kind: make(folder / f"uk-word-energy.{kind}") for kind, make in MAKERS.items()}


def figures_and_quotes(article: Article) -> tuple[list[str], list[str]]:
    doc = segment_article(article, "uk", LanguageIdentifier(), {"uk", "en", "ru"})
    spans = [span for segment in doc.sentences for span in segment.spans]
    return [s.text for s in spans if s.kind == "figure"], [s.text for s in spans if s.kind == "quote"]


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_document_reads_as_its_hand_annotation(documents: dict[str, Path], kind: str) -> None:
    article = read_article(documents[kind])
    assert article.title == EXPECTED["title"]
    assert article.paragraphs == EXPECTED["paragraphs"]
    assert FOOTNOTE not in " ".join(article.paragraphs) and COMMENT not in " ".join(article.paragraphs)
    assert article.metadata == {**EXPECTED["metadata"], "date": EXPECTED["date"][kind]}
    assert article.warnings == [EXPECTED["left_out"][kind]]
    assert figures_and_quotes(article) == (EXPECTED["figures"], EXPECTED["quotes"])


def test_without_a_title_style_the_first_heading_is_the_title(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("КИЇВ")
    document.add_heading("Уряд виділив 500 млн гривень на ремонт доріг", level=1)
    document.add_paragraph("Гроші підуть на 12 мостів.")
    document.save(tmp_path / "a.docx")
    article = read_article(tmp_path / "a.docx")
    assert (article.title, article.paragraphs) == (
        "Уряд виділив 500 млн гривень на ремонт доріг",
        ["КИЇВ", "Гроші підуть на 12 мостів."],
    )


def test_a_damaged_or_bomb_document_fails_alone_and_the_batch_goes_on(
    documents: dict[str, Path], tiny_config: Path, tmp_path: Path
) -> None:
    """Beside the .docx, the .odt and a text article: a .docx that is no zip, an .odt cut in
    half, and a .docx of a few hundred KB that unpacks past the limit (refused unread)."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for path in documents.values():
        shutil.copy(path, source / path.name)
    shutil.copy(ARTICLES / "uk-grain-exports.txt", source)
    (source / "not-a-zip.docx").write_bytes(b"PK\x03\x04 this is no Word file")
    whole = documents["odt"].read_bytes()
    (source / "cut.odt").write_bytes(whole[: len(whole) // 2])
    chunk = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(source / "bomb.docx", "w", zipfile.ZIP_DEFLATED) as bomb,
        bomb.open("word/document.xml", "w") as member,
    ):
        for _ in range(MAX_UNPACKED_BYTES // len(chunk) + 1):
            member.write(chunk)
    assert (source / "bomb.docx").stat().st_size < 2 << 20
    result = CliRunner().invoke(app, ["run", str(source), "--out", str(out), "-c", str(tiny_config)])
    assert result.exit_code == EXIT_ARTICLES_FAILED, result.output
    written = sorted(p.parent.name for p in out.glob("*/article.json"))
    assert len(written) == 3 and "uk-grain-exports" in written, written
    assert len([name for name in written if name.startswith("uk-word-energy")]) == 2, written
    lines = " ".join(result.output.split())
    assert "failed: " in lines and "not-a-zip.docx: not a readable Word file" in lines
    assert "cut.odt: not a readable OpenDocument file" in lines
    assert "bomb.docx: a Word file that unpacks to 257 MB (over 256 MB): refused unread" in lines
    for folder in out.glob("uk-word-energy*"):
        source_lines = (folder / "source.uk.txt").read_text(encoding="utf-8").split("\n")
        assert source_lines[0] == TITLE and LEAD in source_lines
        record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
        assert record["warnings"] and record["warnings"][0].startswith("left out of the article: 1 ")


def build_known_article(kind: str, lines: list[str], path: Path) -> Path:
    """A trained test article (its title and sentences) as a document: the title in the Title
    style, the first sentence in bold inside its paragraph, the last in a table cell."""
    title, *sentences = lines
    if kind == "docx":
        import docx

        document = docx.Document()
        document.add_paragraph(title, style="Title")
        first = document.add_paragraph()
        first.add_run(sentences[0]).bold = True
        for sentence in sentences[1:-1]:
            document.add_paragraph(sentence, style="Quote")
        document.add_table(rows=1, cols=1).rows[0].cells[0].text = sentences[-1]
        document.save(path)
        return path
    from odf.opendocument import OpenDocumentText
    from odf.style import Style
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P, Span

    document = OpenDocumentText()
    title_style = Style(name="Title", family="paragraph")
    document.styles.addElement(title_style)
    document.text.addElement(P(stylename=title_style, text=title))
    first = P()
    first.addElement(Span(text=sentences[0]))
    document.text.addElement(first)
    for sentence in sentences[1:-1]:
        document.text.addElement(P(text=sentence))
    table, row, cell = Table(name="t"), TableRow(), TableCell()
    table.addElement(TableColumn())
    cell.addElement(P(text=sentences[-1]))
    row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    document.save(str(path))
    return path


def styles_of(path: Path) -> list[str]:
    if path.suffix == ".docx":
        import docx

        return [p.style.name for p in docx.Document(path).paragraphs]
    from odf.opendocument import load
    from odf.text import P

    return [str(p.getAttribute("stylename")) for p in load(str(path)).text.getElementsByType(P)]


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_document_comes_out_in_kind_paragraph_by_paragraph_with_its_styles(
    trained_models: Path, tmp_path: Path, kind: str
) -> None:
    """newsmt knows the test article's English: translation.en.<kind> read back with the reader
    holds, paragraph by paragraph, what translation.en.txt holds, and that is the right answer;
    each paragraph keeps its style and place (the table cell stays a table cell)."""
    name = "uk-newsmt-energy"
    known = json.loads((trained_models / "articles" / f"{name}.expected.json").read_text(encoding="utf-8"))
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    document = build_known_article(kind, known["lines"]["uk"], source / f"{name}.{kind}")
    roles = ["-m", f"uk-en={trained_models / 'newsmt'}"]
    options = ["--to", "en", "--summary-languages", "uk", "--summariser", "extractive"]
    result = CliRunner().invoke(app, ["run", str(source), "--out", str(out), *roles, *options])
    assert result.exit_code in (0, 4), result.output
    text = (out / name / "translation.en.txt").read_text(encoding="utf-8").split("\n\n")
    written = read_article(out / name / f"translation.en.{kind}")
    assert [written.title, *written.paragraphs] == [" ".join(p.split("\n")).strip() for p in text]
    assert [written.title, *written.paragraphs] == known["lines"]["en"]
    assert styles_of(out / name / f"translation.en.{kind}") == styles_of(document)
    assert read_article(document).paragraphs[-1] == known["lines"]["uk"][-1]  # the source untouched


@pytest.mark.parametrize("kind", ["docx", "odt"])
def test_summary_documents_come_on_request_and_read_back_as_the_summary(
    documents: dict[str, Path], tiny_config: Path, tmp_path: Path, kind: str
) -> None:
    """`--summary-documents`: summary.<lang>.<kind> beside summary.<lang>.md, its title the
    summary's title and its one paragraph the summary's text; without it, none."""
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(documents[kind], source / f"memo.{kind}")
    plain, asked = tmp_path / "plain", tmp_path / "asked"
    options = ["-c", str(tiny_config), "--summariser", "extractive", "--summary-languages", "uk,en"]
    for out, extra in ((plain, []), (asked, ["--summary-documents"])):
        result = CliRunner().invoke(app, ["run", str(source), "--out", str(out), *options, *extra])
        assert result.exit_code in (0, 4), result.output
    assert not list(plain.glob(f"*/summary.*.{kind}"))
    for lang in ("uk", "en"):
        markdown = (asked / "memo" / f"summary.{lang}.md").read_text(encoding="utf-8")
        title, body = markdown.removeprefix("# ").split("\n\n", 1)
        written = read_article(asked / "memo" / f"summary.{lang}.{kind}")
        assert (written.title, written.paragraphs) == (title, [body.strip()])
