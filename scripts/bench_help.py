#!/usr/bin/env python3
"""How long `newsbrief --help` and `newsbrief --version` take, against `python -c 'import typer'`
(the floor any Typer program pays) and `python -c pass`: each the median of --runs wall times,
interleaved. Target (issue 36): --help under 2.5× the typer import on an idle machine.

Usage: python scripts/bench_help.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

NEWSBRIEF = Path(sys.executable).with_name("newsbrief")
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import typer'": [sys.executable, "-c", "import typer"],
    "newsbrief --help": [str(NEWSBRIEF), "--help"],
    "newsbrief --version": [str(NEWSBRIEF), "--version"],
    "newsbrief run --help": [str(NEWSBRIEF), "run", "--help"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs):  # interleaved: each round sees the same machine
        for name, command in COMMANDS.items():
            began = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            times[name].append(time.perf_counter() - began)
    typer = statistics.median(times["python -c 'import typer'"])
    print(f"median wall of {runs} runs each, interleaved")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:28} {median * 1000:7.1f} ms  {median / typer:5.2f}x the typer import")


if __name__ == "__main__":
    main()
