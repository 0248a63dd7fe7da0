#!/usr/bin/env python3
"""The default `newsbrief run`, against raw CTranslate2 doing the very same generations.

Models: random Marians of OPUS-MT's size for uk→en, ru→en and ru→uk (scripts/bench.py) and a
random BART of bart-large-cnn's size with that checkpoint's decoding (scripts/bench_summaries.py),
built from the tiny models' tokenizers (`--tiny DIR`). Articles: ARTICLES of the corpus (English,
Ukrainian, Russian; copied under numbered names up to --articles). A random translation runs to
newsbrief's cap (twice its source's tokens and 16), so a Ukrainian or Russian article's English
text, which the summariser reads, is two to four times as long as a real one and takes several
chunks: the summary stage is a worst case. Settings: newsbrief's defaults (targets uk,en;
summaries uk,en; beam 4; the figure guard searching 4 beam candidates; seq2seq summaries on
CTranslate2 int8; Ukrainian summaries projected), only the model folders named.

The run is a subprocess of its own (so its peak RSS is its own) in which every
`ctranslate2.Translator` records the calls newsbrief makes: each translator's settings, each
`translate_batch`'s tokens and options. A random model never stops, so every generation runs to
the cap newsbrief gave it, and replaying the recorded calls on fresh translators with the same
settings (and as many batches in flight as newsbrief kept: `inter_threads`) is raw CTranslate2
doing the same work, tokenised in advance. The ratio is replay seconds over the run's seconds
without model loading: what of the engine's speed the whole pipeline keeps (read, segment,
tokenise, guard, summarise, verify, write included). Printed too: where the run's time went per
stage (the JSON article lines' timings), articles per hour per core, peak RSS.

`--run-option` (repeatable) adds an option to the run, to see where its peak memory comes from
(`--run-option=--summariser=extractive`: no summariser; `--run-option=--figure-candidates=0`: no
beam candidates); the default configuration is the run without any.

Usage: python scripts/bench_default.py --tiny DIR [--articles 4] [--run-option=--OPTION=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from bench import CORPUS
from bench_summaries import build_large
from true_size import PIECES_PER_WORD, TC_BIG_MODELS, build_default_translators

from newsbrief.stages import (
    CTranslate2Model,
    LanguageIdentifier,
    default_threads,
    find_spans,
    quotes_of,
    read_article,
    resolve_model,
)

# What the cap newsbrief gives a random model (which never stops) is set to: ratio × the batch's
# longest line + 16 pieces. At 0.6 a line of 40 pieces (the articles' mean) writes 40, as a real
# model writes about as many target pieces as it reads (the run prints what it wrote).
OUTPUT_RATIO = 0.6
ARTICLES = ("en-kirby-dprk-arms.txt", "uk-drones.json", "ru-sanctions-trade.txt", "en-imf-budget.md")
STAGES = ("read", "segment", "translate", "read back", "summarise", "verify", "write")
# Runs newsbrief's CLI with every Translator recording its calls into RECORD (a JSON file).
RECORDING_RUN = """
import atexit, json, resource, sys, threading, time
import ctranslate2
calls, settings, record = [], {}, sys.argv[1]
class Recording(ctranslate2.Translator):
    def __init__(self, model_path, **options):
        super().__init__(model_path, **options)
        settings[id(self)] = {"model_path": model_path, **options}
    def translate_batch(self, source, **options):
        call = {"translator": id(self), "source": source, "options": options}
        call["thread"] = threading.current_thread().name
        calls.append(call)
        began = call["began"] = time.monotonic()
        try:
            return super().translate_batch(source, **options)
        finally:
            call["seconds"] = time.monotonic() - began
ctranslate2.Translator = Recording
def own_peak_kb():
    # VmHWM: this process's own high-water mark. Not ru_maxrss: Linux keeps a forked child's
    # ru_maxrss across exec, so it starts at the parent's RSS (the benchmark's, models built).
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def save():  # this process's own peak, and its children's (model conversions)
    peaks = {"self": own_peak_kb()}
    peaks["children"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(record, "w", encoding="utf-8") as f:
        translators = {str(k): v for k, v in settings.items()}
        json.dump({"translators": translators, "calls": calls, "peak_kb": peaks}, f)
atexit.register(save)
from newsbrief.cli import main
sys.argv = ["newsbrief", *sys.argv[2:]]
main()
"""


def default_run(
    source: Path, out: Path, models: dict[str, Path], record: Path, options: list[str] = ()
) -> tuple[float, list[dict]]:
    """The run's wall seconds and its JSON lines; its peak RSS is in `record`."""
    roles = [arg for role, folder in models.items() for arg in ("-m", f"{role}={folder}")]
    command = [sys.executable, "-c", RECORDING_RUN, str(record), "run", str(source), "--out", str(out)]
    command += [*roles, "--no-review", "--log-format", "json", *options]  # every article's line: its timings
    began = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    seconds = time.monotonic() - began
    if done.returncode not in (0, 4):
        raise SystemExit(f"newsbrief run exited {done.returncode}:\n{done.stderr[-3000:]}")
    return seconds, [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def pieces_read_and_written(recorded: dict) -> tuple[int, int]:
    """Source pieces fed to the translators and target pieces the caps let them write (a random
    model writes to its cap): how long the outputs were."""
    read = written = 0
    for call in recorded["calls"]:
        beams = max(1, int(call["options"].get("num_hypotheses", 1)))
        read += sum(len(line) for line in call["source"])
        written += len(call["source"]) * int(call["options"].get("max_decoding_length", 0)) * beams
    return read, written


def replay(recorded: dict) -> tuple[float, dict[str, float], int]:
    """Seconds of raw CTranslate2 on the recorded calls (per model), and how many calls."""
    import ctranslate2

    translators = {key: ctranslate2.Translator(**options) for key, options in recorded["translators"].items()}
    names = {key: Path(options["model_path"]).name for key, options in recorded["translators"].items()}
    per_model: dict[str, float] = defaultdict(float)
    calls = recorded["calls"]
    total = 0.0
    for key, run in _runs_of_one_translator(calls):
        translator = translators[key]
        width = int(recorded["translators"][key].get("inter_threads", 1))
        began = time.monotonic()
        with ThreadPoolExecutor(max_workers=width) as executor:
            list(executor.map(partial(_call, translator), run))
        seconds = time.monotonic() - began
        per_model[names[key]] += seconds
        total += seconds
    return total, dict(per_model), len(calls)


def _call(translator: object, call: dict) -> object:
    return translator.translate_batch(call["source"], **call["options"])  # type: ignore[attr-defined]


def _runs_of_one_translator(calls: list[dict]) -> list[tuple[str, list[dict]]]:
    """Consecutive calls to one translator: newsbrief keeps `inter_threads` of them in flight."""
    runs: list[tuple[str, list[dict]]] = []
    for call in calls:
        key = str(call["translator"])
        if runs and runs[-1][0] == key:
            runs[-1][1].append(call)
        else:
            runs.append((key, [call]))
    return runs


def covered(spans: list[tuple[float, float]]) -> float:
    """Seconds in which at least one of the calls was running (their union)."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def stage_seconds(lines: list[dict]) -> dict[str, float]:
    totals = dict.fromkeys(STAGES, 0.0)
    for line in lines:
        if line.get("event") == "article":
            for stage, seconds in line.get("timings", {}).items():
                totals[stage] = totals.get(stage, 0.0) + seconds
    return totals


def read_back_estimate(source: Path, models: dict[str, Path]) -> tuple[int, float]:
    """(quotes, seconds) to read back every quote of the articles from each other target of the
    run into the article's language, pooled by pair as a run pools a chunk's quotes, with the
    reverse pair's model where one was built and an OPUS-size stand-in (en-uk) of the same cost
    where not. A random model never stops: each reading is held to the batch's longest quote,
    the length a real model writes (at newsbrief's cap, twice that and 16, it cost 2× more)."""
    identifier = LanguageIdentifier()
    by_pair: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(source.iterdir()):
        article = read_article(path)
        lang, _ = identifier.detect(" ".join([article.title, *article.paragraphs]))
        quotes = [q for paragraph in article.paragraphs for q in quotes_of(find_spans(paragraph))]
        for target in ("uk", "en"):
            if target != lang:
                by_pair[(target, lang)] += quotes
    seconds = 0.0
    for (target, lang), quotes in sorted(by_pair.items()):
        folder = models.get(f"{target}-{lang}", models["en-uk"])
        model = CTranslate2Model(resolve_model(str(folder)), "cpu", "int8")
        began = time.monotonic()
        if quotes:  # each reading as long as the longest quote, as a real model writes it
            longest = max(model.count_tokens(quotes))
            model.generate(quotes, num_beams=4, max_new_tokens=longest, source_lang=target, target_lang=lang)
        seconds += time.monotonic() - began
    return sum(len(quotes) for quotes in by_pair.values()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", type=Path, required=True, help="folder of the tiny models")
    parser.add_argument("--articles", type=int, default=4)
    parser.add_argument("--run-option", action="append", default=[], help="an option added to the run")
    parser.add_argument("--keep", type=Path, help="build the models (and convert them) here once, and reuse")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        measure(args.tiny, args.articles, args.run_option, args.keep)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            measure(args.tiny, args.articles, args.run_option, Path(tmp))


def build_models(tiny: Path, models: Path) -> tuple[dict[str, Path], dict[str, float]]:
    """The default models' roles at their true sizes (scripts/true_size.py), built once in `models`."""
    roles, pieces = build_default_translators(tiny, models / "translators", PIECES_PER_WORD)
    summariser = models / "bart-large-cnn"
    if not (summariser / "config.json").is_file():
        build_large(tiny / "bart-summariser", summariser)
    return {**roles, "summariser": summariser}, pieces


def measure(tiny: Path, articles: int, options: list[str], models_folder: Path) -> None:
    """Build the models, run, replay, print (scripts/bench.py prints this as its last row)."""
    os.environ.setdefault("NEWSBRIEF_CACHE", str(models_folder / "cache"))
    models, pieces = build_models(tiny, models_folder)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "in"
        source.mkdir()
        for i in range(articles):
            name = ARTICLES[i % len(ARTICLES)]
            shutil.copy(CORPUS / name, source / f"{i:03d}-{name}")
        config = work / "newsbrief.toml"
        config.write_text(f"max_output_ratio = {OUTPUT_RATIO}\n", encoding="utf-8")
        record = work / "calls.json"
        run_options = ["--config", str(config), *options]
        wall, lines = default_run(work / "in", work / "out", models, record, run_options)
        recorded = json.loads(record.read_text(encoding="utf-8"))
        raw, per_model, calls = replay(recorded)
        quotes, reading = read_back_estimate(source, models)
    in_run: dict[str, float] = defaultdict(float)
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for call in recorded["calls"]:
        name = Path(recorded["translators"][str(call["translator"])]["model_path"]).name
        in_run[name] += call["seconds"]
        spans[name].append((call["began"], call["began"] + call["seconds"]))
    run_line = next(line for line in lines if line.get("event") == "end")
    working = run_line["seconds"] - run_line["model_load_seconds"]
    done = run_line["counts"]["done"]
    cores = default_threads()
    added = f" with {' '.join(options)}" if options else ""
    print(
        f"default newsbrief run{added}: {done} articles (en, uk, ru) into uk and en, beam 4, figure guard on,"
    )
    translators = f"{len(TC_BIG_MODELS)} tc-big translators"
    print(f"  seq2seq summaries at bart-large-cnn size, {translators}; {cores} cores")
    said = ", ".join(f"{side} {value:.2f}" for side, value in pieces.items())
    read, written = pieces_read_and_written(recorded)
    print(f"  tokenizers' pieces per word: {said}; pieces written per piece read {written / read:.2f}")
    rate = done / (working / 3600) / cores
    print(f"  {run_line['seconds']:.1f} s ({wall:.1f} s wall with start-up), models loaded in")
    print(f"  {run_line['model_load_seconds']:.1f} s; {rate:.0f} articles/hour/core")
    peaks = recorded["peak_kb"]
    print(f"  peak RSS {peaks['self'] / 1024:.0f} MB (its model conversions, in child processes of their")
    print(f"  own and once per model and machine: at most {peaks['children'] / 1024:.0f} MB, a figure that")
    print("  includes the run's own RSS when it forked them)")
    print(f"raw CTranslate2, the same {calls} translate_batch calls: {raw:.1f} s")
    print("  model                          raw wall   the run's calls: summed (two in flight twice), wall")
    for name, seconds in sorted(per_model.items()):
        print(f"  {name:30} {seconds:7.1f} s  {in_run[name]:7.1f} s  {covered(spans[name]):7.1f} s")
    print(f"newsbrief / raw = {raw / working:.2f}  (raw seconds over the run's seconds, models loaded)")
    share = reading / working
    print(f"reading translated quotes back: {quotes} quotes, {reading:.1f} s = {share:.1%} of the run")
    print("  (the sources' quotes read back through OPUS-size models at beam 4, pooled by pair as")
    print("  a run pools them, each reading as long as the longest quote of its batch. The run's own")
    print("  'read back' stage below is near nothing: a random model's output holds no quote marks)")
    stages = stage_seconds(lines)
    accounted = sum(stages.values())
    print("where the run's time went (summed over articles; translation shared by token share):")
    for stage in STAGES:
        share = stages[stage] / accounted if accounted else 0.0
        print(f"  {stage:10} {stages[stage]:7.1f} s  {share:6.1%}")


if __name__ == "__main__":
    main()
