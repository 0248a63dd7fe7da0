"""A real Ray cluster on one machine, and the faults a cluster does to a run (issue 33).

Run as a script inside a network namespace that holds only the loopback and a PID namespace of
its own (tests/test_cluster.py starts it with `unshare --net --pid --fork --mount-proc`): Ray
binds 127.0.0.1 here, and a test's traffic cannot leave the machine (Ray replaces 127.0.0.1 by
a routable address where it finds one); every process the cluster starts ends with the
namespace, whatever happens to the test.

The cluster: a head and two worker nodes of 1 CPU each, `ray start` processes as an operator
starts them (token authentication off: loopback only). Each scenario runs newsbrief on it as
cron would (a subprocess, `--engine ray --ray-address`), does its fault, and records the exit
code, stdout, stderr and seconds in a JSON file the tests read:

  default        the default --ray-actors on 1-CPU nodes (row 1), JSON log (row 6)
  sigterm        SIGTERM while a chunk is in flight (row 5), then a rerun on the cluster
  worker_killed  a worker node's raylet killed while it works on a chunk (row 2)
  head_killed    the head's processes killed while a chunk is in flight (row 3)

Usage: python ray_cluster.py RESULTS.json CONFIG ARTICLES WORK_DIR
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PORT = 6390
ADDRESS = f"127.0.0.1:{PORT}"
RAY = str(Path(sys.executable).with_name("ray"))
ENV = {
    **os.environ,
    "HF_HUB_OFFLINE": "1",
    "PYTHONUNBUFFERED": "1",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "disabled",
}
# The same arithmetic as the local run the tests compare with: one thread per actor.
RUN = ("--threads", "1", "--log-format", "json", "--engine", "ray", "--ray-address", ADDRESS)


def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process in this PID namespace."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        found[int(entry.name)] = (parent, title)
    return found


def start_node(temp: Path, head: bool) -> set[int]:
    """A node, as `ray start` makes it; the pids of the processes it started."""
    before = set(processes())
    where = ["--head", f"--port={PORT}", "--include-dashboard=false"] if head else [f"--address={ADDRESS}"]
    subprocess.run(
        [RAY, "start", *where, "--node-ip-address=127.0.0.1", "--num-cpus=1", f"--temp-dir={temp}"],
        env=ENV,
        check=True,
        capture_output=True,
    )
    time.sleep(1)
    return set(processes()) - before


def start_run(config: str, articles: str, out: Path, local: bool = False) -> subprocess.Popen[str]:
    engine = RUN[:4] if local else RUN
    command = [sys.executable, "-m", "newsbrief", "run", articles, "--out", str(out), "-c", config, *engine]
    return subprocess.Popen(command, env=ENV, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def busy_on(node: set[int] | None) -> bool:
    """Whether an actor is in the middle of a chunk (on `node`, a node's pids, when given)."""
    table = processes()
    for pid, (parent, title) in table.items():
        if title.startswith("ray::ChunkWorker.process") and (node is None or parent in node or pid in node):
            return True
    return False


def finish(process: subprocess.Popen[str], began: float, out: Path) -> dict[str, object]:
    stdout, stderr = process.communicate(timeout=400)
    return {
        "rc": process.returncode,
        "stdout": stdout,
        "stderr": stderr,
        "seconds": round(time.monotonic() - began, 1),
        "out": str(out),
    }


def with_fault(config: str, articles: str, out: Path, ready, fault) -> dict[str, object]:
    """A run; `fault()` once `ready()` holds (polled), then the run to its end."""
    began = time.monotonic()
    process = start_run(config, articles, out)
    deadline = began + 300
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            result = finish(process, began, out)
            result["fault"] = "never reached its point"
            return result
        time.sleep(0.05)
    fault(process)
    return finish(process, began, out)


def kill_all(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def main(results_path: str, config: str, articles: str, work: str, only: str = "") -> None:
    """Every scenario, in this order, on one cluster (`only`: a comma-separated few)."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    temp = Path(tempfile.mkdtemp(prefix="nbr", dir="/tmp"))  # short: Ray's socket paths are
    work_dir = Path(work)
    wanted = set(only.split(",")) if only else None
    results: dict[str, object] = {}
    head = start_node(temp, head=True)
    start_node(temp, head=False)
    second = start_node(temp, head=False)

    def plain(name: str, out: Path, local: bool = False) -> None:
        began = time.monotonic()
        results[name] = finish(start_run(config, articles, out, local), began, out)

    def kill_second(process: subprocess.Popen[str]) -> None:
        kill_all({pid for pid, (parent, _) in processes().items() if parent in second} | second)

    def kill_head(process: subprocess.Popen[str]) -> None:  # the machine gone: its workers too
        kill_all({pid for pid, (parent, _) in processes().items() if parent in head} | head)

    def stop(process: subprocess.Popen[str]) -> None:
        process.send_signal(signal.SIGTERM)

    if wanted is None or "default" in wanted:
        plain("default", work_dir / "default")
    if wanted is None or "sigterm" in wanted:
        results["sigterm"] = with_fault(config, articles, work_dir / "sigterm", lambda: busy_on(None), stop)
        plain("sigterm_rerun", work_dir / "sigterm")
    if wanted is None or "worker_killed" in wanted:
        out = work_dir / "worker_killed"
        results["worker_killed"] = with_fault(config, articles, out, lambda: busy_on(second), kill_second)
    if wanted is None or "head_killed" in wanted:
        out = work_dir / "head_killed"
        results["head_killed"] = with_fault(config, articles, out, lambda: busy_on(head), kill_head)
        plain("head_killed_rerun_local", out, local=True)
    Path(results_path).write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:6])
