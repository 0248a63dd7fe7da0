#!/usr/bin/env python3
"""A Word article in and out against the same text as a .txt, side by side in one process.

Builds a .docx of --paragraphs paragraphs (the corpus's paragraphs, cycled; a title, headings
every 20 paragraphs, the rest body text) and a .txt of the same title and paragraphs, then runs
`newsbrief run` on each folder --rounds times, alternating, with the configuration given (-c;
the tiny offline models of scripts/build_tiny_models.py when there is no hub), and prints the
best time of each, their ratio, and what reading and rewriting the document cost on their own.
With the tiny models the translation is almost free, so the ratio is the documents' overhead
at its largest; with real models it shrinks towards 1.

Usage: python scripts/bench_documents.py -c CONFIG [--paragraphs 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import CORPUS

from newsbrief.stages import Replacements, read_article, rewrite


def corpus_paragraphs(count: int) -> list[str]:
    found = [
        p
        for path in sorted(CORPUS.iterdir())
        if path.suffix == ".txt" and not path.name.endswith(".expected.json")
        for p in read_article(path).paragraphs
    ]
    return [found[i % len(found)] for i in range(count)]


def build(folder: Path, paragraphs: list[str]) -> tuple[Path, Path]:
    import docx

    title = "Бюджет на 2024 рік: 300 абзаців для вимірювання"
    document = docx.Document()
    document.add_paragraph(title, style="Title")
    for k, paragraph in enumerate(paragraphs):
        document.add_paragraph(paragraph, style="Heading 2" if k % 20 == 19 else None)
    (folder / "docx").mkdir()
    (folder / "txt").mkdir()
    document.save(folder / "docx" / "article.docx")
    (folder / "txt" / "article.txt").write_text("\n\n".join([title, *paragraphs]) + "\n", encoding="utf-8")
    return folder / "docx", folder / "txt"


def timed_run(source: Path, out: Path, config: Path) -> float:
    command = [
        sys.executable,
        "-m",
        "newsbrief",
        "run",
        str(source),
        "--out",
        str(out),
        "-c",
        str(config),
        "-q",
    ]
    began = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", type=Path, required=True)
    parser.add_argument("--paragraphs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        docx_in, txt_in = build(folder, corpus_paragraphs(args.paragraphs))
        times: dict[str, list[float]] = {"docx": [], "txt": []}
        for round_number in range(args.rounds):
            for kind, source in (("docx", docx_in), ("txt", txt_in)):
                times[kind].append(timed_run(source, folder / f"out-{kind}-{round_number}", args.config))
        data = (docx_in / "article.docx").read_bytes()
        began = time.perf_counter()
        article = read_article(docx_in / "article.docx")
        read_seconds = time.perf_counter() - began
        began = time.perf_counter()
        rewrite(data, Replacements([(p, p.upper()) for p in [article.title, *article.paragraphs]]))
        rewrite_seconds = time.perf_counter() - began
        written = ", ".join(p.name for p in (folder / "out-docx-0" / "article").glob("translation.*.docx"))
        print(f"{args.paragraphs} paragraphs, {args.rounds} rounds, config {args.config}")
        print(f"  .docx in and out   {min(times['docx']):7.2f} s  (written: {written})")
        print(f"  .txt               {min(times['txt']):7.2f} s")
        print(f"  ratio              {min(times['docx']) / min(times['txt']):7.2f}×  (target ≤ 1.2×)")
        print(f"  reading the .docx  {read_seconds:7.3f} s;  rewriting it once  {rewrite_seconds:7.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
