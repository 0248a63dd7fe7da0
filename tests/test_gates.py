"""The gates (issue 32): whatever enters passes one input gate, whatever is written in the output
folder is named by its owner, and the ledger is an index of the article folders. Each test is a
hostile input or an unlucky fault, run as cron runs it (the real CLI in a subprocess, the tiny
models), asserting the exit code, the stderr line and what is on disk afterwards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from support.corpus import ARTICLES
from support.runs import article_ids, night, run_quietly

from newsbrief.errors import EXIT_OK

GRAIN = (ARTICLES / "uk-grain-exports.txt").read_text(encoding="utf-8")


def states(events: list[dict]) -> dict[str, str]:
    return {Path(e["source"]).name: e["state"] for e in events if e["event"] == "article"}


def test_no_input_name_takes_a_name_the_output_folder_holds_and_ids_stay_unique(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Rows 1-3: files named as the ledger and its side files, the review index, and names
    crafted so that a hashed id equals another file's slug. Every night ends well, the ledger
    stays a ledger, each file has its own folder."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    names = [
        "manifest.sqlite.txt",
        "manifest.sqlite-wal.txt",
        "Manifest.SQLite-shm.txt",
        "index.txt",
        "a!.txt",
        "a-cfc7b488.txt",
        "a.txt",
    ]
    for number, name in enumerate(names):
        (source / name).write_text(GRAIN.replace("82", str(100 + number), 1), encoding="utf-8")
    code, events = night(source, out, tiny_config)
    assert code == EXIT_OK, events
    assert set(states(events).values()) == {"done"} and len(states(events)) == len(names), events
    ids = [e["id"] for e in events if e["event"] == "article"]
    assert len({i.casefold() for i in ids}) == len(names), ids
    assert (out / "manifest.sqlite").is_file()
    with sqlite3.connect(out / "manifest.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == len(names)
    index = (out / "_review" / "index.html").read_text(encoding="utf-8")
    assert "<table" in index and index.count(".html") >= len(names)
    assert run_quietly("status", out).returncode == EXIT_OK
    code, events = night(source, out, tiny_config)
    assert code == EXIT_OK and set(states(events).values()) == {"up-to-date"}, events
    assert sorted(e["id"] for e in events if e["event"] == "article") == sorted(ids)
    assert len(article_ids(out)) == len(names)


def test_a_folder_someone_put_in_the_output_folder_is_never_taken_by_an_article(
    tiny_config: Path, tmp_path: Path
) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "notes.txt").write_text(GRAIN, encoding="utf-8")
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "mine.txt").write_text("an editor's own file", encoding="utf-8")
    code, events = night(source, out, tiny_config)
    assert code == EXIT_OK, events
    assert (out / "notes" / "mine.txt").read_text(encoding="utf-8") == "an editor's own file"
    (article_id,) = [e["id"] for e in events if e["event"] == "article"]
    assert article_id != "notes" and (out / article_id / "article.json").is_file()
