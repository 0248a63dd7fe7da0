"""Whether a translated quote still says what the source's quote says.

Counting quotes cannot tell a quote replaced by another (`"the situation is under control,"
said Denys Shmyhal.` for a source quote of other words, said by another): the count is kept.
So each quote a translation holds in the target language is translated back into the source's
language with the reverse pair's model (generation/quote_reading.py), and the reading is
compared here with the source line's quotes, character by character (chrF's character n-gram
F-score, which forgives inflections and word order). Below QUOTE_AGREEMENT, the line is flagged
"quote changed".

Why back, not forth: translating the source's quote alone with the same model and comparing it
with the quote inside the line misses a model that writes the same wrong quote both ways, and
the trained quote-replacer (tests/support/trainer.py, `>>quo<<`) often does: forth caught 55 of
its 136 replaced quotes and flagged 4 faithful ones; back, through the reverse pair, caught all
136 and flagged none of 556 faithful quotes (scripts/measure_quote_check.py; README, "Figures
and quotes").
"""

from __future__ import annotations

import re
from collections import Counter

from newsbrief.text.spans import find_spans, quotes_of

# chrF of a quote read back against the source's quote, at the least. A reading with an
# inflection or a synonym changed scores 0.66–0.78; another quote at most 0.24.
QUOTE_AGREEMENT = 0.45
_NGRAMS = 3  # character n-grams of one to three characters, as chrF's lower orders
_WORD_CHARS = re.compile(r"[^\W_]+")


def translated_quotes(source: str, output: str) -> list[str]:
    """The quotes of `output` that are not the source's own words (those `--quotes original`
    and `both` put back verbatim): the ones a model wrote."""
    kept = {" ".join(q.split()) for q in quotes_of(find_spans(source))}
    return [q for q in quotes_of(find_spans(output)) if " ".join(q.split()) not in kept]


def agreement(reading: str, quote: str) -> float:
    """chrF (β = 1) of `reading` against `quote`: letters and digits only, in lower case."""
    scores = []
    a, b = _normal(reading), _normal(quote)
    for n in range(1, _NGRAMS + 1):
        grams_a, grams_b = _grams(a, n), _grams(b, n)
        common = sum((grams_a & grams_b).values())
        total_a, total_b = sum(grams_a.values()), sum(grams_b.values())
        if not total_a or not total_b:
            continue
        precision, recall = common / total_a, common / total_b
        scores.append(0.0 if not common else 2 * precision * recall / (precision + recall))
    return sum(scores) / len(scores) if scores else 0.0


def changed_quotes(source: str, readings: dict[str, str]) -> list[tuple[str, str, float]]:
    """(quote as written, its reading, its best agreement with a source quote) for each quote
    whose reading agrees with none of the source line's quotes."""
    source_quotes = quotes_of(find_spans(source))
    changed = []
    for written, reading in readings.items():
        best = max((agreement(reading, quote) for quote in source_quotes), default=0.0)
        if best < QUOTE_AGREEMENT:
            changed.append((written, reading, round(best, 2)))
    return changed


def quote_changed(written: str, reading: str) -> str:
    """The flag of a changed quote, naming what it reads back as."""
    return f"quote changed: «{_short(written)}» reads back as «{_short(reading)}»"


def _normal(text: str) -> str:
    return "".join(_WORD_CHARS.findall(text.lower()))  # chrF leaves spaces out


def _grams(text: str, n: int) -> Counter[str]:
    return Counter(text[i : i + n] for i in range(len(text) - n + 1))


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
