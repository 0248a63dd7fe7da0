"""Engine ray, on a real local Ray instance started by the run: the same files as a local run,
a killed actor costing only a retry of its chunk, and a clear error where Ray is missing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.corpus import ARTICLES

from newsbrief.cli import EXIT_OK, EXIT_USAGE

try:
    import ray  # noqa: F401

    HAVE_RAY = True
except ImportError:
    HAVE_RAY = False

needs_ray = pytest.mark.skipif(not HAVE_RAY and not os.environ.get("CI"), reason="Ray is not installed")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "RAY_USAGE_STATS_ENABLED": "0"}
# One thread per actor and for the local run: the same arithmetic, so the same bits.
SAME = ("--threads", "1", "--log-format", "json")
RAY = ("--engine", "ray", "--ray-actors", "2")


def newsbrief(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "newsbrief", *map(str, args)]


def outputs(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith((".", "manifest.sqlite"))
    }


def done_ids(stdout: str) -> list[str]:
    events = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    return sorted(e["id"] for e in events if e["event"] == "article" and e["state"] == "done")


@pytest.fixture(scope="module")
def local_run(chunked_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    done = subprocess.run(
        newsbrief("run", ARTICLES, "--out", out, "-c", chunked_config, *SAME),
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert done.returncode == EXIT_OK, done.stderr
    return out


@needs_ray
def test_a_batch_on_ray_gives_the_files_of_a_local_run(
    chunked_config: Path, local_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        newsbrief("run", ARTICLES, "--out", out, "-c", chunked_config, *SAME, *RAY),
        env=ENV,
        capture_output=True,
        text=True,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert len(done_ids(done.stdout)) == 10
    assert outputs(out) == outputs(local_run)


def busy_workers() -> list[int]:
    """Ray actor processes in the middle of a chunk (Ray titles them ray::Class.method)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if title.startswith(b"ray::ChunkWorker.process"):
            found.append(int(entry.name))
    return found


@needs_ray
def test_a_killed_actor_costs_only_a_retry_of_its_chunk(
    chunked_config: Path, local_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    process = subprocess.Popen(
        newsbrief("run", ARTICLES, "--out", out, "-c", chunked_config, *SAME, *RAY),
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not (busy := busy_workers()):
        assert process.poll() is None, "the run ended before a worker was busy"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(busy[0], signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == EXIT_OK, stderr
    ids = done_ids(stdout)
    assert len(ids) == len(set(ids)) == 10  # every article done, and once
    assert outputs(out) == outputs(local_run)


def test_engine_ray_without_ray_is_a_usage_error(tiny_config: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "site" / "ray"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('no ray here')\n")
    env = {**ENV, "PYTHONPATH": str(blocker.parent)}
    done = subprocess.run(
        newsbrief("run", ARTICLES, "--out", tmp_path / "out", "-c", tiny_config, "--engine", "ray"),
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == EXIT_USAGE
    assert "pip install 'newsbrief[ray]'" in done.stderr
    assert not (tmp_path / "out").exists()  # nothing touched
