"""Unattended runs with real processes: one run per output folder, clean stops on SIGTERM, no
stale lock after SIGKILL, `newsbrief status`, and the cron wrapper."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.corpus import ARTICLES, BAD, ROOT
from support.runs import ENV, json_lines, kill_when, newsbrief, run_quietly, start, wait_for

from newsbrief.cli import EXIT_ARTICLES_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK


def outputs(out: Path) -> dict[str, bytes]:
    """Every output file's bytes (article.json included: timings live in the manifest)."""
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and not path.name.startswith((".", "manifest.sqlite", "newsbrief.log"))
    }


def article_folders(out: Path) -> list[Path]:
    if not out.is_dir():
        return []
    return [p for p in out.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))]


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("unattended") / "in"
    shutil.copytree(ARTICLES, source)
    return source


@pytest.fixture(scope="module")
def clean_run(corpus_copy: Path, chunked_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "out"
    done = subprocess.run(
        newsbrief("run", corpus_copy, "--out", out, "-c", chunked_config), env=ENV, check=False
    )
    assert done.returncode == EXIT_OK
    return out


def long_article(folder: Path, copies: int = 60, distinct: bool = False) -> Path:
    """One article of `copies` times uk-grain-exports' body: tens of seconds on transformers.
    `distinct` numbers each copy's paragraphs, so that no line is translated once for all its
    copies: the work then grows with `copies` on any machine, however fast."""
    folder.mkdir(parents=True, exist_ok=True)
    body = (ARTICLES / "uk-grain-exports.txt").read_text(encoding="utf-8")
    text = body.split("\n", 1)[1]
    paragraphs = [paragraph.strip() for paragraph in text.split("\n\n") if paragraph.strip()]
    copied = [
        "\n\n".join(f"Частина {n}. {paragraph}" for paragraph in paragraphs) if distinct else text
        for n in range(1, copies)
    ]
    path = folder / "uk-long.txt"
    path.write_text(body + "\n\n".join(copied), encoding="utf-8")
    return path


def test_a_second_run_on_the_same_folder_exits_at_once(tiny_config: Path, tmp_path: Path) -> None:
    source, out = long_article(tmp_path / "in").parent, tmp_path / "out"
    slow = ("-c", tiny_config, "--backend", "transformers", "--article-timeout", "0")
    first = start("run", source, "--out", out, *slow)
    wait_for(out / ".newsbrief.lock.json")
    began = time.monotonic()
    second = run_quietly("run", source, "--out", out, *slow)
    assert second.returncode == EXIT_LOCKED
    assert f"pid {first.pid}" in second.stderr and "--wait" in second.stderr
    waited = run_quietly("run", source, "--out", out, *slow, "--wait", "1")
    assert waited.returncode == EXIT_LOCKED
    assert first.wait(timeout=600) == EXIT_OK
    assert time.monotonic() - began < 600
    after = run_quietly("run", source, "--out", out, *slow)
    assert after.returncode == EXIT_OK and " 1 up-to-date," in after.stdout


def test_sigterm_stops_cleanly_and_the_next_run_finishes_the_batch(
    corpus_copy: Path, chunked_config: Path, tmp_path: Path, clean_run: Path
) -> None:
    out = tmp_path / "out"
    process = start("run", corpus_copy, "--out", out, "-c", chunked_config)
    kill_when(process, lambda: len(article_folders(out)) >= 1, sig=signal.SIGTERM)  # chunks left
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert "stopped by SIGTERM" in stderr and "next run" in stderr
    assert not [p for p in out.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    db = sqlite3.connect(out / "manifest.sqlite")
    assert db.execute("SELECT outcome FROM runs").fetchall() == [("interrupted",)]
    db.close()
    again = run_quietly("run", corpus_copy, "--out", out, "-c", chunked_config)
    assert again.returncode == EXIT_OK, again.stderr
    assert outputs(out) == outputs(clean_run)


def test_sigterm_mid_chunk_keeps_the_finished_batches_and_the_next_run_translates_only_the_rest(
    tiny_config: Path, tmp_path: Path
) -> None:
    """One chunk of many small batches, stopped while it translates: the batches in flight are
    finished, every finished one is kept, and the next run sends only the others to the model,
    with the files of an uninterrupted run."""
    corpus_copy = tmp_path / "in"
    corpus_copy.mkdir()
    for name in ("en-imf-budget.md",):
        shutil.copy(ARTICLES / name, corpus_copy / name)
    config = tmp_path / "one-chunk.toml"
    one_chunk = "chunk_words = 1000000\nbatch_tokens = 48\nbackend = 'transformers'\n"
    config.write_text(one_chunk + tiny_config.read_text(encoding="utf-8"), encoding="utf-8")
    json_log = ("-c", config, "--log-format", "json")
    clean = run_quietly("run", corpus_copy, "--out", tmp_path / "clean", *json_log)
    assert clean.returncode == EXIT_OK, clean.stderr
    out = tmp_path / "out"
    process = start("run", corpus_copy, "--out", out, *json_log)

    def kept() -> int:
        try:
            with sqlite3.connect(out / "manifest.sqlite") as db:
                return db.execute("SELECT COUNT(*) FROM chunk_batches").fetchone()[0]
        except sqlite3.OperationalError:  # not created yet
            return 0

    kill_when(process, lambda: kept() >= 3, sig=signal.SIGTERM)
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert not article_folders(out)  # one chunk: nothing written, but its translation is kept
    assert f"after 0 article(s), {kept()} translation batch(es) kept" in stderr
    again = run_quietly("run", corpus_copy, "--out", out, *json_log)
    assert again.returncode == EXIT_OK, again.stderr
    assert outputs(out) == outputs(tmp_path / "clean")
    words = [json_lines(done.stdout)[-1]["words_translated"] for done in (clean, again)]
    assert 0 < words[1] < words[0], words
    assert kept() == 0  # the chunk is closed, its batches gone


def assert_consistent(out: Path, point: str) -> None:
    """The manifest is intact, and every article it calls done has a complete folder. (Opened
    read-write, as the next run opens it: SQLite then replays the WAL the kill left.)"""
    db = sqlite3.connect(out / "manifest.sqlite")
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    if "articles" not in tables:  # killed before the manifest was made: nothing may be written
        db.close()
        assert not article_folders(out), point
        return
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",), point
        done = [row[0] for row in db.execute("SELECT id FROM articles WHERE status = 'done'")]
    finally:
        db.close()
    for article_id in done:
        names = {p.name for p in (out / article_id).iterdir()}
        expected = {"article.json", "alignment.jsonl", "summary.uk.md", "summary.en.md"}
        assert expected <= names, f"{point}: {article_id}"
        assert {n.split(".")[0] for n in names} >= {"source", "translation"}, f"{point}: {article_id}"


def test_sigkill_at_any_point_then_a_rerun_equals_an_uninterrupted_run(
    corpus_copy: Path, chunked_config: Path, tmp_path: Path, clean_run: Path
) -> None:
    out = tmp_path / "out"
    total = len(article_folders(clean_run))
    lock = out / ".newsbrief.lock.json"
    kill_points = {
        "before anything is written": lock.exists,
        # The folder is renamed into place before its manifest row is written: the kill lands
        # between the two or inside the transaction.
        "as the first folder appears": lambda: len(article_folders(out)) >= 1,
        "when half the folders exist": lambda: len(article_folders(out)) >= total // 2,
    }
    for point, reached in kill_points.items():
        kill_when(start("run", corpus_copy, "--out", out, "-c", chunked_config), reached)
        assert_consistent(out, point)
        status = run_quietly("status", out)
        assert status.returncode == EXIT_OK, point
        if article_folders(out):  # the run had begun in earnest: status shows it never finished
            assert "never finished (killed?)" in status.stdout, point
    final = run_quietly("run", corpus_copy, "--out", out, "-c", chunked_config)
    assert final.returncode == EXIT_OK, final.stderr
    assert outputs(out) == outputs(clean_run)
    assert not [p for p in out.rglob("*") if p.name.startswith((".tmp-", ".old-"))]
    db = sqlite3.connect(out / "manifest.sqlite")
    assert db.execute("SELECT count(*) FROM open_chunks").fetchone() == (0,)
    db.close()


def by_state(events: list[dict]) -> dict[str, set[str]]:
    states: dict[str, set[str]] = {}
    for event in events:
        if event["event"] == "article":
            states.setdefault(event["state"], set()).add(event["id"])
    return states


def processed_by_the_last_run(out: Path) -> set[str]:
    db = sqlite3.connect(out / "manifest.sqlite")
    try:
        last = db.execute("SELECT max(id) FROM runs").fetchone()[0]
        return {row[0] for row in db.execute("SELECT id FROM articles WHERE run_id = ?", (last,))}
    finally:
        db.close()


def test_incremental_runs_process_exactly_what_changed(
    tiny_config: Path, tiny_models: Path, tmp_path: Path
) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for name in ("en-imf-budget.md", "ru-sanctions-trade.txt", "uk-power-grid.txt"):
        shutil.copy(ARTICLES / name, source / name)

    def night(*extra: str) -> tuple[dict[str, set[str]], dict]:
        done = run_quietly("run", source, "--out", out, "-c", tiny_config, "--log-format", "json", *extra)
        assert done.returncode == EXIT_OK, done.stderr
        events = json_lines(done.stdout)
        assert events[-1]["event"] == "end" and events[-1]["state"] == "finished"
        return by_state(events), events[-1]

    states, _ = night()
    assert states == {"done": {"en-imf-budget", "ru-sanctions-trade", "uk-power-grid"}}

    shutil.copy(ARTICLES / "uk-grain-exports.txt", source / "uk-grain-exports.txt")
    with open(source / "en-imf-budget.md", "a", encoding="utf-8") as article:
        article.write("\nThe fund will publish its report on 3 March.\n")
    (source / "uk-power-grid.txt").unlink()
    states, run_line = night()
    assert states == {"done": {"en-imf-budget", "uk-grain-exports"}, "up-to-date": {"ru-sanctions-trade"}}
    assert processed_by_the_last_run(out) == {"en-imf-budget", "uk-grain-exports"}
    assert run_line["counts"]["done"] == 2 and run_line["model_load_seconds"] > 0
    status = run_quietly("status", out).stdout
    assert "orphan: uk-power-grid" in status and (out / "uk-power-grid" / "article.json").is_file()

    # A new model for one pair re-runs exactly the articles that use it.
    states, _ = night("-m", f"ru-en={tiny_models / 'marian-uk-en'}")
    assert states == {"done": {"ru-sanctions-trade"}, "up-to-date": {"en-imf-budget", "uk-grain-exports"}}
    assert processed_by_the_last_run(out) == {"ru-sanctions-trade"}

    # Nothing new: no model is loaded, and the run costs next to nothing.
    states, run_line = night("-m", f"ru-en={tiny_models / 'marian-uk-en'}")
    assert states == {"up-to-date": {"en-imf-budget", "uk-grain-exports", "ru-sanctions-trade"}}
    assert run_line["model_load_seconds"] == 0 and run_line["seconds"] < 5


def test_an_article_over_its_time_limit_fails_then_is_parked_until_it_changes(
    tiny_config: Path, tmp_path: Path
) -> None:
    # Reading and translating it take far over 3 s on transformers (fp32), however fast the
    # machine: 200 copies of one body took 2.9 s on an idle one after its edit (its lines are
    # translated once for all copies), and the article was done; numbered, each line is work.
    long = long_article(tmp_path / "in", copies=200, distinct=True)
    source, out = long.parent, tmp_path / "out"
    limits = (
        "--article-timeout",
        "3",
        "--max-attempts",
        "2",
        "--log-format",
        "json",
        "--backend",
        "transformers",
    )

    def night() -> tuple[int, dict]:
        done = run_quietly("run", source, "--out", out, "-c", tiny_config, *limits)
        article = [e for e in json_lines(done.stdout) if e["event"] == "article"]
        assert len(article) == 1
        return done.returncode, article[0]

    code, event = night()
    assert code == EXIT_ARTICLES_FAILED
    assert event["state"] == "failed" and event["attempts"] == 1 and not event["parked"]
    assert "over the time limit of 3 s per article" in event["reason"]
    code, event = night()
    assert code == EXIT_ARTICLES_FAILED
    assert event["state"] == "failed" and event["attempts"] == 2 and event["parked"]
    code, event = night()
    assert code == EXIT_OK and event["state"] == "parked" and event["attempts"] == 2
    status = run_quietly("status", out).stdout
    assert "0 failed, 1 parked" in status and "parked: " in status and "uk-long.txt" in status

    with open(long, "a", encoding="utf-8") as article:
        article.write("\nОновлено.\n")
    code, event = night()
    assert code == EXIT_ARTICLES_FAILED and event["state"] == "failed" and event["attempts"] == 1


def bad_without_the_huge_file(target: Path) -> Path:
    """The bad corpus, less its 390 KB article (test_cli_run covers that one): these tests are
    about what the operator sees, and a shorter run keeps CI short."""
    shutil.copytree(BAD, target, ignore=shutil.ignore_patterns("huge-*"))
    return target


def test_status_shows_counts_failures_and_orphans(tmp_path: Path, tiny_config: Path) -> None:
    source = bad_without_the_huge_file(tmp_path / "in")
    shutil.copy(ARTICLES / "en-imf-budget.md", source / "en-imf-budget.md")
    out = tmp_path / "out"
    subprocess.run(newsbrief("run", source, "--out", out, "-c", tiny_config), env=ENV, check=False)
    (source / "en-imf-budget.md").unlink()
    status = subprocess.run(newsbrief("status", out), env=ENV, capture_output=True, text=True)
    assert status.returncode == EXIT_OK
    assert "6 done, 5 skipped, 2 failed, 0 parked, 1 orphaned" in status.stdout
    assert "failed: " in status.stdout and "truncated.json: invalid JSON" in status.stdout
    assert "orphan: en-imf-budget (source" in status.stdout
    assert (out / "en-imf-budget" / "article.json").is_file()  # an orphan's outputs are kept


def test_cron_wrapper_logs_and_passes_the_exit_code_through(tmp_path: Path, tiny_config: Path) -> None:
    out = tmp_path / "out"
    source = bad_without_the_huge_file(tmp_path / "in")
    env = {**ENV, "NEWSBRIEF": str(Path(sys.executable).parent / "newsbrief")}
    cron = subprocess.run(
        ["bash", str(ROOT / "scripts" / "newsbrief-cron.sh"), str(source), str(out), "-c", str(tiny_config)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert cron.returncode == EXIT_ARTICLES_FAILED
    assert (
        cron.stdout.strip()
        == f"newsbrief: exit 1 (articles failed) for {source} -> {out}; see {out}/newsbrief.log "
        f"(and: newsbrief status {out})"
    )
    log = (out / "newsbrief.log").read_text(encoding="utf-8")
    assert log.startswith("=== ") and log.rstrip().endswith("=== exit 1")
    assert "failed: " in log and "truncated.json" in log


def test_status_tells_a_run_still_going_from_one_that_was_killed(
    corpus_copy: Path, chunked_config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    process = start("run", corpus_copy, "--out", out, "-c", chunked_config)

    def shown_running() -> bool:
        if not (out / "manifest.sqlite").exists():
            return False
        return f"still running (pid {process.pid})" in run_quietly("status", out).stdout

    kill_when(process, shown_running)
    status = run_quietly("status", out)
    assert status.returncode == EXIT_OK
    assert "never finished (killed?)" in status.stdout and "still running" not in status.stdout
