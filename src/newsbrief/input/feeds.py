"""RSS and Atom feeds as input: each entry becomes one JSON article under OUTPUT_DIR/_feeds/,
which the run then reads like any file of the input folder.

An entry's file is named by its feed and its id (the entry's `id`, else its link, else its
title), so its article id is the same every night; the file is rewritten only when what the
entry says changed, so a cron run translates the new and changed entries and finds the rest up
to date. Entries that leave the feed (feeds hold the latest few) keep their files and articles.
The body is the entry's content, else its summary; HTML in it becomes paragraphs (trafilatura,
else the text of its block elements). feedparser reads a URL or a file alike.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.errors import FeedUnreadable
from newsbrief.input.ids import slug_for

FEED_SUFFIXES = (".rss", ".atom")  # files of the input folder read as feeds
BLOCKS = ("p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre")


@dataclass
class StagedFeeds:
    files: list[Path] = field(default_factory=list)  # one JSON article per entry, in feed order
    problems: list[tuple[str, str]] = field(default_factory=list)  # (feed, why it could not be read)


def stage_feeds(sources: tuple[str, ...], folder: Path) -> StagedFeeds:
    """Each feed's entries as files under `folder` (OUTPUT_DIR/_feeds), and the feeds that failed."""
    staged = StagedFeeds()
    for source in sources:
        try:
            staged.files += _stage_one(source, folder)
        except FeedUnreadable as error:
            staged.problems.append((source, str(error)))
    return staged


def _stage_one(source: str, root: Path) -> list[Path]:
    import feedparser  # loaded only when a run has a feed

    parsed = feedparser.parse(source)
    # feedparser reads what it can of a broken feed (as feed readers do): the entries with a
    # title or a body are taken; none is a feed that could not be read.
    usable = [entry for entry in parsed.entries if entry.get("title") or _body(entry).strip()]
    if not usable:
        reason = getattr(parsed, "bozo_exception", None) or "no entry with a title or a body"
        raise FeedUnreadable(f"not a readable RSS or Atom feed: {reason}")
    title = str(parsed.feed.get("title") or source)
    folder = root / f"{slug_for(Path(title))[:40]}-{_digest(source)}"
    folder.mkdir(parents=True, exist_ok=True)
    return [_write_entry(folder, title, entry) for entry in usable]


def _write_entry(folder: Path, feed_title: str, entry) -> Path:
    key = str(entry.get("id") or entry.get("link") or entry.get("title") or "")
    record = {
        "title": str(entry.get("title") or "").strip(),
        "date": str(entry.get("published") or entry.get("updated") or ""),
        "author": str(entry.get("author") or ""),
        "url": str(entry.get("link") or ""),
        "feed": feed_title,
        "entry_id": key,
        "body": _body(entry),
    }
    record = {name: value for name, value in record.items() if value}
    path = folder / f"{slug_for(Path(record.get('title') or 'entry'))[:48]}-{_digest(key)}.json"
    text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:  # unchanged: its hash stays
        path.write_text(text, encoding="utf-8")
    return path


def _body(entry) -> str:
    parts = entry.get("content") or []
    summary = {"value": entry.get("summary", ""), "type": entry.get("summary_detail", {}).get("type", "")}
    content = parts[0] if parts else summary
    value = str(content.get("value") or "")
    if "html" not in str(content.get("type") or "text/html"):
        return value
    return "\n\n".join(_html_paragraphs(value))


def _html_paragraphs(html: str) -> list[str]:
    import lxml.html
    import trafilatura

    extracted = trafilatura.extract(html, include_comments=False, include_tables=False)
    if extracted and extracted.strip():
        return [" ".join(line.split()) for line in extracted.splitlines() if line.strip()]
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    blocks = [" ".join(element.text_content().split()) for element in root.iter(*BLOCKS)]
    return [block for block in blocks if block] or [" ".join(root.text_content().split())]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
