"""Engine ray, on a real local Ray instance started by the run: the same files as a local run,
a killed actor costing only a retry of its chunk, and a clear error where Ray is missing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.corpus import ARTICLES

from newsbrief.cli import EXIT_CLUSTER, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

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


# A real cluster (issue 33): a head and two worker nodes of 1 CPU each, `ray start` processes on
# 127.0.0.1 inside a network namespace holding only the loopback and a PID namespace of their
# own, and the faults a cluster does to a run (tests/support/ray_cluster.py runs them all on one
# cluster, once, and records each run).
NAMESPACES = ("unshare", "--net", "--pid", "--fork", "--mount-proc")
HELPER = Path(__file__).parent / "support" / "ray_cluster.py"


def namespaces_refused() -> str:
    """Why the cluster cannot be put in namespaces here ("" when it can)."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare and ip (util-linux, iproute2) are needed to keep the cluster on loopback"
    probe = subprocess.run([*NAMESPACES, "ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"no network namespace here ({probe.stderr.strip()[:200]}): run as root"
    return ""


@pytest.fixture(scope="module")
def cluster_runs(chunked_config: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    if not HAVE_RAY:
        pytest.skip("Ray is not installed")
    if why := namespaces_refused():
        pytest.skip(why)
    work = tmp_path_factory.mktemp("cluster")
    results = work / "results.json"
    done = subprocess.run(
        [*NAMESPACES, sys.executable, HELPER, results, chunked_config, ARTICLES, work],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0 and results.is_file(), done.stderr[-3000:]
    return json.loads(results.read_text(encoding="utf-8"))


def events_of(run: dict) -> list[dict]:
    return [json.loads(line) for line in run["stdout"].splitlines()]


def ledger_outcomes(out: Path) -> list[str]:
    with sqlite3.connect(out / "manifest.sqlite") as db:
        return [row[0] for row in db.execute("SELECT outcome FROM runs ORDER BY id")]


@needs_ray
def test_every_line_on_stdout_of_a_ray_run_is_json(cluster_runs: dict[str, dict]) -> None:
    """Row 6: `(raylet) …`, `[state-dump] …` and colour escapes were among the JSON lines."""
    for name, run in cluster_runs.items():
        for line in run["stdout"].splitlines():
            assert line.startswith("{") and json.loads(line)["event"], (name, line)


@needs_ray
def test_the_default_actors_fit_nodes_of_one_cpu(cluster_runs: dict[str, dict], local_run: Path) -> None:
    """Row 1: one actor asked for 2 CPUs, which no node had: nothing ran, nothing was said."""
    run = cluster_runs["default"]
    assert run["rc"] == EXIT_OK, run["stderr"][-2000:]
    assert len(done_ids(run["stdout"])) == 10
    assert outputs(Path(run["out"])) == outputs(local_run)


@needs_ray
def test_a_worker_node_lost_mid_run_costs_a_retry_and_the_files_are_a_local_runs(
    cluster_runs: dict[str, dict], local_run: Path
) -> None:
    """Row 2: the replacement actor waited for ever for the CPU the live node's actor held."""
    run = cluster_runs["worker_killed"]
    assert "fault" not in run, run
    assert run["rc"] == EXIT_OK, run["stderr"][-2000:]
    ids = done_ids(run["stdout"])
    assert len(ids) == len(set(ids)) == 10
    assert outputs(Path(run["out"])) == outputs(local_run)


@needs_ray
def test_the_head_lost_mid_run_is_one_line_exit_8_and_a_local_rerun_finishes(
    cluster_runs: dict[str, dict], local_run: Path
) -> None:
    """Row 3: exit 1 after 60 s, `internal error: OSError: Broken pipe`, the ledger 'finished'."""
    run, rerun = cluster_runs["head_killed"], cluster_runs["head_killed_rerun_local"]
    assert "fault" not in run, run
    assert run["rc"] == EXIT_CLUSTER, run["stderr"][-2000:]
    assert run["seconds"] < 60
    end = events_of(run)[-1]
    assert end["event"] == "end" and end["exit_code"] == EXIT_CLUSTER and "lost its head" in end["reason"]
    assert "newsbrief: the Ray cluster at 127.0.0.1:" in run["stderr"]
    out = Path(run["out"])
    assert ledger_outcomes(out)[-2] == "interrupted"
    assert rerun["rc"] == EXIT_OK, rerun["stderr"][-2000:]
    assert outputs(out) == outputs(local_run)


@needs_ray
def test_sigterm_stops_a_ray_run_as_it_stops_a_local_one(
    cluster_runs: dict[str, dict], local_run: Path
) -> None:
    """Row 5: exit 1, 134 or 15, Ray's `*** SIGTERM received` dump, no line of ours."""
    run, rerun = cluster_runs["sigterm"], cluster_runs["sigterm_rerun"]
    assert "fault" not in run, run
    assert run["rc"] == EXIT_INTERRUPTED, run["stderr"][-2000:]
    assert "newsbrief: stopped by SIGTERM after" in run["stderr"]
    end = events_of(run)[-1]
    assert end["event"] == "end" and end["exit_code"] == EXIT_INTERRUPTED
    out = Path(run["out"])
    assert ledger_outcomes(out)[0] == "interrupted"
    assert rerun["rc"] == EXIT_OK and outputs(out) == outputs(local_run)


@needs_ray
def test_an_address_with_nothing_listening_is_one_line_and_the_lock_is_released(
    chunked_config: Path, tmp_path: Path
) -> None:
    """Row 4: ray.init retried for ever, silent, holding the output lock."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "ray.toml"
    config.write_text("ray_timeout = 5\n" + chunked_config.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    began = time.monotonic()
    command = (
        "run",
        ARTICLES,
        "--out",
        out,
        "-c",
        config,
        "--engine",
        "ray",
        "--ray-address",
        f"127.0.0.1:{port}",
    )
    done = subprocess.run(newsbrief(*command), env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_CLUSTER, done.stderr[-2000:]
    assert time.monotonic() - began < 60
    lines = [line for line in done.stderr.splitlines() if line.startswith("newsbrief:")]
    assert len(lines) == 1 and f"no Ray cluster answers at 127.0.0.1:{port}" in lines[0], done.stderr
    again = subprocess.run(newsbrief(*command), env=ENV, capture_output=True, text=True, timeout=120)
    assert again.returncode == EXIT_CLUSTER  # not 5: the lock was let go


@pytest.mark.parametrize(
    ("nodes", "threads", "actors", "expected"),
    [
        ([1, 1], 0, 0, (2, 1)),  # two 1-CPU nodes: an actor each, of 1 CPU
        ([1, 1, 1], 0, 0, (3, 1)),
        ([8], 0, 0, (4, 2)),  # one per two CPUs
        ([4, 2], 0, 0, (3, 2)),
        ([1, 1], 4, 0, (2, 1)),  # --threads 4 on 1-CPU nodes: 1 CPU each, never unplaceable
        ([2, 2], 0, 1, (1, 2)),
    ],
)
def test_actors_are_sized_from_the_nodes_and_never_ask_more_than_the_largest_has(
    nodes: list[int], threads: int, actors: int, expected: tuple[int, int]
) -> None:
    from newsbrief.run.ray_engine import size_actors
    from newsbrief.settings import Settings
    from newsbrief.settings.sources import apply_options

    settings = apply_options(Settings(), threads=threads, ray_actors=actors)
    sizing = size_actors(settings, nodes, gpus=0)
    assert (sizing.actors, sizing.cpus) == expected
    assert sizing.cpus <= max(nodes)
