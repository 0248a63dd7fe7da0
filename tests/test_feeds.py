"""RSS and Atom feeds as input (feeds.py): entries as articles with their title, date, author
and link; stable ids; a second night translates only new or changed entries. Feed files on
disk, the real CLI in a subprocess, the tiny models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support.corpus import ARTICLES
from support.newsroom import FIRST, LEAD, SECOND, item, newsroom_folder, rss
from support.runs import night

from newsbrief.cli import EXIT_ARTICLES_FAILED, EXIT_OK


def states(events: list[dict]) -> dict[str, str]:
    return {Path(e["source"]).name: e["state"] for e in events if e["event"] == "article"}


def test_a_folder_of_documents_text_and_a_feed_runs_in_one_command_and_feeds_are_incremental(
    tiny_config: Path, tmp_path: Path
) -> None:
    source, out, atom = newsroom_folder(tmp_path)
    code, events = night(source, out, tiny_config, "--feed", str(atom))
    assert code == EXIT_OK, events
    first = states(events)
    assert list(first.values()).count("done") == 6 and set(first.values()) == {"done"}, first
    assert {"memo.docx", "desk.odt", "uk-grain-exports.txt"} <= set(first)
    entries = sorted(out.glob("_feeds/*/*.json"))
    assert len(entries) == 3
    ids = {e["id"] for e in events if e["event"] == "article"}
    # The id holds the entry's slugged title and digests (which may hold any digits).
    drones = next(i for i in ids if "збили-30-дронів" in i)
    record = json.loads((out / drones / "article.json").read_text(encoding="utf-8"))
    assert record["title"] == "Сили оборони збили 30 дронів"
    assert record["metadata"]["url"] == "https://example.net/n-1"
    assert record["metadata"]["date"] == "Fri, 24 Nov 2023 08:15:00 +0200"
    assert "Олена Коваль" in record["metadata"]["author"]
    written = (out / record["id"] / f"source.{record['language']}.txt").read_text(encoding="utf-8")
    assert LEAD in written and "Реклама" not in written
    # The next night: nothing new, nothing redone.
    code, events = night(source, out, tiny_config, "--feed", str(atom))
    assert code == EXIT_OK and set(states(events).values()) == {"up-to-date"}, states(events)
    # An entry edited and one new: those two, and only those, are translated; ids are kept.
    edited = SECOND.replace("12 мостів", "14 мостів")
    new = item("n-3", "Інфляція сповільнилася до 5,1%", "<p>Інфляція в жовтні сповільнилася до 5,1%.</p>")
    (source / "news.rss").write_text(rss(FIRST, edited, new), encoding="utf-8")
    code, events = night(source, out, tiny_config, "--feed", str(atom))
    third = states(events)
    assert code == EXIT_OK
    assert sorted(state for state in third.values() if state == "done") == ["done", "done"], third
    assert {e["id"] for e in events if e["event"] == "article"} >= ids


def test_a_feed_that_cannot_be_read_is_one_failed_line_and_the_rest_goes_on(
    tiny_config: Path, tmp_path: Path
) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    shutil.copy(ARTICLES / "uk-grain-exports.txt", source)
    (source / "broken.rss").write_text("<rss><channel><item><title>cut", encoding="utf-8")
    code, events = night(source, out, tiny_config)
    assert code == EXIT_ARTICLES_FAILED
    got = {
        Path(e["source"]).name: (e["state"], e.get("reason", "")) for e in events if e["event"] == "article"
    }
    assert got["uk-grain-exports.txt"][0] == "done"
    assert got["broken.rss"][0] == "failed" and "not a readable RSS or Atom feed" in got["broken.rss"][1]
