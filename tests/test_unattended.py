"""Unattended runs with real processes: one run per output folder, clean stops on SIGTERM, no
stale lock after SIGKILL, `newsbrief status`, and the cron wrapper."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ARTICLES, BAD, ROOT

from newsbrief.cli import EXIT_ARTICLES_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}


def newsbrief(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "newsbrief", *map(str, args)]


def start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        newsbrief(*args), env=ENV, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def text_outputs(out: Path) -> dict[str, str]:
    """Every output file's text, article.json without its timings (they measure the machine)."""
    files = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.name.startswith((".", "manifest.sqlite")):
            continue
        text = path.read_text(encoding="utf-8")
        if path.name == "article.json":
            record = json.loads(text)
            record.pop("timings")
            record["source"].pop("path")
            text = json.dumps(record, sort_keys=True)
        files[str(path.relative_to(out))] = text
    return files


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("unattended") / "in"
    shutil.copytree(ARTICLES, source)
    return source


@pytest.fixture(scope="module")
def clean_run(corpus_copy: Path, tiny_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "out"
    done = subprocess.run(
        newsbrief("run", corpus_copy, "--out", out, "-c", tiny_config), env=ENV, check=False
    )
    assert done.returncode == EXIT_OK
    return out


def test_a_second_run_on_the_same_folder_exits_at_once(
    corpus_copy: Path, tiny_config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = start("run", corpus_copy, "--out", out, "-c", tiny_config)
    wait_for(out / ".newsbrief.lock.json")
    began = time.monotonic()
    second = subprocess.run(
        newsbrief("run", corpus_copy, "--out", out, "-c", tiny_config),
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert second.returncode == EXIT_LOCKED
    assert f"pid {first.pid}" in second.stderr and "--wait" in second.stderr
    waited = subprocess.run(
        newsbrief("run", corpus_copy, "--out", out, "-c", tiny_config, "--wait", "1"),
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert waited.returncode == EXIT_LOCKED
    assert first.wait(timeout=600) == EXIT_OK
    assert time.monotonic() - began < 600
    after = subprocess.run(
        newsbrief("run", corpus_copy, "--out", out, "-c", tiny_config),
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert after.returncode == EXIT_OK and "already up to date" in after.stdout


def test_sigterm_stops_cleanly_and_the_next_run_finishes_the_batch(
    corpus_copy: Path, tiny_config: Path, tmp_path: Path, clean_run: Path
) -> None:
    out = tmp_path / "out"
    process = start("run", corpus_copy, "--out", out, "-c", tiny_config)
    wait_for(out / ".newsbrief.lock.json")
    time.sleep(3)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert "stopped by SIGTERM" in stderr and "next run" in stderr
    assert not [p for p in out.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    db = sqlite3.connect(out / "manifest.sqlite")
    assert db.execute("SELECT outcome FROM runs").fetchall() == [("interrupted",)]
    db.close()
    again = subprocess.run(
        newsbrief("run", corpus_copy, "--out", out, "-c", tiny_config), env=ENV, check=False
    )
    assert again.returncode == EXIT_OK
    assert text_outputs(out) == text_outputs(clean_run)


def test_a_killed_run_leaves_no_lock_that_blocks_the_next(
    corpus_copy: Path, tiny_config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    process = start("run", corpus_copy, "--out", out, "-c", tiny_config)
    wait_for(out / ".newsbrief.lock.json")
    process.kill()
    process.wait(timeout=60)
    status = subprocess.run(newsbrief("status", out), env=ENV, capture_output=True, text=True)
    assert "never finished (killed?)" in status.stdout
    again = subprocess.run(
        newsbrief("run", corpus_copy, "--out", out, "-c", tiny_config), env=ENV, check=False
    )
    assert again.returncode == EXIT_OK


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
    assert "6 done, 5 skipped, 2 failed, 1 orphaned" in status.stdout
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
        == f"newsbrief: exit 1 for {source} -> {out}; see {out}/newsbrief.log (and: newsbrief status {out})"
    )
    log = (out / "newsbrief.log").read_text(encoding="utf-8")
    assert log.startswith("=== ") and log.rstrip().endswith("=== exit 1")
    assert "failed: " in log and "truncated.json" in log
