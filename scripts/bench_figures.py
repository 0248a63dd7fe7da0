#!/usr/bin/env python3
"""How many figures survive translation, by mechanism, measured side by side in one run.

Takes every sentence with a figure from the corpus articles in the source language, translates
it once with a real translator (OPUS-MT, an instruction model, or the tiny test models), and
counts the source figures found in the translation:

  raw        the model's first translation, as it is
  + repair   a figure whose value survived in another form gets the source form back
  + n-best   lines still missing a figure are re-translated with N beam candidates, and the
             first candidate that keeps every figure is taken (what `newsbrief run` does)

Usage:
  python scripts/bench_figures.py --source en --target uk --translator instruct:PATH.gguf
  python scripts/bench_figures.py --source uk --target en -m uk-en=Helsinki-NLP/opus-mt-uk-en
  python scripts/bench_figures.py --source uk --target en --config .tiny-models/newsbrief.toml
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from newsbrief import load_settings
from newsbrief.stages import (
    GuardPolicy,
    LanguageIdentifier,
    ModelOptions,
    ModelPool,
    Routing,
    compare_figures,
    figures_in,
    figures_of,
    guard_translation,
    load_prompts,
    read_article,
    segment_article,
)

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "articles"


def corpus_sentences(corpus: Path, lang: str, limit: int) -> list[str]:
    identifier = LanguageIdentifier()
    sentences: list[str] = []
    for path in sorted(corpus.iterdir()):
        if path.name.endswith(".expected.json") or not path.name.startswith(f"{lang}-"):
            continue
        article = read_article(path)
        doc = segment_article(article, lang, identifier, {lang})
        sentences += [s.text for s in doc.sentences if figures_of(s.spans) and s.lang == lang]
    return sentences[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default="uk")
    parser.add_argument("--target", default="en")
    parser.add_argument("--translator", help="seq2seq (default) or instruct[:MODEL]")
    parser.add_argument("-m", "--model", action="append", default=[], help="ROLE=MODEL, as for newsbrief run")
    parser.add_argument("-c", "--config", type=Path)
    parser.add_argument("--candidates", type=int, default=4)
    parser.add_argument("--limit", type=int, default=200, help="at most this many sentences")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()

    settings = load_settings(args.config, {"translator": args.translator}, args.model)
    prompts = load_prompts(settings.models.prompts, Routing.of(settings))
    translator = ModelPool(ModelOptions.of(settings), prompts).translator(args.source, args.target)
    sentences = corpus_sentences(args.corpus, args.source, args.limit)
    expected = [figures_in(s) for s in sentences]
    total = sum(len(f) for f in expected)
    print(f"{len(sentences)} {args.source} sentences with {total} figures, translated into {args.target}")

    began = time.perf_counter()
    outputs = translator.translate(sentences)
    translate_seconds = time.perf_counter() - began
    raw = sum(len(compare_figures(f, o).kept) for f, o in zip(expected, outputs, strict=True))
    repaired_lines = [
        guard_translation(s, o, f, [], GuardPolicy()).text
        for s, o, f in zip(sentences, outputs, expected, strict=True)
    ]
    repaired = sum(len(compare_figures(f, o).kept) for f, o in zip(expected, repaired_lines, strict=True))

    needy = [
        i
        for i, (f, o) in enumerate(zip(expected, repaired_lines, strict=True))
        if compare_figures(f, o).missing
    ]
    began = time.perf_counter()
    options = translator.candidates([sentences[i] for i in needy], args.candidates) if needy else []
    candidate_seconds = time.perf_counter() - began
    final = list(repaired_lines)
    for i, candidates in zip(needy, options, strict=True):
        final[i] = guard_translation(sentences[i], outputs[i], expected[i], candidates, GuardPolicy()).text
    chosen = sum(len(compare_figures(f, o).kept) for f, o in zip(expected, final, strict=True))

    print(f"{'mechanism':<14}{'figures kept':>14}{'share':>8}{'seconds':>10}")
    for name, kept, seconds in (
        ("raw", raw, translate_seconds),
        ("+ repair", repaired, translate_seconds),
        (f"+ n-best ({args.candidates})", chosen, translate_seconds + candidate_seconds),
    ):
        print(f"{name:<14}{kept:>9}/{total:<4}{kept / max(1, total):>8.1%}{seconds:>10.1f}")
    print(f"lines re-translated for candidates: {len(needy)} of {len(sentences)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
