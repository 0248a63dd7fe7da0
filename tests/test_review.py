"""Review pages and the TMX export, on a real run over the whole corpus (tiny models), plus an
article that fails and one whose title and body carry HTML and a script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import ARTICLES, BAD
from typer.testing import CliRunner

from newsbrief.cli import EXIT_ARTICLES_FAILED, EXIT_OK, app
from newsbrief.review import Mark, highlight, source_marks, target_marks

SCRIPT_LINE = '<script>alert("x")</script>'
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


class Page(HTMLParser):
    """What the tests look at: the table rows, the marks in each cell, the tags used."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.rows: list[dict] = []  # attributes, and per cell: text, marks [(class, text)]
        self._cell: dict | None = None
        self._marks: list[list] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        attributes = dict(attrs)
        if tag == "tr":
            self.rows.append({"attrs": attributes, "cells": []})
        elif tag == "td" and self.rows:
            self._cell = {"text": "", "marks": [], "lang": attributes.get("lang")}
            self.rows[-1]["cells"].append(self._cell)
        elif tag == "mark" and self._cell is not None:
            self._marks.append([attributes.get("class", ""), ""])
            self._cell["marks"].append(self._marks[-1])

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._cell = None
        elif tag == "mark" and self._marks:
            self._marks.pop()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        for mark in self._marks:
            mark[1] += data


@pytest.fixture(scope="module")
def reviewed(tiny_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run over the corpus, truncated.json (fails) and an article carrying markup."""
    source = tmp_path_factory.mktemp("review") / "in"
    shutil.copytree(ARTICLES, source)
    shutil.copy(BAD / "truncated.json", source / "truncated.json")
    (source / "en-script.md").write_text(
        f"---\ntitle: 'Budget <b>vote</b> {SCRIPT_LINE}'\n---\n\n"
        f"The minister wrote {SCRIPT_LINE} in a memo on 3 March, saying costs rose 12.5%.\n",
        encoding="utf-8",
    )
    out = source.parent / "out"
    result = CliRunner().invoke(app, ["run", str(source), "--out", str(out), "-c", str(tiny_config), "-q"])
    assert result.exit_code == EXIT_ARTICLES_FAILED, result.output
    return out


def article_ids(out: Path) -> list[str]:
    return sorted(p.parent.name for p in out.glob("*/article.json"))


def alignment(out: Path, article_id: str) -> list[dict]:
    lines = (out / article_id / "alignment.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_the_index_lists_every_article_failed_first_then_flagged(reviewed: Path) -> None:
    index = Page((reviewed / "_review" / "index.html").read_text(encoding="utf-8"))
    listed = [row["attrs"]["data-id"] for row in index.rows if "data-id" in row["attrs"]]
    assert sorted(listed) == sorted([*article_ids(reviewed), "truncated"])
    assert listed[0] == "truncated" and "invalid JSON" in index.rows[1]["cells"][0]["text"]
    flagged = [
        "flagged" in (row["attrs"].get("class") or "") for row in index.rows if "data-id" in row["attrs"]
    ]
    assert flagged[1:] == sorted(flagged[1:], reverse=True)  # flagged before unflagged
    assert (reviewed / "_review" / "truncated.html").is_file()


def test_every_page_has_a_row_per_segment_with_the_spans_marked(reviewed: Path) -> None:
    for article_id in article_ids(reviewed):
        page = Page((reviewed / "_review" / f"{article_id}.html").read_text(encoding="utf-8"))
        rows = [row for row in page.rows if "data-line" in row["attrs"]]
        records = alignment(reviewed, article_id)
        assert [int(r["attrs"]["data-line"]) for r in rows] == [rec["line"] for rec in records], article_id
        for row, record in zip(rows, records, strict=True):
            source_cell = row["cells"][1]
            assert source_cell["text"].startswith(record["text"][record["lang"]])
            marked = sorted((cls[0], text) for cls, text in source_cell["marks"])
            spans = sorted((s["kind"][0], s["text"]) for s in record["spans"])
            assert marked == spans, (article_id, record["line"])
            assert ("flagged" in (row["attrs"].get("class") or "")) == any(record["flags"].values())


def cell(html: str) -> str:
    return f"<table><tr><td>{html}</td></tr></table>"


def test_figures_get_the_same_colour_in_both_columns() -> None:
    source = [{"kind": "figure", "start": 0, "end": 5, "text": "1 200"}]
    left = Page(cell(highlight("1 200 homes", source_marks(source, []))))
    right_text = "1,200 homes and 7 more"
    right = Page(cell(highlight(right_text, target_marks(right_text, source, []))))
    assert left.rows[0]["cells"][0]["marks"] == [["f0", "1 200"]]
    assert right.rows[0]["cells"][0]["marks"] == [["f0", "1,200"], ["invented", "7"]]


def test_nested_marks_and_escaping() -> None:
    text = 'He said "<b>12%</b> & more"'
    html = highlight(text, [Mark(9, 26, "q0", "quote 1"), Mark(12, 15, "f0", "figure 1")])
    assert "<b>" not in html and "&lt;b&gt;" in html and "&amp;" in html
    assert Page(cell(html)).rows[0]["cells"][0]["text"] == text


def test_markup_in_an_article_is_shown_as_text(reviewed: Path) -> None:
    text = (reviewed / "_review" / "en-script.html").read_text(encoding="utf-8")
    page = Page(text)
    assert "script" not in page.tags and "b" not in page.tags
    assert any(SCRIPT_LINE in cell["text"] for row in page.rows for cell in row["cells"])
    assert "Content-Security-Policy" in text


def test_tmx_export_parses_back_to_the_alignment(reviewed: Path, tmp_path: Path) -> None:
    target = tmp_path / "memory.tmx"
    result = CliRunner().invoke(app, ["export", str(reviewed), "--format", "tmx", "-o", str(target)])
    assert result.exit_code == EXIT_OK, result.output
    root = ET.parse(target).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    assert root.find("header").get("srclang") == "*all*"
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    units = {}
    for unit in root.iter("tu"):
        props = {p.get("type"): p.text for p in unit.findall("prop")}
        variants = [(v.get(lang), v.find("seg").text or "") for v in unit.findall("tuv")]
        assert unit.get("srclang") == variants[0][0]
        units[(props["x-newsbrief-article"], int(props["x-newsbrief-line"]), variants[1][0])] = variants
    expected = {}
    for article_id in article_ids(reviewed):
        for record in alignment(reviewed, article_id):
            source = record["text"][record["lang"]]
            for target_lang, text in record["text"].items():
                if target_lang != record["lang"] and text and text != source:
                    expected[(article_id, record["line"], target_lang)] = [
                        (record["lang"], source),
                        (target_lang, text),
                    ]
    assert units == expected and units


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(profile)}
    command = [CHROMIUM or "chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="no chromium here (CI installs it)"
)


@needs_chromium
def test_the_console_check_can_fail(tmp_path: Path) -> None:
    """A control: a page that does log an error must be caught, or the next test proves nothing."""
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>console.error('boom'); nope();</script></body></html>")
    shown = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    assert console_errors(shown.stderr)


@needs_chromium
def test_pages_render_in_a_real_browser_without_errors(reviewed: Path, tmp_path: Path) -> None:
    for name in ("index", "uk-power-grid", "en-script"):
        page = reviewed / "_review" / f"{name}.html"
        shot = tmp_path / f"{name}.png"
        taken = chromium(
            "--window-size=1000,1200", f"--screenshot={shot}", page.as_uri(), profile=tmp_path / name
        )
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", taken.stderr
        assert not console_errors(taken.stderr), name
    dom = chromium("--dump-dom", (reviewed / "_review" / "en-script.html").as_uri(), profile=tmp_path / "dom")
    rendered = Page(dom.stdout)
    assert "script" not in rendered.tags
    assert any(SCRIPT_LINE in cell["text"] for row in rendered.rows for cell in row["cells"])
