#!/usr/bin/env python3
"""Memory and time of unattended runs: does memory follow the chunk rather than the folder, does
time grow linearly with the articles, and what does a night with nothing new cost?

Builds folders of N English articles (the corpus's English articles, each copy made unique by a
numbered first line) and runs the real `newsbrief run` on them in a subprocess, with the
extractive summariser and English targets only, so no model is needed and the figures show
newsbrief's own cost. Then runs it once more over the unchanged folder. Optionally a single
article of --big-mb megabytes. Prints peak RSS (of the newsbrief process) and seconds per row.

Usage: python scripts/bench_unattended.py [--articles 1000 5000] [--big-mb 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
CONFIG = 'targets = ["en"]\nsummary_languages = ["en"]\nsummariser = "extractive"\n'


def english_bodies() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("en-*.txt"))]


def make_folder(folder: Path, count: int) -> None:
    bodies = english_bodies()
    folder.mkdir(parents=True)
    for i in range(count):
        text = f"Bulletin number {i} of the night desk.\n\n{bodies[i % len(bodies)]}"
        (folder / f"article-{i:06d}.txt").write_text(text, encoding="utf-8")


def make_big_article(folder: Path, megabytes: float) -> None:
    folder.mkdir(parents=True)
    body = "\n\n".join(english_bodies())
    copies = int(megabytes * 1_000_000 / len(body.encode("utf-8"))) + 1
    text = "A very long dossier\n\n" + "\n\n".join([body] * copies)
    (folder / "big.txt").write_text(text, encoding="utf-8")


def run(source: Path, out: Path, config: Path, *extra: str) -> tuple[float, float, dict]:
    """Seconds and peak RSS (MB) of one `newsbrief run` process, and its JSON run line."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "newsbrief", "run", str(source), "--out", str(out), "-c", str(config)]
    command += ["--log-format", "json", "--quiet", *extra]
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run each in a fresh helper.
    helper = (
        "import resource, subprocess, sys, json, time; t = time.monotonic();"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024;"
        "print(json.dumps([time.monotonic() - t, peak, p.returncode,"
        "  p.stdout.splitlines()[-1] if p.stdout.strip() else '', p.stderr[-500:]]))"
    )
    done = subprocess.run([sys.executable, "-c", helper, *command], env=env, capture_output=True, text=True)
    seconds, peak_mb, code, last, stderr = json.loads(done.stdout)
    line = json.loads(last) if last.startswith("{") else {"exit": code, "stderr": stderr}
    return seconds, peak_mb, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--big-mb", type=float, default=0, help="also one article of this many MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = work / "newsbrief.toml"
        config.write_text(CONFIG, encoding="utf-8")
        rows = []
        for count in args.articles:
            source, out = work / f"in-{count}", work / f"out-{count}"
            make_folder(source, count)
            rows.append((f"{count:,} articles, first run", *run(source, out, config)))
            rows.append((f"{count:,} articles, nothing new", *run(source, out, config)))
            shutil.rmtree(out)
        if args.big_mb:
            source, out = work / "big", work / "out-big"
            make_big_article(source, args.big_mb)
            rows.append((f"one {args.big_mb:g} MB article", *run(source, out, config)))
        print(f"{'run':36} {'peak RSS':>10} {'seconds':>9} {'in run':>9}  counts")
        for name, seconds, peak, line in rows:
            counts = line.get("counts", line)
            print(f"{name:36} {peak:8.0f} MB {seconds:9.1f} {line.get('seconds', 0):9.1f}  {counts}")
        firsts = [r for r in rows if r[0].endswith("first run")]
        if len(firsts) >= 2:
            (n1, s1), (n2, s2) = ((args.articles[0], firsts[0][1]), (args.articles[-1], firsts[-1][1]))
            print(f"time ratio {s2 / s1:.2f}x for {n2 / n1:.1f}x the articles")


if __name__ == "__main__":
    main()
