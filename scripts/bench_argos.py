#!/usr/bin/env python3
"""A peer row: newsbrief against Argos Translate on the same CTranslate2 model and the same
articles, interleaved, each run a process of its own: CPU seconds (user + system) and wall.

The model: the default uk→en/ru→en one at its true size (opus-mt-tc-big-zle-en: a random tc-big
Marian from scripts/true_size.py, converted by newsbrief to CTranslate2 int8), packaged for Argos
as its packages are laid out: `model/` (with `add_source_eos: true` in its config, since Argos
feeds SentencePiece pieces without the `</s>` a Marian was trained with), `sentencepiece.model`
and `metadata.json`. Argos runs as a user runs it (`translation.translate(text)` per article, its
settings' defaults: beam 4, 32-token batches, one translator of every core), with two changes
that make the work equal rather than the tool faster: its sentence splitter is a local one
(Argos's default downloads a model) splitting after . ! ? … as newsbrief's segmenter does, and
each `translate_batch` call is capped as newsbrief caps its own (0.6 × the call's longest input
+ 16 pieces: a random model never stops, and Argos's own cap would be CTranslate2's 256).

newsbrief runs `--to en --summary-languages en --summariser extractive` (no summariser model:
Argos has none) with everything else its defaults: beam 4, the figure guard's four candidates,
verification, review pages off (`--no-review`). The articles: the corpus's Ukrainian and
Russian ones, copied under numbered names up to --articles.

Usage: PYTHONPATH=DIR_WITH_ARGOS python scripts/bench_argos.py --tiny DIR [--articles 8]
       [--repeats 3] [--keep DIR]
(Argos Translate: `pip install argostranslate`; it is not one of newsbrief's dependencies.)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The child process that runs Argos imports nothing of newsbrief's or the benchmarks' (torch,
# transformers): the parent imports them when it needs them.
OUTPUT_RATIO = 0.6  # bench_default.OUTPUT_RATIO, checked in compare()
ARTICLES = ("uk-drones.json", "ru-sanctions-trade.txt", "uk-grain-exports.txt", "uk-power-grid.txt")
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", type=Path, help="folder of the tiny models")
    parser.add_argument("--articles", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the models here once, and reuse")
    parser.add_argument("--argos-child", nargs=2, metavar=("PACKAGE", "SOURCE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.argos_child:
        argos_translate(Path(args.argos_child[0]), Path(args.argos_child[1]))
        return
    try:
        import argostranslate  # noqa: F401
    except ImportError:
        raise SystemExit("Argos Translate is not installed: pip install argostranslate") from None
    from true_size import build_default_translators

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        os.environ.setdefault("NEWSBRIEF_CACHE", str(folder / "cache"))
        roles, _ = build_default_translators(args.tiny, folder / "translators")
        compare(roles["uk-en"], args.articles, args.repeats, Path(tmp))


def compare(model: Path, articles: int, repeats: int, work: Path) -> None:
    from bench import CORPUS
    from bench_default import OUTPUT_RATIO as NEWSBRIEF_RATIO

    from newsbrief.stages import read_article

    assert OUTPUT_RATIO == NEWSBRIEF_RATIO
    package = argos_package(model, work / "argos-package")
    source, texts = work / "in", work / "texts"
    source.mkdir()
    texts.mkdir()
    for i in range(articles):
        name = ARTICLES[i % len(ARTICLES)]
        shutil.copy(CORPUS / name, source / f"{i:03d}-{name}")
        article = read_article(source / f"{i:03d}-{name}")  # the same text newsbrief reads
        (texts / f"{i:03d}.txt").write_text("\n".join([article.title, *article.paragraphs]), encoding="utf-8")
    config = work / "newsbrief.toml"
    config.write_text(f"max_output_ratio = {OUTPUT_RATIO}\n", encoding="utf-8")
    ours, theirs = [], []
    for repeat in range(repeats):  # interleaved: each pair of runs sees the same machine
        out = work / f"out{repeat}"
        command = [sys.executable, "-m", "newsbrief", "run", str(source), "--out", str(out), "--to", "en"]
        command += ["-m", f"uk-en={model}", "-m", f"ru-en={model}", "--summariser", "extractive"]
        command += ["--summary-languages", "en"]
        command += ["--no-review", "--config", str(config), "--log-format", "json"]
        ours.append(timed(command))
        theirs.append(timed([sys.executable, __file__, "--argos-child", str(package), str(texts)]))
    model_said = "one tc-big CTranslate2 int8 model"
    print(f"{articles} articles (uk, ru) into English on {model_said}, {repeats} runs each,")
    print("interleaved; CPU = user + system seconds of the whole process (imports and loading included)")
    print("                       min   median      max")
    for label, values in (
        ("newsbrief CPU (s)", [cpu for cpu, _ in ours]),
        ("Argos CPU (s)", [cpu for cpu, _ in theirs]),
        ("Argos / newsbrief CPU", [a[0] / n[0] for a, n in zip(theirs, ours, strict=True)]),
        ("newsbrief wall (s)", [wall for _, wall in ours]),
        ("Argos wall (s)", [wall for _, wall in theirs]),
        ("Argos / newsbrief wall", [a[1] / n[1] for a, n in zip(theirs, ours, strict=True)]),
    ):
        row = (min(values), statistics.median(values), max(values))
        print(f"  {label:22}" + "".join(f"{v:8.2f}" for v in row))


def timed(command: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    wall = time.monotonic() - began
    if done.returncode not in (0, 4):
        raise SystemExit(f"{command[:4]} exited {done.returncode}:\n{done.stderr[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def argos_package(model: Path, folder: Path) -> Path:
    """An installed Argos package of newsbrief's own CTranslate2 conversion of `model`."""
    from newsbrief.stages import converted, resolve_model

    ct2 = converted(resolve_model(str(model)), quantization="int8")
    shutil.copytree(ct2, folder / "model")
    config_file = folder / "model" / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["add_source_eos"] = True
    config_file.write_text(json.dumps(config), encoding="utf-8")
    shutil.copy(model / "source.spm", folder / "sentencepiece.model")
    metadata = {"package_version": "1.0", "argos_version": "1.11", "type": "translate"}
    metadata |= {"from_code": "uk", "from_name": "Ukrainian", "to_code": "en", "to_name": "English"}
    (folder / "metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    return folder


class LocalSentences:
    """Argos's sentence splitter interface, splitting after . ! ? … (its default one downloads)."""

    def split_sentences(self, text: str) -> list[str]:
        return [sentence for sentence in SENTENCE_END.split(text) if sentence.strip()]


class CappedTranslator:
    """A CTranslate2 translator whose calls are capped as newsbrief caps its own."""

    def __init__(self, translator: object) -> None:
        self.translator = translator

    def translate_batch(self, source: list[list[str]], **options: object) -> object:
        longest = max(len(pieces) for pieces in source) + 1  # the </s> the model config adds
        options["max_decoding_length"] = int(OUTPUT_RATIO * longest) + 16
        return self.translator.translate_batch(source, **options)  # type: ignore[attr-defined]


def argos_translate(package_folder: Path, source: Path) -> None:
    """In the child process: every article through Argos, as a user's script would."""
    import ctranslate2
    from argostranslate import package, settings, translate

    pkg = package.Package(package_folder)
    translation = translate.PackageTranslation(None, None, pkg)  # type: ignore[arg-type]
    translation.sentencizer = LocalSentences()  # type: ignore[assignment]
    translation.translator = CappedTranslator(  # type: ignore[assignment]
        ctranslate2.Translator(
            str(package_folder / "model"),
            device=settings.device,
            inter_threads=settings.inter_threads,
            intra_threads=settings.intra_threads,
            compute_type=settings.compute_type,
        )
    )
    for path in sorted(source.iterdir()):
        translation.translate(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
