"""RSS and Atom feeds as input: each entry becomes one JSON article under OUTPUT_DIR/_feeds/,
which the run then reads like any file of the input folder.

An entry's file is named by its feed and its id (the entry's `id`, else its link, else its
title), so its article id is the same every night; the file is rewritten only when what the
entry says changed, so a cron run translates the new and changed entries and finds the rest up
to date. Entries that leave the feed (feeds hold the latest few) keep their files and articles.
The body is the entry's content, else its summary; HTML in it becomes paragraphs (trafilatura,
else the text of its block elements). Every feed's bytes come through the input gate
(input/gate.py); feedparser parses them and never fetches.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.errors import ArticleSkipped, FeedUnreadable
from newsbrief.input.gate import InputLimits, read_feed
from newsbrief.input.ids import slug_for

FEED_SUFFIXES = (".rss", ".atom")  # files of the input folder read as feeds
BLOCKS = ("p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre")


@dataclass
class FeedProblem:
    source: str  # the feed's URL or file
    reason: str
    skipped: bool = False  # skipped (too large, not a file, a repeated entry), else failed


@dataclass
class StagedFeeds:
    files: list[Path] = field(default_factory=list)  # one JSON article per entry, in feed order
    problems: list[FeedProblem] = field(default_factory=list)


def stage_feeds(sources: tuple[str, ...], folder: Path, limits: InputLimits) -> StagedFeeds:
    """Each feed's entries as files under `folder` (OUTPUT_DIR/_feeds), each feed read through
    the input gate (input/gate.py: its size cap, and a URL's timeout), and what went wrong."""
    staged = StagedFeeds()
    for source in sources:
        try:
            files, repeated = _stage_one(source, read_feed(source, limits), folder)
        except FeedUnreadable as error:
            staged.problems.append(FeedProblem(source, str(error)))
            continue
        except ArticleSkipped as error:
            staged.problems.append(FeedProblem(source, str(error), skipped=True))
            continue
        staged.files += files
        for key in repeated:
            reason = f"a repeated entry (id {key[:200]!r}): the first one is kept"
            staged.problems.append(FeedProblem(source, reason, skipped=True))
    return staged


def _stage_one(source: str, data: bytes, root: Path) -> tuple[list[Path], list[str]]:
    """The entries' files, and the keys of entries repeated in the feed (republished items keep
    their guid: only the first of each is staged)."""
    import feedparser  # loaded only when a run has a feed

    parsed = feedparser.parse(io.BytesIO(data))  # a stream: feedparser fetches nothing itself
    # feedparser reads what it can of a broken feed (as feed readers do): the entries with a
    # title or a body are taken; none is a feed that could not be read.
    usable = [entry for entry in parsed.entries if entry.get("title") or _body(entry).strip()]
    if not usable:
        reason = getattr(parsed, "bozo_exception", None) or "no entry with a title or a body"
        raise FeedUnreadable(f"not a readable RSS or Atom feed: {reason}")
    title = str(parsed.feed.get("title") or source)
    folder = root / f"{slug_for(Path(title))[:40]}-{_digest(source)}"
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    seen: set[str] = set()
    repeated: list[str] = []
    for entry in usable:
        key = _key(entry)
        if key in seen:
            repeated.append(key)
            continue
        seen.add(key)
        files.append(_write_entry(folder, title, entry, key))
    return files, repeated


def _key(entry) -> str:
    """What identifies an entry across nights: its id, else its link, else its title."""
    return str(entry.get("id") or entry.get("link") or entry.get("title") or "")


def _write_entry(folder: Path, feed_title: str, entry, key: str) -> Path:
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
