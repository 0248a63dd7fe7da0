#!/usr/bin/env python3
"""Articles per second, engine local against engine ray with N actors, side by side in one run.

The corpus is replicated to --articles articles (each copy made unique by a numbered first
line) and run twice with the same configuration (--config, e.g. the tiny models' newsbrief.toml),
once `--engine local` and once `--engine ray --ray-actors N` on a Ray instance the run starts on
this machine. Ray's start-up is part of the ray figure: it is what a user pays. On a 2-core
machine the honest expectation is no gain; the point is the overhead and the scaling path.

Usage: python scripts/bench_cluster.py --config DIR/newsbrief.toml [--articles 100] [--actors 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "articles"


def replicate(target: Path, count: int) -> None:
    originals = [p for p in sorted(CORPUS.iterdir()) if not p.name.endswith(".expected.json")]
    target.mkdir(parents=True)
    for i in range(count):
        original = originals[i % len(originals)]
        data = original.read_bytes()
        if original.suffix in (".txt", ".md") and not data.startswith(b"---"):
            data = f"{i}.\n\n".encode() + data
        (target / f"{i:05d}-{original.name}").write_bytes(data)


def timed_run(source: Path, out: Path, config: Path, *extra: str) -> tuple[float, dict]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAY_USAGE_STATS_ENABLED": "0"}
    command = [sys.executable, "-m", "newsbrief", "run", str(source), "--out", str(out), "-c", str(config)]
    began = time.monotonic()
    done = subprocess.run([*command, "--log-format", "json", *extra], env=env, capture_output=True, text=True)
    seconds = time.monotonic() - began
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument("--chunk-words", type=int, default=2000, help="small enough for several chunks")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = work / "bench.toml"
        text = args.config.read_text(encoding="utf-8")
        config.write_text(f"chunk_words = {args.chunk_words}\n{text}", encoding="utf-8")
        for line in text.splitlines():  # relative model folders stay relative to the original
            assert '"./' not in line, "give a config with absolute model paths"
        replicate(work / "in", args.articles)
        cpus = os.cpu_count() or 2
        threads = max(1, cpus // args.actors)
        rows = [
            ("local", *timed_run(work / "in", work / "local", config, "--threads", str(cpus))),
            (
                f"ray, {args.actors} actors x {threads} thread(s)",
                *timed_run(
                    work / "in", work / "ray", config, "--engine", "ray", "--ray-actors", str(args.actors),
                    "--threads", str(threads),
                ),
            ),
        ]  # fmt: skip
    print(f"{args.articles} articles, chunks of {args.chunk_words} words, {os.cpu_count()} CPUs")
    for name, seconds, line in rows:
        done = line["counts"]["done"]
        print(f"{name:32} {seconds:7.1f} s wall  {done / seconds:6.2f} articles/s  ({done} done)")
    overhead = rows[1][1] / rows[0][1]
    print(f"ray / local wall time: {overhead:.2f}x")


if __name__ == "__main__":
    main()
