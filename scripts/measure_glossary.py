#!/usr/bin/env python3
"""What a glossary does to real runs: its terms honoured by the best translation, found by
searching the beam candidates, or flagged, each through the real `newsbrief run` and counted
from the fidelity records it writes.

Glossary: tests/data/glossary/newsroom.tsv (names in uk, en, ru: Київ → Kyiv, Україна, Росія,
Одеса, МВФ, Кірбі, Олена Коваль, Держстат…). Articles: the trained models' three test articles
(uk, ru, en), and the corpus's articles with the Word and OpenDocument test documents.
Models (tests/support/trainer.py, `--trained DIR`): newsmt, which learned its lexicon's names
with their case forms (the positive path), and newsmt-copy, whose best beam is its source (the
negative path; its other beams translate, so the search finds some terms). On corpus text newsmt
is weak (the corpus is not its training data): what counts is that every term is either there
or flagged.

Usage: python scripts/measure_glossary.py --trained DIR
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
GLOSSARY = ROOT / "tests" / "data" / "glossary" / "newsroom.tsv"
PAIRS = ("uk-en", "ru-en", "ru-uk", "en-uk")
RUNS = {  # name: (model, extra options)
    "newsmt (knows the terms)": ("newsmt", []),
    "newsmt-copy, candidates searched": ("newsmt-copy", []),
    "newsmt-copy, no search": ("newsmt-copy", ["--figure-candidates", "0"]),
}


def trained_articles(trained: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for path in sorted((trained / "articles").glob("*.txt")):
        shutil.copy(path, folder)
    return folder


def corpus_and_documents(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for path in sorted(CORPUS.iterdir()):
        if not path.name.endswith(".expected.json"):
            shutil.copy(path, folder)
    sys.path.insert(0, str(ROOT / "tests"))
    from support.documents import make_docx, make_odt  # the test documents, made as the tests make them

    make_docx(folder / "uk-word-energy.docx")
    make_odt(folder / "uk-word-energy.odt")
    return folder


def run(source: Path, out: Path, trained: Path, model: str, options: list[str]) -> None:
    roles = [arg for pair in PAIRS for arg in ("-m", f"{pair}={trained / model}")]
    command = [sys.executable, "-m", "newsbrief", "run", str(source), "--out", str(out), "--quiet"]
    command += [*roles, "--to", "uk,en", "--summary-languages", "en", "--summariser", "extractive"]
    command += ["--no-review", "--compute-type", "float32", "--glossary", str(GLOSSARY), *options]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1, 4):
        raise SystemExit(f"newsbrief run exited {done.returncode}:\n{done.stderr}")


def score(out: Path) -> dict[str, int]:
    totals = dict.fromkeys(("articles", "total", "honoured", "re_searched", "flagged"), 0)
    for path in sorted(out.glob("*/article.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        totals["articles"] += 1
        for translation in record["fidelity"]["translations"].values():
            terms = translation.get("glossary", {"total": 0, "kept": 0, "re_searched": 0, "missing": []})
            totals["total"] += terms["total"]
            totals["honoured"] += terms["kept"] - terms["re_searched"]
            totals["re_searched"] += terms["re_searched"]
            totals["flagged"] += len(terms["missing"])
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trained", type=Path, required=True, help="folder of the trained test models")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        sets = {
            "trained test articles": trained_articles(args.trained, work_dir / "trained"),
            "corpus + .docx + .odt": corpus_and_documents(work_dir / "corpus"),
        }
        rows = [
            "| articles | model | terms in the sources | honoured | found by re-search | flagged |",
            "|" + " --- |" * 6,
        ]
        for set_name, source in sets.items():
            for run_name, (model, options) in RUNS.items():
                out = work_dir / f"out-{source.name}-{len(rows)}"
                run(source, out, args.trained, model, options)
                t = score(out)
                rows.append(
                    f"| {set_name} ({t['articles']}) | {run_name} | {t['total']} | {t['honoured']} "
                    f"| {t['re_searched']} | {t['flagged']} |"
                )
                print(rows[-1], flush=True)
        print("\n".join(rows))


if __name__ == "__main__":
    main()
