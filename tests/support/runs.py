"""Starting newsbrief as cron starts it (a subprocess with the environment of a night), and
reading what a run wrote: its JSON log lines, its article folders and their alignment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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


def run_quietly(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(newsbrief(*args), env=ENV, capture_output=True, text=True)


def kill_when(
    process: subprocess.Popen[str], reached, timeout: float = 300, sig: int = signal.SIGKILL
) -> None:
    """Send `sig` (SIGKILL: wait for the end) the moment `reached()` is true (polled every 5 ms)."""
    deadline = time.monotonic() + timeout
    while not reached():
        assert process.poll() is None, "the run ended before the kill point"
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.005)
    process.send_signal(sig)
    if sig == signal.SIGKILL:
        process.wait(timeout=60)


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def article_ids(out: Path) -> list[str]:
    return sorted(p.parent.name for p in out.glob("*/article.json"))


def alignment(out: Path, article_id: str) -> list[dict]:
    lines = (out / article_id / "alignment.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def night(source: Path, out: Path, config: Path, *extra: str) -> tuple[int, list[dict]]:
    done = run_quietly("run", source, "--out", out, "-c", config, "--log-format", "json", *extra)
    return done.returncode, json_lines(done.stdout)
