import sqlite3
from pathlib import Path

from newsbrief.output.manifest import ArticleRow, Manifest


def test_rows_are_recorded_updated_and_survive_reopening(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "m.sqlite")
    run = manifest.start_run("/in", "cfg1")
    manifest.record(ArticleRow("a", "/in/a.txt", "h1", "cfg1", "failed", "boom"), run)
    manifest.record(ArticleRow("a", "/in/a.txt", "h2", "cfg1", "done", lang="uk", words=5), run)
    manifest.finish_run(run, {"done": 1}, 5, 1.5)
    manifest.close()

    reopened = Manifest(tmp_path / "m.sqlite")
    row = reopened.lookup("/in/a.txt")
    assert row is not None
    assert (row.status, row.source_hash, row.error, row.words) == ("done", "h2", "", 5)
    assert reopened.taken_ids() == {"a"}
    assert reopened.lookup("/in/other.txt") is None
    reopened.close()

    db = sqlite3.connect(tmp_path / "m.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT done, words FROM runs").fetchall() == [(1, 5)]
