#!/usr/bin/env python3
"""What a glossary's size costs a run, measured side by side in one run: the time to load the
file, and the time to find the terms of every line of the corpus's Ukrainian, Russian and
English articles (Glossary.uses, what the guard and the fidelity record ask for each line and
target), with glossaries of 100, 10,000 and 100,000 terms. Each holds the newsroom glossary's
names (tests/data/glossary/newsroom.tsv) and made-up names of 6 to 10 letters in uk, ru and en.
The index narrows each line to the terms its words can be (fidelity/glossary.py): the time per
line should stay near-flat in the number of terms. The last column tries every term's pattern
on a line, as newsbrief did before the index (5 lines; not at 100,000 terms: minutes).

Usage: python scripts/bench_glossary.py [--sizes 100,10000,100000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from newsbrief.stages import Glossary, load_glossary, term_regex  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
NEWSROOM = ROOT / "tests" / "data" / "glossary" / "newsroom.tsv"
LETTERS = {
    "uk": "абвгґдежзиіїйклмнопрстуфхцчшщьюя",
    "ru": "абвгдежзийклмнопрстуфхцчшщыэюя",
    "en": "abcdefghijklmnopqrstuvwxyz",
}


def glossary_file(size: int, folder: Path) -> Path:
    lines = NEWSROOM.read_text(encoding="utf-8").splitlines()
    header, *rows = [line for line in lines if line.strip() and not line.startswith("#")]
    languages = header.split("\t")
    rng = random.Random(size)
    while len(rows) < size:
        rows.append("\t".join(_name(rng, LETTERS.get(lang, LETTERS["en"])) for lang in languages))
    path = folder / f"glossary-{size}.tsv"
    path.write_text("\n".join([header, *rows[:size]]) + "\n", encoding="utf-8")
    return path


def _name(rng: random.Random, letters: str) -> str:
    return "".join(rng.choice(letters) for _ in range(rng.randint(6, 10))).capitalize()


def corpus_lines() -> list[tuple[str, str]]:
    """(language, line) for every non-empty line of the corpus's plain-text articles."""
    lines = []
    for path in sorted(CORPUS.glob("*.txt")):
        lang = path.name[:2]
        text = path.read_text(encoding="utf-8", errors="replace")
        lines += [(lang, line) for line in text.splitlines() if line.strip()]
    return lines


def every_pattern(glossary: Glossary, lines: list[tuple[str, str]]) -> float:
    """ms per line when each line tries every term's pattern (what newsbrief did before the index)."""
    began = time.perf_counter()
    for lang, line in lines:
        [t for t in glossary.terms if (w := t.form(lang)) and term_regex(w, lang).search(line)]
    return (time.perf_counter() - began) * 1000 / len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,10000,100000")
    args = parser.parse_args()
    lines = corpus_lines()
    targets = {"uk": "en", "ru": "en", "en": "uk"}
    print(f"{len(lines)} corpus lines; per line: the terms for one target language")
    print(
        f"{'terms':>8} {'load s':>8} {'first pass ms/line':>19} {'again ms/line':>14} {'terms found':>12}"
        f" {'every pattern ms/line':>22}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for size in map(int, args.sizes.split(",")):
            path = glossary_file(size, Path(folder))
            began = time.perf_counter()
            glossary = load_glossary(path)
            load = time.perf_counter() - began
            passes = []
            for _ in range(2):  # the first pass builds each language's index
                began = time.perf_counter()
                found = sum(len(glossary.uses(line, lang, targets[lang])) for lang, line in lines)
                passes.append((time.perf_counter() - began) * 1000 / len(lines))
            every = f"{every_pattern(glossary, lines[:5]):>22.1f}" if size <= 10_000 else f"{'(minutes)':>22}"
            print(f"{size:>8,} {load:>8.2f} {passes[0]:>19.3f} {passes[1]:>14.3f} {found:>12,} {every}")


if __name__ == "__main__":
    main()
