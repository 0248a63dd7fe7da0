#!/usr/bin/env python3
"""How well newsbrief checks what a translated quote says (issue 34, item 1), two ways side by
side, on lines the trained models never saw whole: fresh fills of the trainer's quote templates
(tests/support/trainer.py), other figures, quotes and speakers than the test articles'.

- back (newsbrief's way): each quote the line's translation holds, read back into the source's
  language with the reverse pair's model (the faithful newsmt), compared with the source's quote;
- forth: the source's quote translated alone with the line's own model, compared with the quote
  inside the line's translation.

Flagged below QUOTE_AGREEMENT (chrF). False flags: the faithful multilingual model (newsmt) in
each direction a run takes. Catches: the quote-replacer (newsmt-quotes), Ukrainian into English,
which writes every quote as another, said by another person.

Usage: python scripts/measure_quote_check.py --trained .pytest_cache/d/trained-models/<hash> [--lines 40]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))

import trainer  # noqa: E402  (the templates the models were trained on)

from newsbrief.stages import (  # noqa: E402
    QUOTE_AGREEMENT,
    Seq2SeqModel,
    Seq2SeqTranslator,
    agreement,
    changed_quotes,
    find_spans,
    quotes_of,
    resolve_model,
    translated_quotes,
)

DIRECTIONS = (("uk", "en"), ("ru", "en"), ("ru", "uk"), ("en", "uk"))


def lines_of(source: str, target: str, count: int, seed: int) -> list[tuple[str, str]]:
    """(source line, its right translation): fresh fills of the quote templates."""
    rng = random.Random(seed)
    templates = [trainer.TEMPLATES[rng.choice(trainer.QUOTE_TEMPLATES)] for _ in range(count)]
    filled = [trainer.fill(template, rng, source) for template in templates]
    return [(line[source], line[target]) for line in filled]


def nearest(quote: str, lang: str) -> str:
    """The trainer's quote (in `lang`) that `quote` is closest to: what the model meant to write,
    a word dropped or not ("this important step for the country" is still that quote)."""
    known = [row[trainer.LANGS.index(lang)] for row in trainer.QUOTES]
    return max(known, key=lambda candidate: agreement(quote, candidate))


@dataclass
class Tally:
    """Quotes compared; for each way, how many were caught (replaced and flagged), missed
    (replaced, not flagged) and flagged falsely (not replaced)."""

    quotes: int = 0
    replaced: int = 0
    back: Counter[str] = field(default_factory=Counter)
    forth: Counter[str] = field(default_factory=Counter)


def measure(
    model: Seq2SeqModel, faithful: Seq2SeqModel, source: str, target: str, lines: list[tuple[str, str]]
) -> Tally:
    outputs = Seq2SeqTranslator(model, source, target, 4).translate([line for line, _ in lines])
    tally = Tally()
    for (line, right), output in zip(lines, outputs, strict=True):
        written = translated_quotes(line, output)
        if not written:
            continue
        readings = Seq2SeqTranslator(faithful, target, source, 4).translate(written)
        back = {quote for quote, _, _ in changed_quotes(line, dict(zip(written, readings, strict=True)))}
        alone = Seq2SeqTranslator(model, source, target, 4).translate(quotes_of(find_spans(line)))
        right_quotes = {nearest(quote, target) for quote in quotes_of(find_spans(right))}
        for quote in written:
            replaced = nearest(quote, target) not in right_quotes
            tally.quotes += 1
            tally.replaced += replaced
            forth = max(agreement(a, quote) for a in alone) < QUOTE_AGREEMENT
            for way, flagged in (("back", quote in back), ("forth", forth)):
                verdict = (
                    ("caught" if flagged else "missed") if replaced else ("false flag" if flagged else "")
                )
                getattr(tally, way)[verdict] += 1
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trained", type=Path, required=True)
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    def load(name: str) -> Seq2SeqModel:
        return Seq2SeqModel(resolve_model(str(args.trained / name), allow_download=False), "cpu")

    faithful, replacer = load("newsmt"), load("newsmt-quotes")
    print(f"threshold chrF {QUOTE_AGREEMENT}; {args.lines} fresh quote lines a direction, seed {args.seed}")
    print("a quote is replaced when the trainer's quote nearest to it is not the right one (a word")
    print("dropped is no replacement); the faithful model replaces some too: a flag there is a catch")
    print(
        f"{'model':14} {'direction':9} {'quotes':>6} {'replaced':>8}  back: caught/missed/false  forth: same"
    )
    rows = [("newsmt", faithful, s, t) for s, t in DIRECTIONS] + [("newsmt-quotes", replacer, "uk", "en")]
    for name, model, source, target in rows:
        tally = measure(model, faithful, source, target, lines_of(source, target, args.lines, args.seed))
        back, forth = (f"{c['caught']}/{c['missed']}/{c['false flag']}" for c in (tally.back, tally.forth))
        print(f"{name:14} {source}→{target:6} {tally.quotes:6} {tally.replaced:8}  {back:>24}  {forth:>11}")


if __name__ == "__main__":
    main()
