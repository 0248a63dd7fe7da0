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
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bench import CORPUS
from bench_summaries import DISTILBART_SIZE, build_large
from true_size import (
    PIECES_PER_WORD,
    TC_BIG_MODELS,
    build_default_translators,
    build_fast_translators,
)

from newsbrief.stages import (
    CTranslate2Model,
    LanguageIdentifier,
    default_threads,
    find_spans,
    quotes_of,
    read_article,
    resolve_model,
    weight_bytes,
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
samples = []  # (monotonic seconds, VmRSS kB), every 0.1 s: which stage holds the peak
def sample():
    while True:
        with open("/proc/self/status", encoding="ascii") as status:
            rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        samples.append((time.monotonic(), rss))
        time.sleep(0.1)
threading.Thread(target=sample, daemon=True).start()
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
        json.dump({"translators": translators, "calls": calls, "peak_kb": peaks, "rss": samples}, f)
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
        read += sum(len(line) for line in call["source"])
        written += len(call["source"]) * int(call["options"].get("max_decoding_length", 0))
    return read, written


def peak_during(recorded: dict, spans: list[tuple[float, float]]) -> float:
    """The highest RSS sampled (MB) while any of `spans` ran."""
    rss = [kb for at, kb in recorded["rss"] if any(start <= at <= stop for start, stop in spans)]
    return max(rss, default=0) / 1024


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
    parser.add_argument("--repeats", type=int, default=3, help="runs, each followed by its replay")
    parser.add_argument("--model-set", choices=("default", "fast"), default="default")
    parser.add_argument("--run-option", action="append", default=[], help="an option added to the run")
    parser.add_argument("--keep", type=Path, help="build the models (and convert them) here once, and reuse")
    parser.add_argument("--read-back", action="store_true", help="also estimate reading quotes back")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("NEWSBRIEF_CACHE", str(folder / "cache"))
        models, pieces, described = build_models(args.tiny, folder, args.model_set)
        measure(models, args.articles, args.repeats, [*args.run_option], described, pieces)
        if args.read_back:
            print_read_back(models, args.articles)


def build_models(tiny: Path, folder: Path, model_set: str) -> tuple[dict[str, Path], dict[str, float], str]:
    """A model set's roles at their true sizes (scripts/true_size.py), built once in `folder`."""
    if model_set == "fast":
        roles, pieces = build_fast_translators(tiny, folder / "fast-translators", PIECES_PER_WORD)
        summariser = folder / "distilbart-cnn-12-6"
        if not (summariser / "config.json").is_file():
            build_large(tiny / "bart-summariser", summariser, DISTILBART_SIZE)
        described = "6 OPUS-MT base translators (one a pair), distilbart-cnn-12-6"
    else:
        roles, pieces = build_default_translators(tiny, folder / "translators", PIECES_PER_WORD)
        summariser = folder / "bart-large-cnn"
        if not (summariser / "config.json").is_file():
            build_large(tiny / "bart-summariser", summariser)
        described = f"{len(TC_BIG_MODELS)} tc-big translators (shared by their pairs), bart-large-cnn"
    return {**roles, "summariser": summariser}, pieces, described


@dataclass
class Repeat:
    ratio: float  # raw CTranslate2 seconds over the run's working seconds
    per_hour: float  # articles an hour, the whole machine, models loaded
    peak_mb: float
    load_seconds: float


def one_run(models: dict[str, Path], articles: int, options: list[str]) -> tuple[Repeat, dict, list[dict]]:
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
        _, lines = default_run(source, work / "out", models, record, ["--config", str(config), *options])
        recorded = json.loads(record.read_text(encoding="utf-8"))
    raw, per_model, _ = replay(recorded)
    recorded["raw_per_model"] = per_model
    end = next(line for line in lines if line.get("event") == "end")
    working = end["seconds"] - end["model_load_seconds"]
    per_hour = end["counts"]["done"] / (working / 3600)
    repeat = Repeat(raw / working, per_hour, recorded["peak_kb"]["self"] / 1024, end["model_load_seconds"])
    return repeat, recorded, lines


def measure(
    models: dict[str, Path], articles: int, repeats: int, options: list[str], described: str, pieces: dict
) -> None:
    """Runs and replays interleaved; the figures' min/median/max, then the last run in detail."""
    done: list[Repeat] = []
    for _ in range(repeats):
        repeat, recorded, lines = one_run(models, articles, options)
        done.append(repeat)
    cores = default_threads()
    added = f" with {' '.join(options)}" if options else ""
    print(f"newsbrief run{added}: {articles} articles (en, uk, ru) into uk and en, beam 4, figure guard on,")
    print(f"  seq2seq summaries; {described}; {cores} cores; {repeats} runs, each then replayed raw")
    said = ", ".join(f"{side} {value:.2f}" for side, value in pieces.items())
    read, written = pieces_read_and_written(recorded)
    print(f"  tokenizers' pieces per word: {said}; pieces written per piece read {written / read:.2f}")
    print("                               min   median      max")
    for label, values, form in (
        ("articles/hour (machine)", [r.per_hour for r in done], "{:8.0f}"),
        ("articles/hour/core", [r.per_hour / cores for r in done], "{:8.0f}"),
        ("peak RSS (MB)", [r.peak_mb for r in done], "{:8.0f}"),
        ("newsbrief / raw CTranslate2", [r.ratio for r in done], "{:8.2f}"),
        ("model loading (s)", [r.load_seconds for r in done], "{:8.1f}"),
    ):
        row = (min(values), statistics.median(values), max(values))
        print(f"  {label:27}" + "".join(form.format(v) for v in row))
    print_detail(models, recorded, lines)


def print_detail(models: dict[str, Path], recorded: dict, lines: list[dict]) -> None:
    """Where the last run's time and memory went."""
    in_run: dict[str, float] = defaultdict(float)
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for call in recorded["calls"]:
        name = Path(recorded["translators"][str(call["translator"])]["model_path"]).name
        in_run[name] += call["seconds"]
        spans[name].append((call["began"], call["began"] + call["seconds"]))
    print("the last run, per model: raw wall; the run's calls summed (two in flight count twice), wall;")
    print("  peak RSS while its calls ran; its weights (estimated: parameters x 1 byte at int8)")
    for name, seconds in sorted(recorded["raw_per_model"].items()):
        peak = peak_during(recorded, spans[name])
        weights = weights_mb(models, name)
        timings = f"{seconds:6.1f} s {in_run[name]:6.1f} s {covered(spans[name]):6.1f} s"
        print(f"  {name[:34]:34} {timings} {peak:6.0f} MB {weights:5.0f} MB")
    stages = stage_seconds(lines)
    accounted = sum(stages.values())
    print("  where its time went (summed over articles; translation shared by token share):")
    for stage in STAGES:
        share = stages[stage] / accounted if accounted else 0.0
        print(f"    {stage:10} {stages[stage]:7.1f} s  {share:6.1%}")


def weights_mb(models: dict[str, Path], converted_name: str) -> float:
    """A converted model's weights at int8, from the config of the folder it was converted from
    (the cache names a conversion after its folder)."""
    folder = next(f for f in models.values() if converted_name.startswith(f"{f.name}-"))
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return weight_bytes(config, 1.0) / 2**20


def print_read_back(models: dict[str, Path], articles: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp)
        for i in range(articles):
            name = ARTICLES[i % len(ARTICLES)]
            shutil.copy(CORPUS / name, source / f"{i:03d}-{name}")
        quotes, reading = read_back_estimate(source, models)
    print(f"reading translated quotes back: {quotes} quotes, {reading:.1f} s")
    print("  (the sources' quotes read back at beam 4, pooled by pair as a run pools them, each")
    print("  reading as long as the longest quote of its batch: an upper bound)")


if __name__ == "__main__":
    main()
