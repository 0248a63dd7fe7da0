#!/usr/bin/env python3
"""Summaries at bart-large-cnn's size, side by side in one process: what each engine costs per
article, and what newsbrief's default path (CTranslate2 int8) gets of it.

Model: a random BART of bart-large-cnn's size (d_model 1024, 12+12 layers, vocabulary 50,265)
with the tiny summariser's BPE tokenizer (`--tiny DIR`, as built by scripts/build_tiny_models.py)
and bart-large-cnn's decoding (beam 4, length penalty 2.0, no repeated trigram, a forced <s>).
Speed does not depend on the weights; a random model never stops, so every summary is forced to
--tokens new tokens (min = max), the same inputs (the corpus's English articles, cut to
--input-tokens) in every row.

  transformers fp32, one article at a time            (newsbrief with --backend transformers)
  transformers + torch dynamic int8                    (--backend transformers --quantize int8)
  newsbrief's CTranslate2 int8 model, two articles in flight on its two translators of one
    thread each, through the run's own chunks.summarise_side_by_side    (the default)
  newsbrief's CTranslate2 int8 model, one article at a time (a run of one article)
  raw CTranslate2 int8, one translator × every thread, one article at a time
  raw CTranslate2 int8, two translators × half the threads, two articles in flight

Usage: python scripts/bench_summaries.py --tiny DIR [--articles 4] [--tokens 120]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench import CORPUS, build_bart_size

from newsbrief.stages import (
    Article,
    ArticleWork,
    ChunkOptions,
    ChunkRun,
    CTranslate2SummaryModel,
    NoProgress,
    OutputChecks,
    SegmentedArticle,
    Seq2SeqModel,
    Settings,
    TimeBudget,
    converted,
    default_threads,
    read_article,
    resolve_model,
    summarise_side_by_side,
)

BART_LARGE_SIZE = {
    "d_model": 1024,
    "encoder_layers": 12,
    "decoder_layers": 12,
    "encoder_attention_heads": 16,
    "decoder_attention_heads": 16,
    "encoder_ffn_dim": 4096,
    "decoder_ffn_dim": 4096,
    "max_position_embeddings": 1024,
}
CNN_DECODING = {"length_penalty": 2.0, "no_repeat_ngram_size": 3, "num_beams": 4, "early_stopping": True}


# sshleifer/distilbart-cnn-12-6 (the fast model set's summariser): bart-large-cnn, six decoder layers.
DISTILBART_SIZE = {**BART_LARGE_SIZE, "decoder_layers": 6}


def build_large(tiny: Path, folder: Path, size: dict[str, int] = BART_LARGE_SIZE) -> Path:
    """A random BART of `size` with bart-large-cnn's decoding (its distilled kind shares it)."""
    build_bart_size(tiny, folder, size)
    from transformers import GenerationConfig

    config = GenerationConfig.from_pretrained(folder)
    for name, value in CNN_DECODING.items():
        setattr(config, name, value)
    config.save_pretrained(folder)
    return folder


def inputs(model: Seq2SeqModel, count: int, input_tokens: int) -> list[str]:
    """The corpus's English articles, each cut to about `input_tokens` tokens."""
    texts = []
    for path in sorted(p for p in CORPUS.glob("en-*") if not p.name.endswith(".expected.json")):
        words = " ".join(read_article(path).paragraphs).split()
        while words and model.count_tokens([" ".join(words)])[0] > input_tokens:
            words = words[: int(len(words) * 0.9)]
        texts.append(" ".join(words))
    return [texts[i % len(texts)] for i in range(count)]


def per_article(generate, texts: list[str]) -> float:
    began = time.monotonic()
    for text in texts:
        generate([text])
    return (time.monotonic() - began) / len(texts)


def side_by_side(generate, texts: list[str], width: int) -> float:
    """As a run summarises a chunk: each article on a thread of its own, `width` at once
    (chunks.summarise_side_by_side, with the run's default time limit)."""
    items = [
        ArticleWork(
            SegmentedArticle(Article(Path(f"bench-{n}.txt"), "", [text], id=f"bench-{n}"), "en", []),
            None,
            {},
            0,
        )  # type: ignore[arg-type]
        for n, text in enumerate(texts)
    ]
    options = ChunkOptions.of(Settings())
    run = ChunkRun(items, None, options, OutputChecks(), NoProgress(), lambda: False, TimeBudget(0))  # type: ignore[arg-type]
    began = time.monotonic()
    outcomes = list(
        summarise_side_by_side(run, items, lambda item: generate(item.doc.article.paragraphs), width)
    )
    assert all(not isinstance(outcome, str) for _, outcome in outcomes), outcomes
    return (time.monotonic() - began) / len(texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", type=Path, required=True, help="the tiny models' folder")
    parser.add_argument("--articles", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=120, help="new tokens per summary (forced)")
    parser.add_argument("--input-tokens", type=int, default=840)
    args = parser.parse_args()
    threads = default_threads()
    os.environ["NEWSBRIEF_CACHE"] = tempfile.mkdtemp(prefix="bench-summaries-")
    with tempfile.TemporaryDirectory() as work:
        began = time.monotonic()
        resolved = resolve_model(str(build_large(args.tiny / "bart-summariser", Path(work) / "bart-large")))
        print(f"built a random bart-large-cnn-size BART in {time.monotonic() - began:.0f} s", flush=True)
        fp32 = Seq2SeqModel(resolved, "cpu")
        texts = inputs(fp32, args.articles, args.input_tokens)
        tokens = fp32.count_tokens(texts)
        print(f"{len(texts)} articles of {min(tokens)}-{max(tokens)} tokens, {args.tokens} new tokens each, "
              f"beam 4, {threads} threads")  # fmt: skip
        forced = {"num_beams": 4, "max_new_tokens": args.tokens, "min_new_tokens": args.tokens}
        rows = {"transformers fp32": per_article(lambda t: fp32.generate(t, **forced), texts)}
        int8 = Seq2SeqModel(resolved, "cpu", "int8")
        rows["transformers + torch dynamic int8"] = per_article(lambda t: int8.generate(t, **forced), texts)
        began = time.monotonic()
        fast = CTranslate2SummaryModel(resolved, "cpu", "int8")
        print(f"converted and loaded for CTranslate2 in {time.monotonic() - began:.0f} s", flush=True)
        rows["newsbrief's CTranslate2 int8 (the default), two articles in flight"] = side_by_side(
            lambda t: fast.generate(t, **forced), texts, fast.parallel_batches
        )
        rows["newsbrief's CTranslate2 int8, one article at a time"] = per_article(
            lambda t: fast.generate(t, **forced), texts
        )
        rows.update(raw_ctranslate2(resolved, texts, args.tokens, threads))
    base = rows["transformers fp32"]
    print(f"{'engine':70} {'per article':>12} {'x fp32':>7}")
    for name, seconds in rows.items():
        print(f"{name:70} {seconds:10.2f} s {base / seconds:6.2f}x")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


def raw_ctranslate2(resolved, texts: list[str], new_tokens: int, threads: int) -> dict[str, float]:
    """The same generations straight through ctranslate2.Translator, in two layouts."""
    import ctranslate2
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(resolved.path / "tokenizer.json"))
    tokens = [tokenizer.encode(text).tokens for text in texts]
    options = {
        "beam_size": 4,
        "length_penalty": 2.0,
        "no_repeat_ngram_size": 3,
        "max_decoding_length": new_tokens,
        "min_decoding_length": new_tokens,
        "max_input_length": 0,
    }
    prefix = [["<s>"]]
    rows = {}
    one = ctranslate2.Translator(str(converted(resolved)), "cpu", compute_type="int8", intra_threads=threads)
    rows[f"raw CTranslate2 int8, 1 translator x {threads} threads"] = per_article(
        lambda t: one.translate_batch([tokenizer.encode(t[0]).tokens], target_prefix=prefix, **options), texts
    )
    half = max(1, threads // 2)
    two = ctranslate2.Translator(
        str(converted(resolved)), "cpu", compute_type="int8", intra_threads=half, inter_threads=2
    )
    began = time.monotonic()
    two.translate_batch(tokens, target_prefix=prefix * len(tokens), max_batch_size=1, **options)
    rows[f"raw CTranslate2 int8, 2 translators x {half} thread(s), two articles in flight"] = (
        time.monotonic() - began
    ) / len(texts)
    return rows


if __name__ == "__main__":
    sys.exit(main())
