"""Review pages for editors: static HTML, the original and its translations side by side.

`OUTPUT_DIR/_review/index.html` lists every article (failed and flagged first), with the
article's date and a filter by state; `_review/<id>.html` shows one: a bar that stays on top
(the index, the previous and next article in the index's order, the page's sections); what was
flagged, folded into one line when it is long, each item a link to its line; the summaries; one
row per line of the aligned files (paragraph breaks too, so the numbers run on as in the files),
with figure k and quote k in the same colour in every column; the metadata. Each summary
sentence links to the lines it was traced to (fidelity/provenance.py): hovering or focusing it lights
those rows up, by CSS `:has()` rules written for the page, and one with no source is struck
through in red. The filter, too, is CSS (radio buttons and `:has()`).

Article text is untrusted input: every piece of it goes through `html.escape`, and the pages
carry no script at all and a Content-Security-Policy that would forbid one. Nothing is fetched
(inline CSS, no fonts, no images), so a page opens from a file on a machine with no network.
Article ids never start with `_` (input/ids.py), so `_review` cannot collide with an article folder.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from html import escape
from pathlib import Path

from newsbrief.fidelity.glossary import glossary_of_record
from newsbrief.fidelity.verify import unsupported_problem
from newsbrief.output.article_json import no_summary_reason
from newsbrief.output.folder import (
    ALIGNMENT_JSONL,
    ARTICLE_JSON,
    REVIEW_DIR,
    REVIEW_INDEX,
    REVIEW_NEIGHBOURS,
    STAGING_PREFIX,
    review_page_name,
    source_name,
)
from newsbrief.output.manifest import ArticleRow, Manifest
from newsbrief.output.review_marks import highlight, source_marks, target_marks, term_marks
from newsbrief.text.dates import calendar_date, dateline_date

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5em;color:#111;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.35em .5em;vertical-align:top}
th{background:#f3f3f3;text-align:left}tr.flagged td{background:#fff1f0}
.problems{border:2px solid #c00;background:#fff5f5;padding:.5em 1em;margin:1em 0}
.problems h2{color:#c00;margin:.2em 0}
.reason{color:#a00;font-size:.85em;margin-top:.3em}.state-failed,.state-parked{color:#c00;font-weight:bold}
mark{border-radius:3px;padding:0 2px}mark.invented{outline:2px solid #d00;background:#fff}
mark.f0{background:#ffe08a}mark.f1{background:#b8e3ff}mark.f2{background:#c8f2c2}mark.f3{background:#ffc9de}
mark.f4{background:#e2d3ff}mark.f5{background:#ffd6b0}mark.f6{background:#c9f0ee}mark.f7{background:#e8e8a8}
mark.q0,mark.q1,mark.q2,mark.q3,mark.q4,mark.q5,mark.q6,mark.q7{background:none;border-bottom:3px solid}
mark.q0{border-color:#7a4fd6}mark.q1{border-color:#d6804f}mark.q2{border-color:#2f9e6e}mark.q3{border-color:#c03a7a}
mark.q4{border-color:#3a6ec0}mark.q5{border-color:#9e8a2f}mark.q6{border-color:#2f8e9e}mark.q7{border-color:#7a7a7a}
.meta{font-size:.9em;color:#333}.line{color:#777;font-size:.85em}
a.sentence{color:inherit;text-decoration:none;border-bottom:1px dotted #888}
a.sentence:hover,a.sentence:focus{background:#fff3b0}
.unsupported{text-decoration:line-through;text-decoration-color:#c00;color:#700}
nav.bar{position:sticky;top:0;background:#fff;padding:.4em 0;border-bottom:1px solid #ddd;z-index:1}
nav.bar a{margin-right:.9em}nav.bar .sections{color:#777}
details.problems>summary{cursor:pointer;font-weight:bold;color:#c00;font-size:1.1em}
details.problems ul{max-height:45vh;overflow:auto}
table.segments{table-layout:fixed}col.line{width:3.2em}td{overflow-wrap:anywhere}
tr.break td{padding:0 .5em;height:.7em;font-size:.7em;background:#fafafa}
mark.term{background:none;outline:1px dashed #556;outline-offset:1px}
mark.f0,mark.f1,mark.f2,mark.f3,mark.f4,mark.f5,mark.f6,mark.f7,mark.invented{white-space:nowrap}
.filter label{margin-right:1em}.filter input{margin-right:.3em}
td.state,td.date{white-space:nowrap}th{overflow-wrap:normal}
"""
FILTERS = (  # radio id, label, the rows it shows (data-show)
    ("show-all", "all", None),
    ("show-failed", "failed or parked", "failed"),
    ("show-flagged", "flagged", "flagged"),
    ("show-clean", "done, nothing flagged", "clean"),
    ("show-skipped", "skipped", "skipped"),
)
OPEN_PROBLEMS = 5  # a longer flagged list is folded into its one-line summary
SECTIONS = (
    ("flagged", "flagged"),
    ("summaries", "summaries"),
    ("lines", "side by side"),
    ("metadata", "metadata"),
)
SOURCE_CSS = "{background:#fff3b0;outline:2px solid #e0b000}"  # a summary sentence's source rows
HEAD = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title}</title><style>{css}</style></head><body>\n"
)


@dataclass
class IndexRow:
    """What the index shows of one article: no more, so a big folder's index stays small."""

    id: str
    state: str
    lang: str = ""
    title: str = ""
    translations: str = ""
    figures: str = ""
    quotes: str = ""
    flagged_segments: int = 0
    summary_problems: int = 0
    flagged: bool = False  # the fidelity record's verdict: what the run, `status` and --strict count
    reason: str = ""
    has_page: bool = False
    date: str = ""  # the article's own date (its metadata), not when it was processed

    @property
    def group(self) -> str:
        """Which filter of the index shows it."""
        if self.state in ("failed", "parked", "skipped"):
            return "failed" if self.state != "skipped" else "skipped"
        return "flagged" if self.flagged else "clean"


def write_review(out_dir: Path, manifest: Manifest, touched: set[str] | None = None) -> Path:
    """Write the index and the article pages; only the pages of `touched` ids (and any page that
    is missing) when given, every page otherwise. Returns the index's path."""
    folder = out_dir / REVIEW_DIR
    folder.mkdir(exist_ok=True)
    articles = manifest.articles()
    rows = {article.id: _index_row(out_dir, article) for article in articles}
    neighbours = _neighbours(sorted(rows.values(), key=_order))
    linked = _read_neighbours(folder)  # what the pages written before link to
    for article in articles:
        page = folder / review_page_name(article.id)
        stale = linked.get(article.id) != neighbours.get(article.id)
        if touched is None or article.id in touched or not page.exists() or stale:
            _write_atomically(page, _article_page(out_dir, article, rows[article.id], neighbours))
    _write_atomically(folder / REVIEW_NEIGHBOURS, json.dumps(neighbours, sort_keys=True, indent=0) + "\n")
    index = folder / REVIEW_INDEX
    _write_atomically(index, _index_page(list(rows.values())))
    return index


def _neighbours(ordered: list[IndexRow]) -> dict[str, list[str]]:
    """Each page's previous and next page in the index's order ("" at either end): a page is
    rewritten when these change, so its links never point at the wrong article."""
    ids = [row.id for row in ordered if row.has_page]
    return {
        article_id: [ids[k - 1] if k else "", ids[k + 1] if k + 1 < len(ids) else ""]
        for k, article_id in enumerate(ids)
    }


def _read_neighbours(folder: Path) -> dict[str, list[str]]:
    try:
        return json.loads((folder / REVIEW_NEIGHBOURS).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or damaged: every page is rewritten
        return {}


def _write_atomically(path: Path, text: str) -> None:
    staging = path.with_name(f"{STAGING_PREFIX}{uuid.uuid4().hex[:8]}-{path.name}")
    staging.write_text(text, encoding="utf-8")
    os.replace(staging, path)


def _record(out_dir: Path, article_id: str) -> dict | None:
    path = out_dir / article_id / ARTICLE_JSON
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _index_row(out_dir: Path, article: ArticleRow) -> IndexRow:
    state = "parked" if article.parked else article.status
    row = IndexRow(article.id, state, article.lang, reason=article.error)
    record = _record(out_dir, article.id) if state == "done" else None
    if record is None:
        row.title = Path(article.source_path).name
        row.has_page = state in ("failed", "parked")
        return row
    totals = record["fidelity"]["totals"]
    row.title = record.get("title", "")
    metadata = record.get("metadata", {})
    written = str(metadata.get("date") or metadata.get("published") or "")
    opening = "" if written else _opening(out_dir, article.id, article.lang)
    row.date = calendar_date(written) if written else dateline_date(opening)
    row.translations = ", ".join(record.get("translations", {}))
    row.figures = f"{totals['figures_kept']}/{totals['figures_total']}"
    row.quotes = f"{totals['quotes_kept']}/{totals['quotes_total']}"
    row.flagged_segments = int(totals["flagged_segments"])
    row.summary_problems = int(totals["summary_problems"])
    row.flagged = bool(totals["flagged"])
    row.has_page = True
    return row


def _opening(out_dir: Path, article_id: str, lang: str) -> str:
    """The source's first line after its title: where a dateline opens the body."""
    path = out_dir / article_id / source_name(lang)
    lines = path.read_text(encoding="utf-8").split("\n")[1:] if path.is_file() else []
    return next((line for line in lines if line.strip()), "")


def _order(row: IndexRow) -> tuple:
    """Failed and parked first, then flagged (most flagged first), then the rest; skipped last."""
    rank = {"failed": 0, "parked": 0, "skipped": 3}.get(row.state, 1)
    if rank == 1 and not row.flagged:
        rank = 2
    return (rank, -row.flagged_segments, -row.summary_problems, row.id)


def _index_page(rows: list[IndexRow]) -> str:
    rows = sorted(rows, key=_order)
    flagged = sum(1 for r in rows if r.flagged)
    failed = sum(1 for r in rows if r.state in ("failed", "parked"))
    skipped = sum(1 for r in rows if r.state == "skipped")  # files that are not articles
    parts = [HEAD.format(title="newsbrief review", css=CSS + _filter_css())]
    parts.append(
        f"<h1>newsbrief review</h1><p>{len(rows) - skipped} article(s): {failed} failed or parked, "
        f"{flagged} flagged; {skipped} file(s) skipped as not articles. Failed first, then the "
        "most flagged.</p>"
    )
    parts.append(_filter(rows))
    parts.append(
        "<table><thead><tr><th>article</th><th>state</th><th>date</th><th>language</th>"
        "<th>translations</th><th>figures kept</th><th>quotes kept</th><th>flagged lines</th>"
        "<th>summary problems</th></tr></thead><tbody>\n"
    )
    for row in rows:
        name = escape(row.title or row.id)
        link = f'<a href="{escape(review_page_name(row.id))}">{name}</a>' if row.has_page else name
        reason = f'<div class="reason">{escape(row.reason)}</div>' if row.reason else ""
        css = ' class="flagged"' if row.flagged else ""
        parts.append(
            f'<tr{css} data-id="{escape(row.id)}" data-show="{row.group}"><td>{link}'
            f'<div class="line">{escape(row.id)}</div>{reason}</td>'
            f'<td class="state state-{escape(row.state)}">{escape(row.state)}</td>'
            f'<td class="date">{escape(row.date)}</td>'
            f"<td>{escape(row.lang)}</td><td>{escape(row.translations)}</td><td>{row.figures}</td>"
            f"<td>{row.quotes}</td><td>{row.flagged_segments}</td><td>{row.summary_problems}</td></tr>\n"
        )
    parts.append("</tbody></table></body></html>\n")
    return "".join(parts)


def _filter(rows: list[IndexRow]) -> str:
    """Radio buttons, each with its count; the CSS of `_filter_css` hides the other rows."""
    counts = {group: sum(1 for r in rows if r.group == group) for _, _, group in FILTERS if group}
    buttons = []
    for radio, label, group in FILTERS:
        count = len(rows) if group is None else counts[group]
        checked = " checked" if group is None else ""
        buttons.append(
            f'<input type="radio" name="show" id="{radio}"{checked}>'
            f'<label for="{radio}">{label} ({count})</label>'
        )
    return f'<p class="filter">Show: {"".join(buttons)}</p>'


def _filter_css() -> str:
    return "".join(
        f'body:has(#{radio}:checked) tr[data-show]:not([data-show="{group}"]){{display:none}}'
        for radio, _, group in FILTERS
        if group
    )


def _article_page(out_dir: Path, article: ArticleRow, row: IndexRow, neighbours: dict[str, list[str]]) -> str:
    record = _record(out_dir, article.id) if row.state == "done" else None
    title = record.get("title") if record else ""
    parts = [HEAD.format(title=escape(title or article.id), css=CSS)]
    parts.append(_nav(neighbours.get(article.id, ["", ""]), record is not None))
    parts.append(f"<h1>{escape(title or article.id)}</h1>")
    if record is None:
        parts.append(
            f'<div class="problems"><h2>{escape(row.state)}</h2><p>{escape(article.error)}</p>'
            f"<p>source: {escape(article.source_path)}</p></div></body></html>\n"
        )
        return "".join(parts)
    records = _alignment(out_dir / article.id)
    parts.append(_problems(record, records))
    parts.append(_summaries(out_dir / article.id, record))
    parts.append(_segments_table(record, records))
    parts.append(_metadata(record))
    parts.append("</body></html>\n")
    return "".join(parts)


def _nav(neighbours: list[str], sections: bool) -> str:
    """The bar on top: the index, the articles before and after this one in the index, and
    (a written article) the page's own sections."""
    links = [f'<a href="{REVIEW_INDEX}">← all articles</a>']
    for article_id, rel, label in ((neighbours[0], "prev", "‹ previous"), (neighbours[1], "next", "next ›")):
        if article_id:
            links.append(f'<a rel="{rel}" href="{escape(review_page_name(article_id))}">{label}</a>')
    if sections:
        jumps = (
            ("flagged", "flagged"),
            ("summaries", "summaries"),
            ("lines", "side by side"),
            ("metadata", "metadata"),
        )
        inner = "".join(f'<a href="#{anchor}">{label}</a>' for anchor, label in jumps)
        links.append(f'<span class="sections">on this page: {inner}</span>')
    return f'<nav class="bar">{"".join(links)}</nav>'


def _alignment(folder: Path) -> list[dict]:
    lines = (folder / ALIGNMENT_JSONL).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _problems(record: dict, records: list[dict]) -> str:
    items = []
    for segment in records:
        for lang, flags in sorted(segment.get("flags", {}).items()):
            for flag in flags:
                line = segment["line"]
                items.append(
                    f'<li><a href="#line-{line}">line {line}</a> ({escape(lang)}): {escape(flag)}</li>'
                )
    for lang, summary in sorted(record["fidelity"].get("summaries", {}).items()):
        for figure in summary["figures"]["not_in_article"]:
            items.append(f"<li>summary.{escape(lang)}.md: figure not in the article: {escape(figure)}</li>")
        for quote in summary["quotes"]["not_verbatim"]:
            items.append(f"<li>summary.{escape(lang)}.md: quote not verbatim: {escape(quote)}</li>")
        if summary.get("empty"):
            why = no_summary_reason(record, lang)
            said = f"no summary: {why}" if why else "empty"
            items.append(f"<li>summary.{escape(lang)}.md: {escape(said)}</li>")
        for sentence in summary.get("unsupported", []):
            items.append(f"<li>summary.{escape(lang)}.md: {escape(unsupported_problem(sentence))}</li>")
        for problem in summary.get("problems", []):
            items.append(f"<li>summary.{escape(lang)}.md: {escape(problem)}</li>")
    if not items:
        return (
            '<p class="meta" id="flagged">Nothing flagged: every figure and quote came through verbatim.</p>'
        )
    opened = " open" if len(items) <= OPEN_PROBLEMS else ""
    return (
        f'<details class="problems" id="flagged"{opened}><summary>Flagged ({len(items)})</summary>'
        f"<ul>{''.join(items)}</ul></details>"
    )


def _summaries(folder: Path, record: dict) -> str:
    parts = ['<h2 id="summaries">Summaries</h2>']
    rules: list[str] = []
    for lang, entry in record.get("summaries", {}).items():
        path = folder / entry["file"]
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        heading, _, body = text.partition("\n\n") if text.startswith("# ") else ("", "", text)
        title = f"<p><strong>{escape(heading.removeprefix('# '))}</strong></p>" if heading else ""
        traced = record["fidelity"].get("summaries", {}).get(lang, {}).get("sentences", [])
        shown = _traced_sentences(lang, traced, rules) if traced else escape(body.strip())
        parts.append(
            f'<h3>{escape(lang)} <span class="meta">({escape(entry.get("written_by", ""))})</span></h3>'
            f'{title}<p class="summary">{shown}</p>'
        )
    if rules:
        parts.append(f"<style>{''.join(rules)}</style>")
    return "".join(parts)


def _traced_sentences(lang: str, traced: list[dict], rules: list[str]) -> str:
    """Each sentence a link to its first source line; `rules` gets the CSS that lights up all
    of its sources while it is hovered or focused (no script: see the module's docstring)."""
    shown = []
    for k, sentence in enumerate(traced):
        lines = [int(segment) + 1 for segment in sentence["sources"]]
        if not lines:
            text = escape(sentence["text"])
            shown.append(f'<span class="unsupported" title="no source in the article">{text}</span>')
            continue
        anchor = f"sum-{escape(lang)}-{k}"
        rows = ",".join(f"body:has(#{anchor}:hover,#{anchor}:focus) #line-{n} td" for n in lines)
        rules.append(rows + SOURCE_CSS)
        where = ", ".join(str(n) for n in lines)
        shown.append(
            f'<a class="sentence" id="{anchor}" href="#line-{lines[0]}" title="from line(s) {where}">'
            f"{escape(sentence['text'])}</a>"
        )
    return " ".join(shown)


def _segments_table(record: dict, records: list[dict]) -> str:
    source_lang = record["language"]
    languages = [source_lang, *record.get("translations", {})]
    header = "".join(f"<th>{escape(lang)}</th>" for lang in languages)
    columns = '<col class="line">' + "<col>" * len(languages)  # the languages share the width
    parts = [
        f'<h2 id="lines">Side by side</h2><table class="segments"><colgroup>{columns}</colgroup>'
        f"<thead><tr><th>line</th>{header}</tr></thead><tbody>"
    ]
    glossary = glossary_of_record(record.get("glossary", {}).get("terms", []))
    previous = 0
    for segment in records:
        parts += [_break_row(n, len(languages)) for n in range(previous + 1, segment["line"])]
        previous = segment["line"]
        spans = segment.get("spans", [])
        figures = [s for s in spans if s["kind"] == "figure"]
        quotes = [s for s in spans if s["kind"] == "quote"]
        flags = segment.get("flags", {})
        css = ' class="flagged"' if any(flags.values()) else ""
        cells = [f'<td class="line">{segment["line"]}</td>']
        for lang in languages:
            text = segment["text"].get(lang, "")
            if lang == source_lang:
                marks = source_marks(figures, quotes)
            else:
                marks = target_marks(text, figures, quotes)
            marks += term_marks(text, lang, source_lang, segment["text"].get(source_lang, ""), glossary)
            reasons = "".join(f'<div class="reason">{escape(f)}</div>' for f in flags.get(lang, []))
            cells.append(f'<td lang="{escape(lang)}">{highlight(text, marks)}{reasons}</td>')
        line = segment["line"]
        parts.append(f'<tr{css} id="line-{line}" data-line="{line}">{"".join(cells)}</tr>\n')
    parts.append("</tbody></table>")
    return "".join(parts)


def _break_row(line: int, languages: int) -> str:
    """A blank line of the aligned files (a paragraph break), so the numbers run on."""
    return (
        f'<tr class="break" id="line-{line}" data-break="{line}"><td class="line">{line}</td>'
        f'<td colspan="{languages}"></td></tr>\n'
    )


def _metadata(record: dict) -> str:
    rows = [
        ("id", record["id"]),
        ("source", record["source"]["path"]),
        ("encoding", record["source"].get("encoding", "")),
        ("language", record["language"]),
        ("config hash", record.get("config_hash", "")),
    ]
    rows += [(f"metadata: {k}", v) for k, v in record.get("metadata", {}).items()]
    models = record.get("models", {})
    rows += [(f"model {pair}", f"{m['model']} @ {m['revision']}") for pair, m in models.items()]
    summariser = record.get("summariser", {})
    rows.append(("summariser", f"{summariser.get('strategy', '')} {summariser.get('model', '')}".strip()))
    rows += [("warning", w) for w in record.get("warnings", [])]
    cells = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f'<h2 id="metadata">Metadata</h2><table class="meta">{cells}</table>'
