#!/usr/bin/env python3
"""Translation throughput, side by side in one process run: is newsbrief as fast as the fastest
engine can translate the same sentences?

Models: random Marians of OPUS-MT's size (d_model 512, 6+6 layers, vocabulary 61,587) for uk→en
and ru→en, with the SentencePiece tokenizers of the tiny test models (`--tiny DIR`, as built by
scripts/build_tiny_models.py). Speed does not depend on the weights; quality is not measured.
A random model rarely ends a sentence, so outputs run to newsbrief's cap (twice the batch's
longest input + 16 tokens); rates are therefore source tokens per second, the same sentences in
every row.

  (d) newsbrief run, the whole pipeline (read, segment, translate, verify, write) with the
      CTranslate2 engine, over the corpus's uk and ru articles replicated to --articles, greedy,
      English only, extractive summary, --figure-candidates 0 (a random model loses every
      figure; the guard's extra beams would be work that (c) does not do). Peak RSS, load time.
  (a) transformers, one sentence at a time (the naive loop), on --sample sentences.
  (b) newsbrief's translation path (`translate_jobs`: pooled, sorted, token-budget batches) on
      the same sentences: transformers fp32, transformers int8, CTranslate2 int8; with the
      padding waste of its batches.
  (c) raw CTranslate2 `translate_batch` on the segments (d) translated, in newsbrief's batches
      and with its length cap: one translator with every core, and two translators × one core
      (`inter_threads=2`, two batches in flight). Last: an idle translator slows torch's rows.

Summaries, with a random BART of bart-base's size (d_model 768, 6+6 layers, vocabulary 50,265)
and the tiny summariser's BPE tokenizer, on --summaries English articles, greedy, each summary
run to 160 new tokens (newsbrief's default cap; a random model never stops), source tokens/s:
  (a) one article at a time, each article's chunks in one call: newsbrief's path;
  (b) every article's chunks pooled, sorted by length and batched by 2,048 tokens, as
      translation is: the experiment that decides whether pooling summaries pays here.

The default configuration end to end is scripts/bench_default.py's (it builds on this module's
model makers): `newsbrief run` with default settings against raw CTranslate2 replaying the very
generations it made; per-stage times, articles per hour per core, peak RSS.

Usage: python scripts/bench.py --tiny DIR [--articles 204] [--sample 32] [--summaries 24]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import torch
from bench_gpu import OPUS_SIZE  # the one definition of OPUS-MT's size (scripts/)
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    BartTokenizer,
)
from true_size import save_random_marian

from newsbrief.stages import (
    MAX_OUTPUT_RATIO,
    WINDOW_MARGIN,
    CTranslate2Model,
    Guard,
    GuardPolicy,
    Job,
    JobKey,
    LanguageIdentifier,
    OutputChecks,
    Pooling,
    Seq2SeqModel,
    Seq2SeqSummariser,
    Seq2SeqTranslator,
    SummaryInput,
    batches_by_tokens,
    converted,
    default_threads,
    output_cap,
    pack_by_tokens,
    read_article,
    resolve_model,
    segment_article,
    translate_jobs,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
OPUS_VOCAB = OPUS_SIZE["vocab_size"]
PAIRS = ("uk-en", "ru-en")
BATCH_TOKENS = 2048  # newsbrief's default
BART_BASE_SIZE = {
    "d_model": 768,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 12,
    "decoder_attention_heads": 12,
    "encoder_ffn_dim": 3072,
    "decoder_ffn_dim": 3072,
    "max_position_embeddings": 1024,
}
BART_VOCAB = 50265
SUMMARY_TOKENS = 160  # newsbrief's summary_max_tokens


def build_opus_size(tiny: Path, folder: Path) -> Path:
    """A random OPUS-size Marian with the tiny model's tokenizer, its vocabulary padded to OPUS's
    with words that the tiny summariser's BPE has as one token (or two), so that what the random
    model writes is about as many summariser tokens as it is pieces (`filler1234` was four)."""
    vocab = json.loads((tiny / "vocab.json").read_text(encoding="utf-8"))
    del vocab["<pad>"]
    for filler in _filler_words(tiny):
        if len(vocab) >= OPUS_VOCAB - 1:
            break
        vocab.setdefault(f"▁{filler}", len(vocab))
    vocab["<pad>"] = len(vocab)
    return save_random_marian(folder, vocab, tiny / "source.spm", tiny / "target.spm", OPUS_SIZE)


def _filler_words(tiny: Path) -> Iterator[str]:
    """Words the tiny summariser's BPE has as one token first, then pairs of them."""
    bpe = json.loads((tiny.parent / "bart-summariser" / "tokenizer.json").read_text(encoding="utf-8"))
    words = sorted({t[1:] for t in bpe["model"]["vocab"] if t.startswith("Ġ") and t[1:].isalpha()})
    yield from words
    yield from (f"{first}{second}" for first in words for second in words)


def build_bart_size(tiny: Path, folder: Path, size: dict[str, int] = BART_BASE_SIZE) -> Path:
    """A random BART of `size` (bart-base's by default) with the tiny summariser's tokenizer,
    its vocabulary padded to BART's."""
    bpe = json.loads((tiny / "tokenizer.json").read_text(encoding="utf-8"))["model"]
    vocab = dict(bpe["vocab"])
    while len(vocab) < BART_VOCAB:
        vocab[f"filler{len(vocab)}"] = len(vocab)
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in bpe["merges"]]
    tokenizer = BartTokenizer(vocab=vocab, merges=merges)
    tokenizer.model_max_length = 1024
    tokenizer.save_pretrained(folder)
    config = BartConfig(
        vocab_size=len(vocab),
        **size,
        pad_token_id=vocab["<pad>"],
        bos_token_id=vocab["<s>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["</s>"],
        forced_bos_token_id=vocab["<s>"],
    )
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(folder)
    return folder


def summary_inputs(count: int) -> dict[str, SummaryInput]:
    """The corpus's English articles, each copy made unique by a numbered first sentence."""
    identifier, items = LanguageIdentifier(), {}
    originals = [p for p in sorted(CORPUS.glob("en-*")) if not p.name.endswith(".expected.json")]
    for i in range(count):
        doc = segment_article(read_article(originals[i % len(originals)]), "en", identifier, {"en"})
        lines = [s.text for s in doc.segments]
        first_body = next(s.index for s in doc.sentences if s.paragraph > 0)
        lines[first_body] = f"Copy {i}. {lines[first_body]}"
        items[f"{i:03d}"] = SummaryInput(doc, {"en": lines})
    return items


def chunks_of(model: Seq2SeqModel, item: SummaryInput) -> list[str]:
    """The first-round chunks the summariser makes of an article's body."""
    lines = item.lines["en"]
    texts = [lines[i] for i in item.body_indices()]
    return pack_by_tokens(texts, model.count_tokens, model.max_input_tokens - WINDOW_MARGIN)


def summaries_one_article_at_a_time(model: Seq2SeqModel, items: dict[str, SummaryInput]) -> tuple[float, int]:
    """(a): the summariser as a run calls it, article after article."""
    summariser = Seq2SeqSummariser(model, "en", num_beams=1, max_new_tokens=SUMMARY_TOKENS)
    tokens = sum(sum(model.count_tokens(chunks_of(model, item))) for item in items.values())
    began = time.monotonic()
    for item in items.values():
        summariser.summarise(item)
    return time.monotonic() - began, tokens


def summaries_pooled(model: Seq2SeqModel, items: dict[str, SummaryInput]) -> float:
    """(b): the first round of every article's chunks, pooled, sorted and batched by tokens."""
    jobs = [
        Job(JobKey(article_id, "summary", i), chunk, "en", "en")
        for article_id, item in items.items()
        for i, chunk in enumerate(chunks_of(model, item))
    ]
    began = time.monotonic()
    for batch in batches_by_tokens(jobs, model, BATCH_TOKENS):
        model.generate([job.text for job in batch.jobs], num_beams=1, max_new_tokens=SUMMARY_TOKENS)
    return time.monotonic() - began


def replicate_corpus(target: Path, count: int) -> None:
    """uk and ru articles, each copy made unique by a numbered first line."""
    originals = [p for p in sorted(CORPUS.glob("*.txt")) if p.name.startswith(("uk-", "ru-"))]
    target.mkdir(parents=True)
    for i in range(count):
        original = originals[i % len(originals)]
        text = original.read_text(encoding=_encoding(original))
        (target / f"{i:04d}-{original.name}").write_text(f"{i}.\n\n{text}", encoding="utf-8")


def _encoding(path: Path) -> str:
    return "cp1251" if "cp1251" in path.name else "utf-8"


# newsbrief's CLI, writing its own peak RSS (VmHWM) into argv[1] at exit. Not ru_maxrss of the
# child: Linux keeps a forked child's ru_maxrss across exec, so it starts at this process's RSS.
PEAK_REPORTING_RUN = """
import atexit, sys
peak_file = sys.argv[1]
def save():
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(peak_file, "w", encoding="ascii") as f:
        f.write(peak)
atexit.register(save)
from newsbrief.cli import main
sys.argv = ["newsbrief", *sys.argv[2:]]
main()
"""


def pipeline_run(source: Path, out: Path, config: Path) -> dict:
    """(d) in a subprocess of its own, so that its peak RSS is its own."""
    peak_file = out.with_name(out.name + ".peak")
    command = [
        sys.executable, "-c", PEAK_REPORTING_RUN, str(peak_file),
        "run", str(source), "--out", str(out), "-c", str(config),
        "--backend", "ctranslate2", "--beams", "1", "--to", "en", "--summary-languages", "en",
        "--summariser", "extractive", "--figure-candidates", "0", "--no-review", "--log-format", "json",
        "--quiet",
    ]  # fmt: skip
    began = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    seconds = time.monotonic() - began
    assert done.returncode == 0, done.stderr[-2000:]
    run_line = json.loads(done.stdout.strip().splitlines()[-1])
    peak = int(peak_file.read_text(encoding="ascii")) / 1024
    return {"wall": seconds, "peak_mb": peak, **run_line}


def translated_segments(out: Path) -> dict[str, list[str]]:
    """The source lines (d) translated, per pair, in its order."""
    segments: dict[str, list[str]] = {pair: [] for pair in PAIRS}
    for record_path in sorted(out.glob("*/alignment.jsonl")):
        for line in record_path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            pair = f"{record['lang']}-en"
            if pair in segments:
                segments[pair].append(record["text"][record["lang"]])
    return segments


def raw_ctranslate2(model: CTranslate2Model, texts: list[str], inter_threads: int) -> tuple[float, int]:
    """(c): newsbrief's batches and cap, straight into translate_batch; seconds, source tokens."""
    import ctranslate2

    threads = default_threads()
    translator = ctranslate2.Translator(
        str(converted(model.resolved)),
        device="cpu",
        compute_type="int8",
        intra_threads=max(1, threads // inter_threads),
        inter_threads=inter_threads,
    )
    jobs = [Job(JobKey("bench", "en", i), text, "uk", "en") for i, text in enumerate(texts)]
    batches = batches_by_tokens(jobs, model, BATCH_TOKENS)
    pieces = [model.pieces([job.text for job in batch.jobs]) for batch in batches]
    began = time.monotonic()
    pending = [
        translator.translate_batch(
            p, beam_size=1, max_decoding_length=output_cap(512, MAX_OUTPUT_RATIO, max(b.lengths)),
            max_input_length=0, asynchronous=True,
        )
        for p, b in zip(pieces, batches, strict=True)
    ]  # fmt: skip
    for results in pending:
        for result in results:
            result.result()
    return time.monotonic() - began, sum(sum(b.lengths) for b in batches)


class OnePair:
    """The pool translate_jobs asks for a translator."""

    def __init__(self, translator: Seq2SeqTranslator) -> None:
        self.translator_ = translator

    def translator(self, source: str, target: str) -> Seq2SeqTranslator:
        return self.translator_


def newsbrief_path(model, texts: list[str]) -> tuple[float, int, float]:
    """(b): translate_jobs as a run calls it; seconds, source tokens, padding waste."""
    translator = Seq2SeqTranslator(model, "uk", "en", num_beams=1)
    jobs = [Job(JobKey("bench", "en", i), text, "uk", "en") for i, text in enumerate(texts)]
    batches = batches_by_tokens(jobs, translator, BATCH_TOKENS)
    real = sum(sum(b.lengths) for b in batches)
    padded = sum(max(b.lengths) * len(b.lengths) for b in batches)
    began = time.monotonic()
    translate_jobs(
        jobs, OnePair(translator), Pooling(BATCH_TOKENS, Guard(GuardPolicy(candidates=0), OutputChecks()))
    )
    return time.monotonic() - began, real, 1 - real / padded


def naive_loop(folder: Path, texts: list[str]) -> tuple[float, int, float]:
    """(a): transformers, one sentence at a time, as most scripts do it."""
    began = time.monotonic()
    model = Seq2SeqModel(resolve_model(str(folder)), "cpu")
    load = time.monotonic() - began
    tokens = sum(model.count_tokens(texts))
    began = time.monotonic()
    for text in texts:
        model.generate([text], num_beams=1, max_new_tokens=512, output_ratio=MAX_OUTPUT_RATIO)
    return time.monotonic() - began, tokens, load


def timed_load(make):
    began = time.monotonic()
    made = make()
    return made, time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", type=Path, required=True, help="folder of the tiny models")
    parser.add_argument("--articles", type=int, default=204)
    parser.add_argument("--sample", type=int, default=32, help="sentences for the naive loop (a)")
    parser.add_argument("--b-sentences", type=int, default=256, help="sentences for the (b) rows")
    parser.add_argument("--summaries", type=int, default=24, help="articles for the summary rows")
    args = parser.parse_args()
    torch.set_num_threads(default_threads())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ.setdefault("NEWSBRIEF_CACHE", str(work / "cache"))
        models = {
            pair: build_opus_size(args.tiny / f"marian-{pair}", work / f"opus-size-{pair}") for pair in PAIRS
        }
        config = work / "bench.toml"
        config.write_text(
            "[models]\n" + "".join(f'"{p}" = "{f}"\n' for p, f in models.items()), encoding="utf-8"
        )
        replicate_corpus(work / "in", args.articles)

        d = pipeline_run(work / "in", work / "out", config)
        segments = translated_segments(work / "out")
        uk_en = resolve_model(str(models["uk-en"]))

        # The torch rows first: a CTranslate2 translator alive in the process, even idle, slowed
        # torch's int8 decoding by 10-15% here, which a transformers run never has.
        sample = segments["uk-en"][: args.b_sentences]
        a_seconds, a_tokens, a_load = naive_loop(models["uk-en"], sample[: args.sample])
        rows = [("(a) transformers, one sentence at a time", a_tokens / a_seconds, a_load, None)]
        for name, make in (
            ("(b) newsbrief, transformers fp32", lambda: Seq2SeqModel(uk_en, "cpu")),
            ("(b) newsbrief, transformers int8", lambda: Seq2SeqModel(uk_en, "cpu", "int8")),
            ("(b) newsbrief, CTranslate2 int8", lambda: CTranslate2Model(uk_en, "cpu")),
        ):
            model, load = timed_load(make)
            seconds, tokens, waste = newsbrief_path(model, sample)
            rows.append((name, tokens / seconds, load, waste))
            del model

        c_one = c_two = 0.0
        c_tokens = 0
        for pair, folder in models.items():
            ct2_model, ct2_load = timed_load(lambda f=folder: CTranslate2Model(resolve_model(str(f)), "cpu"))
            seconds, tokens = raw_ctranslate2(ct2_model, segments[pair], inter_threads=1)
            c_one, c_tokens = c_one + seconds, c_tokens + tokens
            c_two += raw_ctranslate2(ct2_model, segments[pair], inter_threads=2)[0]
            del ct2_model
        c_best = min(c_one, c_two)

        bart, bart_load = timed_load(
            lambda: Seq2SeqModel(
                resolve_model(str(build_bart_size(args.tiny / "bart-summariser", work / "bart"))), "cpu"
            )
        )
        items = summary_inputs(args.summaries)
        s_naive, s_tokens = summaries_one_article_at_a_time(bart, items)
        s_pooled = summaries_pooled(bart, items)

    a_rate = rows[0][1]
    print(f"{len(sample)} uk→en sentences for (b), {args.sample} for (a); source tokens/s; greedy")
    for name, rate, load, waste in rows:
        padding = f"  padding {waste:.1%}" if waste is not None else ""
        print(f"{name:42} {rate:8.0f} tok/s  load {load:5.2f} s  {rate / a_rate:5.1f}x (a){padding}")
    c_rate = c_tokens / c_best
    print(
        f"(c) raw CTranslate2 int8, {len(segments['uk-en']) + len(segments['ru-en'])} segments: "
        f"{c_tokens / c_one:.0f} tok/s with {default_threads()} threads, {c_tokens / c_two:.0f} tok/s as 2 "
        f"translators x 1 thread (load {ct2_load:.2f} s)"
    )
    translate_seconds = d["seconds"] - d["model_load_seconds"]
    print(
        f"(d) newsbrief run: {args.articles} articles in {d['seconds']:.1f} s "
        f"({args.articles / d['seconds']:.2f} articles/s; {d['wall']:.1f} s wall with start-up), "
        f"models loaded in {d['model_load_seconds']:.1f} s, peak RSS {d['peak_mb']:.0f} MB with "
        f"{len(PAIRS)} OPUS-size models"
    )
    d_rate = c_tokens / translate_seconds
    print(f"(d)/(c) = {d_rate / c_rate:.2f}  (whole pipeline against the engine's best on the same segments)")
    print(
        f"summaries of {args.summaries} English articles, bart-base size, greedy, "
        f"{SUMMARY_TOKENS} new tokens each:"
    )
    print(f"(a) newsbrief, one article at a time  {s_tokens / s_naive:8.0f} tok/s  load {bart_load:5.2f} s")
    pooled_rate, gain = s_tokens / s_pooled, s_naive / s_pooled
    print(f"(b) pooled, sorted, batched by tokens {pooled_rate:8.0f} tok/s  {gain:5.2f}x (a)")
    print("the default run against raw CTranslate2: scripts/bench_default.py (it builds on this one)")


if __name__ == "__main__":
    main()
