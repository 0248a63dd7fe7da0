"""RSS and Atom feeds as input (feeds.py): entries as articles with their title, date, author
and link; stable ids; a second night translates only new or changed entries. Feed files on
disk, the real CLI in a subprocess, the tiny models."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ARTICLES
from test_documents import make_docx, make_odt
from test_unattended import json_lines, run_quietly

from newsbrief.cli import EXIT_ARTICLES_FAILED, EXIT_OK

LEAD = "Сили оборони за ніч збили 30 із 35 дронів, повідомили в Повітряних силах."
QUOTE = "«Ситуація під контролем», — заявив міський голова."


def item(guid: str, title: str, body_html: str, date: str = "Fri, 24 Nov 2023 08:15:00 +0200") -> str:
    return (
        f"<item><guid>{guid}</guid><title>{title}</title><link>https://example.net/{guid}</link>"
        f"<author>desk@example.net (Олена Коваль)</author><pubDate>{date}</pubDate>"
        f"<content:encoded><![CDATA[{body_html}]]></content:encoded></item>"
    )


def rss(*items: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Стрічка новин</title>'
        f"<link>https://example.net/</link><description>d</description>{''.join(items)}</channel></rss>"
    )


FIRST = item(
    "n-1", "Сили оборони збили 30 дронів", f"<p>{LEAD}</p><p>{QUOTE}</p><div class='ad'>Реклама</div>"
)
SECOND = item(
    "n-2", "Кабмін виділив 500 млн гривень", "<p>Уряд виділив 500 млн гривень на ремонт 12 мостів.</p>"
)
ATOM = (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>'
    "<id>urn:wire</id><updated>2023-12-12T10:00:00Z</updated><entry><id>urn:wire:1</id>"
    "<title>IMF approves $900 million tranche</title><updated>2023-12-12T10:00:00Z</updated>"
    '<author><name>Staff reporter</name></author><link href="https://wire.example/1"/>'
    "<summary type='text'>The IMF approved a $900 million tranche for Ukraine on 12 December, "
    "bringing disbursements to $15.6 billion.</summary></entry></feed>"
)


def newsroom_folder(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A folder of a Word file, an OpenDocument file, a text article and an RSS feed; the output
    folder; an Atom feed outside the folder (for --feed)."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    make_docx(source / "memo.docx")
    make_odt(source / "desk.odt")
    shutil.copy(ARTICLES / "uk-grain-exports.txt", source)
    (source / "news.rss").write_text(rss(FIRST, SECOND), encoding="utf-8")
    atom = tmp_path / "wire.atom"
    atom.write_text(ATOM, encoding="utf-8")
    return source, out, atom


def states(events: list[dict]) -> dict[str, str]:
    return {Path(e["source"]).name: e["state"] for e in events if e["event"] == "article"}


def night(source: Path, out: Path, config: Path, *extra: str) -> tuple[int, list[dict]]:
    done = run_quietly("run", source, "--out", out, "-c", config, "--log-format", "json", *extra)
    return done.returncode, json_lines(done.stdout)


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
    record = next(
        json.loads((out / i / "article.json").read_text(encoding="utf-8")) for i in ids if "30" in i
    )
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
