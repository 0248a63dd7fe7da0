"""An oracle apart from newsbrief's own code: every change a misbehaving model makes to a figure
is in the article's fidelity record, and the record holds no change that is not there.

The comparison here is written from README's rules ("Figures and quotes") alone, without
importing spans.py or figures.py: figures are found by regular expressions of its own and
compared as multisets of whole figures per line, each with its scale word. Every corpus article
and every hard article (tests/data/hard, tests/data/quotes) goes through every variant of the
trained model (tests/support/trainer.py), greedily and without beam candidates, so that what
the model wrote stays in the file for the oracle to see.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from support.corpus import ARTICLES, ROOT, is_article_folder
from support.trained import NEWSMT_VARIANTS, variant_runs

HARD = [
    *sorted((ROOT / "tests" / "data" / "hard").glob("*.txt")),
    *sorted((ROOT / "tests" / "data" / "quotes").glob("*.txt")),
]

# The oracle's own figure: an optional sign, an optional currency, a number (thousands in groups
# of three after a space, decimals after , or ., times and fractions after : or /, a vulgar
# fraction), an optional range end after a dash, an optional percent, spaced or not.
_FRACTION = "½¼¾⅓⅔⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_AMOUNT = rf"(?:\d{{1,3}}(?:[ \u00a0\u202f]\d{{3}})+(?!\d)|\d+)(?:[.,:/]\d+)*[{_FRACTION}]?|[{_FRACTION}]"
_ORACLE_FIGURE = re.compile(
    r"(?<![\w.,])(?:[−+]|(?<![^\s(])-)?(?:(?:[A-Z]{1,2}\$|[$€£₴¥₽])\s?)?"
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|(?:{_AMOUNT})(?:(?:[ \u00a0]?[–—][ \u00a0]?|-)(?:{_AMOUNT}))?)"
    r"(?:[ \u00a0\u202f]?%)?"
)
# Scale words and their powers of ten, as README lists them.
_SCALE_WORDS = {
    3: r"тис\.?|тисяч\w*|тыс\.?|тысяч\w*|thousands?",
    6: r"млн\.?|мільйон\w*|миллион\w*|millions?|mln\.?|mn",
    9: r"млрд\.?|мільярд\w*|миллиард\w*|billions?|bn",
    12: r"трлн\.?|трильйон\w*|триллион\w*|trillions?|tn",
}
_AFTER = re.compile(r"[ \u00a0\u202f]?(" + "|".join(_SCALE_WORDS.values()) + r")(?!\w)", re.IGNORECASE)
_CURRENCY_AFTER = re.compile(r"([kmb])(?!\w)", re.IGNORECASE)


def oracle_figures(line: str) -> list[tuple[str, int, str]]:
    """(figure as written, power of ten of its scale, how it is shown) for each figure of a line."""
    found = []
    for match in _ORACLE_FIGURE.finditer(line):
        rest = line[match.end() :]
        scale = _AFTER.match(rest)
        word = scale.group(1) if scale else ""
        if not word and re.match(r"[−+-]?(?:[A-Z]{1,2}\$|[$€£₴¥₽])", match.group()):
            short = _CURRENCY_AFTER.match(rest)
            word = short.group(1) if short else ""
        power = next((p for p, words in _SCALE_WORDS.items() if re.fullmatch(words, word, re.IGNORECASE)), 0)
        if word.lower() in ("k", "m", "b"):
            power = {"k": 3, "m": 6, "b": 9}[word.lower()]
        shown = f"{match.group()} {word}" if word else match.group()
        found.append((match.group(), power, shown))
    return found


def oracle_changes(source: str, output: str) -> tuple[list[str], list[str]]:
    """(the source's figures the output does not have, the output's the source does not have),
    whole figures, as multisets."""
    wanted = Counter((text, power) for text, power, _ in oracle_figures(source))
    written = Counter((text, power) for text, power, _ in oracle_figures(output))
    shown = {
        (text, power): label for text, power, label in [*oracle_figures(source), *oracle_figures(output)]
    }
    lost = [shown[key] for key in (wanted - written).elements()]
    added = [shown[key] for key in (written - wanted).elements()]
    return sorted(lost), sorted(added)


def recorded_changes(translation: dict, segment: int) -> tuple[list[str], list[str]]:
    figures = translation["figures"]
    lost = [c["source"] for c in figures["changed"] if c["segment"] == segment]
    lost += [m["figure"] for m in figures["missing"] if m["segment"] == segment]
    added = [c["output"] for c in figures["changed"] if c["segment"] == segment]
    added += [i["figure"] for i in figures["invented"] if i["segment"] == segment]
    return sorted(lost), sorted(added)


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


@pytest.fixture(scope="module")
def runs(trained_models: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each variant's run over the corpus and the hard articles (every pair on that variant)."""
    options = ["--to", "uk,en", "--summariser", "extractive", "--beams", "1", "--figure-candidates", "0"]
    options += ["--backend", "transformers"]
    return variant_runs(trained_models, tmp_path_factory.mktemp("oracle"), ARTICLES, HARD, options, (0,))


@pytest.mark.parametrize("variant", NEWSMT_VARIANTS)
def test_every_figure_change_the_oracle_sees_is_in_the_record_and_nothing_else(
    runs: dict[str, Path], variant: str
) -> None:
    out = runs[variant]
    unflagged = false_flags = 0
    for folder in sorted(p for p in out.iterdir() if is_article_folder(p)):
        record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
        source = lines_of(folder / f"source.{record['language']}.txt")
        for lang, translation in record["fidelity"]["translations"].items():
            lines = lines_of(folder / f"translation.{lang}.txt")
            for index, (src, written) in enumerate(zip(source, lines, strict=True)):
                seen, recorded = oracle_changes(src, written), recorded_changes(translation, index)
                unflagged += sum(
                    (Counter(a) - Counter(b)).total() for a, b in zip(seen, recorded, strict=True)
                )
                false_flags += sum(
                    (Counter(b) - Counter(a)).total() for a, b in zip(seen, recorded, strict=True)
                )
                assert recorded == seen, (variant, folder.name, lang, index + 1, src, written)
    print(f"{variant}: {unflagged} unflagged changes, {false_flags} false flags")
