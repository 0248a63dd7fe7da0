"""The run ledger: SQLite (embedded, in the output folder), one row per article and one per run.

It is what makes a second run cheap: an article whose source hash and configuration hash match a
finished row, and whose folder exists, is not processed again. It is an index of the article
folders, never the only copy of what was done: each article.json holds its source's hash and its
configuration hash, so a ledger that is missing, damaged or removed during a run is rebuilt from
them (open_ledger), the damaged file kept aside. Only what has no folder is lost with it: the
skipped and failed files' rows (retried by the next run) and the runs' history.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from newsbrief.errors import LedgerDamaged, OutputUnwritable
from newsbrief.output.folder import (
    ARTICLE_JSON,
    DAMAGED_SUFFIX,
    MANIFEST_NAME,
    MANIFEST_SIDE_FILES,
    is_reserved,
)

# The ledger's file name in an output folder; a folder holding one is never read as input.
SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    source_path TEXT NOT NULL UNIQUE,
    source_hash TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'skipped', 'failed')),
    error TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    words INTEGER NOT NULL DEFAULT 0,
    seconds REAL NOT NULL DEFAULT 0,
    run_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    dependencies TEXT NOT NULL DEFAULT '[]',
    timings TEXT NOT NULL DEFAULT '{}',
    attempts INTEGER NOT NULL DEFAULT 0,
    parked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS open_chunks (
    chunk INTEGER NOT NULL,
    position INTEGER NOT NULL,
    source_path TEXT NOT NULL,
    PRIMARY KEY (chunk, position)
);
CREATE TABLE IF NOT EXISTS chunk_batches (
    chunk INTEGER NOT NULL,
    batch TEXT NOT NULL,
    part TEXT NOT NULL,
    PRIMARY KEY (chunk, batch)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    input_dir TEXT NOT NULL,
    config_hash TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    done INTEGER, skipped INTEGER, failed INTEGER, words INTEGER, seconds REAL,
    outcome TEXT
);
"""


SELECT_ARTICLE = (
    "SELECT id, source_path, source_hash, config_hash, status, error, lang, words, seconds,"
    " dependencies, timings, attempts, parked FROM articles"
)


@dataclass
class ArticleRow:
    id: str
    source_path: str
    source_hash: str
    config_hash: str
    status: str
    error: str = ""
    lang: str = ""
    words: int = 0
    seconds: float = 0.0
    # What the configuration hash covers (run/config_hash.py); None in a row rebuilt from an
    # article.json, which holds the hash only: planning the article again names them.
    dependencies: list[str] | None = field(default_factory=list)
    # Seconds per stage: kept here, not in article.json, so that outputs depend only on inputs.
    timings: dict[str, float] = field(default_factory=dict)
    attempts: int = 0  # failed runs in a row of this very source
    parked: bool = False  # failed too often: reported, not retried until the source changes


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Manifest:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.notice = ""  # what open_ledger had to do to the ledger, for the run's report
        with self._unwritable_is_fatal():
            self.db = sqlite3.connect(path)
            try:
                self._check_whole()
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.executescript(SCHEMA)
                self._upgrade()
            except sqlite3.DatabaseError as error:
                if isinstance(error, sqlite3.OperationalError) and not _is_damage(error):
                    raise
                self.db.close()
                raise LedgerDamaged(path, _short(str(error))) from error
        self.identity = _identity(path)

    def _check_whole(self) -> None:
        """SQLite reads a damaged file until a query reaches the damage: quick_check reads it all
        (milliseconds for a ledger of thousands of articles)."""
        verdict = self.db.execute("PRAGMA quick_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {verdict[0] if verdict else 'no answer'}")

    def still_in_place(self) -> bool:
        """Whether the ledger's file is still the one this connection writes (deleted or replaced
        during a run, the connection writes into a file no one will read again)."""
        return _identity(self.path) == self.identity

    @contextmanager
    def _unwritable_is_fatal(self) -> Iterator[None]:
        """A ledger that cannot be written (disk full, read-only, I/O error) ends the run with
        one line, not a traceback: no article can be recorded any more."""
        try:
            yield
        except sqlite3.OperationalError as error:
            raise OutputUnwritable(self.path.parent, error) from error

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._unwritable_is_fatal(), self.db:
            yield

    def _upgrade(self) -> None:
        """Columns that older manifests lack; articles of newsbrief 0.1 get a new configuration
        hash anyway, so they are re-run once."""
        added = {
            "articles": {
                "dependencies": "TEXT NOT NULL DEFAULT '[]'",
                "timings": "TEXT NOT NULL DEFAULT '{}'",
                "attempts": "INTEGER NOT NULL DEFAULT 0",
                "parked": "INTEGER NOT NULL DEFAULT 0",
            },
            "runs": {"outcome": "TEXT", "counts": "TEXT"},
        }
        for table, columns in added.items():
            present = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            for name, declaration in columns.items():
                if name not in present:
                    with self._transaction():
                        self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")

    def close(self) -> None:
        self.db.close()

    def lookup(self, source_path: str) -> ArticleRow | None:
        row = self.db.execute(f"{SELECT_ARTICLE} WHERE source_path = ?", (source_path,)).fetchone()
        return _article_row(row) if row else None

    def taken_ids(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT id FROM articles")}

    def source_paths(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT source_path FROM articles")}

    def record(self, row: ArticleRow, run_id: int) -> None:
        """One transaction per article, so a crash never leaves a half-recorded article."""
        with self._transaction():
            self.db.execute(
                "INSERT INTO articles (id, source_path, source_hash, config_hash, status, error,"
                " lang, words, seconds, run_id, updated_at, dependencies, timings, attempts, parked)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(id) DO UPDATE SET source_path=excluded.source_path,"
                " source_hash=excluded.source_hash, config_hash=excluded.config_hash,"
                " status=excluded.status, error=excluded.error, lang=excluded.lang,"
                " words=excluded.words, seconds=excluded.seconds, run_id=excluded.run_id,"
                " updated_at=excluded.updated_at, dependencies=excluded.dependencies,"
                " timings=excluded.timings, attempts=excluded.attempts, parked=excluded.parked",
                (
                    row.id,
                    row.source_path,
                    row.source_hash,
                    row.config_hash,
                    row.status,
                    row.error,
                    row.lang,
                    row.words,
                    row.seconds,
                    run_id,
                    now(),
                    json.dumps(row.dependencies),
                    json.dumps(row.timings, sort_keys=True),
                    row.attempts,
                    int(row.parked),
                ),
            )

    def open_chunks(self) -> dict[int, list[str]]:
        """The chunks a killed or stopped run was working on: number -> source paths in order."""
        chunks: dict[int, list[str]] = {}
        rows = self.db.execute("SELECT chunk, source_path FROM open_chunks ORDER BY chunk, position")
        for number, source_path in rows:
            chunks.setdefault(number, []).append(source_path)
        return chunks

    def next_chunk(self) -> int:
        return int(self.db.execute("SELECT coalesce(max(chunk), -1) + 1 FROM open_chunks").fetchone()[0])

    def open_chunk(self, number: int, source_paths: list[str]) -> None:
        """Recorded before a chunk is translated: the next run redoes exactly this chunk, whole,
        so its batches (and so every bit of its outputs) are those of an uninterrupted run."""
        with self._transaction():
            self.db.execute("DELETE FROM open_chunks WHERE chunk = ?", (number,))
            self.db.executemany(
                "INSERT INTO open_chunks (chunk, position, source_path) VALUES (?, ?, ?)",
                [(number, position, path) for position, path in enumerate(source_paths)],
            )

    def close_chunk(self, number: int) -> None:
        with self._transaction():
            self.db.execute("DELETE FROM open_chunks WHERE chunk = ?", (number,))
            self.db.execute("DELETE FROM chunk_batches WHERE chunk = ?", (number,))

    def kept_batches(self, number: int) -> dict[str, str]:
        """The translation batches of an open chunk that a stopped run finished: id -> result."""
        rows = self.db.execute("SELECT batch, part FROM chunk_batches WHERE chunk = ?", (number,))
        return dict(rows.fetchall())

    def keep_batch(self, number: int, batch: str, part: str) -> None:
        with self._transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO chunk_batches (chunk, batch, part) VALUES (?, ?, ?)",
                (number, batch, part),
            )

    def count_kept_batches(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM chunk_batches").fetchone()[0])

    def start_run(self, input_dir: str, config_hash: str) -> int:
        with self._transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (input_dir, config_hash, started_at) VALUES (?,?,?)",
                (input_dir, config_hash, now()),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(
        self, run_id: int, counts: dict[str, int], words: int, seconds: float, outcome: str = "finished"
    ) -> None:
        """`outcome`: finished or interrupted; a run killed outright keeps no finished_at.
        `counts` holds every state's count (done, up-to-date, skipped, failed, parked, ignored)."""
        with self._transaction():
            self.db.execute(
                "UPDATE runs SET finished_at=?, done=?, skipped=?, failed=?, words=?, seconds=?, outcome=?,"
                " counts=? WHERE id=?",
                (
                    now(),
                    counts.get("done", 0),
                    counts.get("skipped", 0),
                    counts.get("failed", 0),
                    words,
                    seconds,
                    outcome,
                    json.dumps(counts, sort_keys=True),
                    run_id,
                ),
            )

    def articles(self) -> list[ArticleRow]:
        """Every article row, by id (for `newsbrief status`)."""
        rows = self.db.execute(f"{SELECT_ARTICLE} ORDER BY id").fetchall()
        return [_article_row(row) for row in rows]

    def last_runs(self, limit: int = 5) -> list[dict[str, object]]:
        """The newest runs first, each with `counts` by state. A run killed outright never wrote
        its counts: it has those of the articles it recorded (done, skipped, failed) that no later
        run recorded again, which is what it got through."""
        cursor = self.db.execute(
            "SELECT id, input_dir, started_at, finished_at, done, skipped, failed, words, seconds, outcome,"
            " counts FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        names = [column[0] for column in cursor.description]
        runs = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for run in runs:
            stored = run.pop("counts")
            if stored:
                run["counts"] = json.loads(stored)
            elif run["finished_at"]:  # written by a newsbrief before the counts column
                run["counts"] = {name: run[name] or 0 for name in ("done", "skipped", "failed")}
            else:
                run["counts"] = self._recorded_by(int(run["id"]))
        return runs

    def _recorded_by(self, run_id: int) -> dict[str, int]:
        query = "SELECT status, COUNT(*) FROM articles WHERE run_id=? GROUP BY status"
        return {status: count for status, count in self.db.execute(query, (run_id,))}


def open_ledger(out_dir: Path) -> Manifest:
    """The output folder's ledger; rebuilt from the article folders when it is missing while
    articles are there, or damaged (then kept aside as manifest.sqlite.damaged-<time>). Its
    `notice` says what was done, in one line; OutputUnwritable when it cannot be written."""
    path = out_dir / MANIFEST_NAME
    missing = not path.exists()
    try:
        manifest = Manifest(path)
    except LedgerDamaged as error:
        aside = _set_aside(path)
        manifest = Manifest(path)
        count = rebuild(manifest, out_dir)
        manifest.notice = (
            f"the ledger {path} was damaged ({error.reason}): kept aside as {aside.name}, "
            f"rebuilt from {count} article folder(s)"
        )
        return manifest
    count = rebuild(manifest, out_dir)  # a folder a killed run wrote before its row, if any
    if missing and count:
        manifest.notice = f"the ledger {path} was missing: rebuilt from {count} article folder(s)"
    return manifest


def reopen_if_removed(manifest: Manifest, out_dir: Path) -> Manifest:
    """The ledger after a run: when its file was removed or replaced during it, a new one
    rebuilt from the article folders (every article this run wrote among them)."""
    if manifest.still_in_place():
        return manifest
    manifest.close()
    if (out_dir / MANIFEST_NAME).exists():
        _set_aside(out_dir / MANIFEST_NAME)
    rebuilt = Manifest(out_dir / MANIFEST_NAME)
    count = rebuild(rebuilt, out_dir)
    rebuilt.notice = (
        f"the ledger {rebuilt.path} was removed or replaced during the run: rebuilt from {count} "
        "article folder(s)"
    )
    return rebuilt


def rebuild(manifest: Manifest, out_dir: Path) -> int:
    """A done row for each article folder the ledger lacks whose article.json can be read (all
    of them, for a new ledger; after a kill between a folder's rename into place and its row,
    that one); the number of rows added. A folder whose source the ledger knows under another id
    is left out: the source's row stands."""
    known_ids = manifest.taken_ids()
    known_sources = manifest.source_paths()
    added = 0
    for name in sorted(entry.name for entry in os.scandir(out_dir)):
        if name in known_ids or (row := _row_of(out_dir / name)) is None:
            continue
        if row.source_path in known_sources:
            continue
        manifest.record(row, run_id=0)
        known_sources.add(row.source_path)
        added += 1
    return added


def _row_of(folder: Path) -> ArticleRow | None:
    if is_reserved(folder.name) or not folder.is_dir() or folder.is_symlink():
        return None
    try:
        record = json.loads((folder / ARTICLE_JSON).read_text(encoding="utf-8"))
        source = record["source"]
        return ArticleRow(
            id=folder.name,
            source_path=str(Path(source["path"]).resolve()),  # the ledger's key: the resolved path
            source_hash=str(source["sha256"]),
            config_hash=str(record["config_hash"]),
            status="done",
            lang=str(record.get("language", "")),
            words=int(record.get("words", 0)),
            dependencies=None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _set_aside(path: Path) -> Path:
    """The ledger and its side files renamed, never deleted: someone may want to look."""
    aside = path.with_name(f"{path.name}{DAMAGED_SUFFIX}{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}")
    for suffix in ("", *MANIFEST_SIDE_FILES):
        side = path.with_name(path.name + suffix)
        if side.exists():
            try:
                side.rename(aside.with_name(aside.name + suffix))
            except OSError as error:
                raise OutputUnwritable(path.parent, error) from error
    return aside


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _is_damage(error: sqlite3.OperationalError) -> bool:
    """Some damage reaches Python as an OperationalError ("database disk image is malformed"
    on some versions); full disks and read-only folders do too, and are not damage."""
    return "malformed" in str(error) or "not a database" in str(error)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _article_row(row: tuple) -> ArticleRow:
    *plain, dependencies, timings, attempts, parked = row
    return ArticleRow(
        *plain,
        dependencies=json.loads(dependencies),
        timings=json.loads(timings),
        attempts=int(attempts),
        parked=bool(parked),
    )
