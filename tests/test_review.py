"""Review pages and the TMX export, on a real run over the whole corpus (tiny models), plus an
article that fails and one whose title and body carry HTML and a script."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support.corpus import ARTICLES, BAD
from support.runs import alignment, article_ids
from typer.testing import CliRunner

from newsbrief.cli import EXIT_ARTICLES_FAILED, EXIT_OK, app
from newsbrief.output.review_marks import Mark, highlight, source_marks, target_marks
from newsbrief.text.dates import calendar_date, dateline_date

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


def links(text: str) -> dict[str, str]:
    """rel → href of the page's previous/next links."""
    return dict(re.findall(r'<a rel="(prev|next)" href="([^"]+)\.html">', text))


def index_order(out: Path) -> list[str]:
    """The ids of the index's rows that have a page, top to bottom."""
    index = (out / "_review" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr[^>]* data-id="([^"]+)"[^>]*><td>(<a href)?', index)
    return [article_id for article_id, linked in rows if linked]


def assert_neighbours_follow_the_index(out: Path) -> None:
    order = index_order(out)
    assert len(order) >= 2
    for k, article_id in enumerate(order):
        text = (out / "_review" / f"{article_id}.html").read_text(encoding="utf-8")
        wanted = {"prev": order[k - 1] if k else None, "next": order[k + 1] if k + 1 < len(order) else None}
        assert links(text) == {rel: i for rel, i in wanted.items() if i}, article_id


def test_each_page_links_the_articles_before_and_after_it_in_the_index(reviewed: Path) -> None:
    assert_neighbours_follow_the_index(reviewed)


def test_a_new_article_rewrites_the_pages_whose_neighbours_changed_and_no_other(
    tiny_config: Path, tmp_path: Path
) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    names = ("en-imf-budget.md", "uk-grain-exports.txt", "uk-power-grid.txt", "ru-sanctions-trade.txt")
    for name in names[:3]:
        shutil.copy(ARTICLES / name, source / name)
    command = ["run", str(source), "--out", str(out), "-c", str(tiny_config), "-q"]
    assert CliRunner().invoke(app, command).exit_code == EXIT_OK
    assert_neighbours_follow_the_index(out)
    before = {p.name: p.stat().st_mtime_ns for p in (out / "_review").glob("*.html")}
    order_before = index_order(out)
    shutil.copy(ARTICLES / names[3], source / names[3])
    assert CliRunner().invoke(app, command).exit_code == EXIT_OK
    assert_neighbours_follow_the_index(out)
    order = index_order(out)
    new = Path(names[3]).stem
    k = order.index(new)
    moved = {order[j] for j in (k - 1, k + 1) if 0 <= j < len(order)}
    # Pages whose neighbours are the same as before were left as they were.
    for article_id in set(order_before) - moved:
        page = f"{article_id}.html"
        same = order_before.index(article_id), order.index(article_id)
        was = order_before[max(0, same[0] - 1) : same[0] + 2]
        now = order[max(0, same[1] - 1) : same[1] + 2]
        if was == now:
            assert (out / "_review" / page).stat().st_mtime_ns == before[page], page


def test_line_numbers_run_on_over_paragraph_breaks_and_flags_link_to_their_line(reviewed: Path) -> None:
    for article_id in article_ids(reviewed):
        text = (reviewed / "_review" / f"{article_id}.html").read_text(encoding="utf-8")
        lines = [int(n) for n in re.findall(r'<tr[^>]* data-line="(\d+)"', text)]
        breaks = [int(n) for n in re.findall(r'<tr class="break" id="line-\d+" data-break="(\d+)"', text)]
        assert sorted(lines + breaks) == list(range(1, max(lines) + 1)), article_id
        source = (reviewed / article_id).glob("source.*.txt")
        blank = [
            n for n, line in enumerate(next(source).read_text(encoding="utf-8").splitlines(), 1) if not line
        ]
        assert breaks == [n for n in blank if n < max(lines)], article_id
        targets = re.findall(r'<li><a href="#line-(\d+)">line (\d+)</a>', text)
        assert all(a == b and f'id="line-{a}"' in text for a, b in targets), article_id
        problems = re.search(
            r'<details class="problems" id="flagged"( open)?><summary>Flagged \((\d+)\)', text
        )
        if problems:  # folded when long: the content is on the first screen, not 35 flags
            assert (problems.group(1) is None) == (int(problems.group(2)) > 5), article_id
        for anchor in ("flagged", "summaries", "lines", "metadata"):
            assert f'id="{anchor}"' in text and f'href="#{anchor}"' in text, (article_id, anchor)


def test_figures_never_wrap_and_the_languages_share_the_width(reviewed: Path) -> None:
    text = (reviewed / "_review" / "uk-power-grid.html").read_text(encoding="utf-8")
    css = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    rules = re.findall(r"([^{}]+)\{white-space:nowrap\}", css)
    nowrap = {selector for rule in rules for selector in rule.strip().split(",")}
    used = set(re.findall(r'<mark class="(f\d|invented)"', text))
    assert used and {f"mark.{css_class}" for css_class in used} <= nowrap
    assert "table.segments{table-layout:fixed}" in css
    assert re.search(r'<colgroup><col class="line">(<col>)+</colgroup>', text)


def test_the_index_has_the_articles_dates_and_a_filter_by_state(reviewed: Path) -> None:
    text = (reviewed / "_review" / "index.html").read_text(encoding="utf-8")
    shows = re.findall(r'<tr[^>]* data-id="([^"]+)" data-show="(\w+)"', text)
    assert {group for _, group in shows} <= {"failed", "flagged", "clean", "skipped"}
    assert dict(shows)["truncated"] == "failed"
    for group, count in Counter(group for _, group in shows).items():
        radio = f"show-{group}"
        assert re.search(rf'id="{radio}"><label for="{radio}">[^<]+ \({count}\)</label>', text), group
        assert f'body:has(#{radio}:checked) tr[data-show]:not([data-show="{group}"]){{display:none}}' in text
    record = json.loads((reviewed / "en-imf-budget" / "article.json").read_text(encoding="utf-8"))
    row = re.search(r'data-id="en-imf-budget".*?</tr>', text).group(0)
    assert f'<td class="date">{calendar_date(record["metadata"]["date"])}</td>' in row


def test_the_index_shows_every_date_one_way_and_counts_articles_not_skipped_files(reviewed: Path) -> None:
    """One form (YYYY-MM-DD) never wrapped; a dateline opening the body dates an article whose
    metadata has none ("Київ, 2 листопада 2023 року."); the header's count leaves out the files
    skipped as not articles; a state never breaks mid-word."""
    text = (reviewed / "_review" / "index.html").read_text(encoding="utf-8")
    dates = re.findall(r'<td class="date">([^<]*)</td>', text)
    assert dates and all(re.fullmatch(r"(\d{4}-\d{2}-\d{2})?", d) for d in dates), dates
    grain = json.loads((reviewed / "uk-grain-exports" / "article.json").read_text(encoding="utf-8"))
    assert not grain["metadata"].get("date")
    row = re.search(r'data-id="uk-grain-exports".*?</tr>', text).group(0)
    assert '<td class="date">2023-11-02</td>' in row
    states = re.findall(r'<td class="state state-(\w[\w-]*)">', text)
    skipped = states.count("skipped")
    assert f"<p>{len(states) - skipped} article(s): " in text and f"; {skipped} file(s) skipped" in text
    assert "td.state,td.date{white-space:nowrap}" in text


def test_the_dates_of_metadata_and_datelines_read_as_one_form() -> None:
    for written in (
        "2023-12-08",
        "08.12.2023",
        "8.12.23",
        "2023-12-08T07:40:00+02:00",
        "2023-12-08T05:40:00Z",
        "Fri, 08 Dec 2023 07:40:00 +0200",
        "8 грудня 2023",
        "December 8, 2023",
    ):
        assert calendar_date(written) == "2023-12-08", written
    assert calendar_date("позавчора") == "позавчора"  # never guessed
    assert dateline_date("Москва, 15 марта 2024 г. Правительство") == "2024-03-15"
    assert dateline_date("KYIV, Nov 2, 2023 (Reuters) - Ukraine") == "2023-11-02"
    assert dateline_date("The minister said on 3 March 2024 that") == ""  # not a dateline


@needs_chromium
def test_a_long_unbroken_token_wraps_instead_of_widening_the_pages(tiny_config: Path, tmp_path: Path) -> None:
    """In an 800-pixel window neither the index nor the article's page scrolls sideways."""
    source = tmp_path / "in"
    source.mkdir()
    token = "https://example.org/" + "x" * 200  # a title takes up to 300 characters
    (source / "long-token.txt").write_text(
        f"Budget vote {token}\n\nThe ministry published the plan at {token} on Monday, saying costs rose "
        "12.5%.\n\nThe vote is on Friday.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run = ["run", str(source), "--out", str(out), "-c", str(tiny_config), "--summariser", "extractive"]
    result = CliRunner().invoke(app, [*run, "-q"])  # the summary, the title: outside the tables
    assert result.exit_code in (EXIT_OK, 4), result.output
    for name in ("index", "long-token"):
        page = out / "_review" / f"{name}.html"
        probe = page.with_name(f"probe-{name}.html")
        measure = (
            "<script>window.addEventListener('load',()=>{document.body.setAttribute('data-wide',"
            "String(document.documentElement.scrollWidth>window.innerWidth))})</script></body>"
        )
        html = re.sub(
            r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text(encoding="utf-8")
        )
        probe.write_text(html.replace("</body>", measure), encoding="utf-8")  # the page forbids scripts
        dom = chromium("--window-size=800,1000", "--dump-dom", probe.as_uri(), profile=tmp_path / name)
        assert 'data-wide="false"' in dom.stdout, (name, dom.stdout[-500:])
