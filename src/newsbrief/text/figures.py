"""What a figure is worth, so that a translation's figures can be compared with the source's.

Machine translation changes the form of numbers (12,4 -> 12.4, 18 065 -> 18,065, 4,5% -> 4.5 %)
more often than their value. Comparing values tells a changed form (repairable: the source form
is put back) from a missing or invented figure (not repairable: flagged).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from newsbrief.article import Span
from newsbrief.text.spans import FRACTIONS, figure_spans

_GROUP_SPACES = " \u00a0\u202f"
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}$|[:/]|\d[.]\d+[.]\d")
# Thousands and decimal separators by language, for `--figures localise`.
CONVENTIONS = {"en": (",", "."), "uk": (" ", ","), "ru": (" ", ",")}
DEFAULT_CONVENTION = (" ", ",")


# Scale words that are part of a figure's value: "12,4 млн" is not "12,4 billion". They may be
# translated ("млн" -> "million") but not changed. "m", "k" and "b" count only after a currency
# figure ($5m); after a bare number they are metres and the like.
SCALES = (
    (10**3, r"тис\.?|тисяч\w*|тыс\.?|тысяч\w*|thousands?"),
    (10**6, r"млн\.?|мільйон\w*|миллион\w*|millions?|mln\.?|mn"),
    (10**9, r"млрд\.?|мільярд\w*|миллиард\w*|billions?|bn"),
    (10**12, r"трлн\.?|трильйон\w*|триллион\w*|trillions?|tn"),
)
CURRENCY_SCALES = {"k": 10**3, "m": 10**6, "b": 10**9}
_SCALE_RE = re.compile(
    r"[ \u00a0\u202f]?(" + "|".join(f"(?:{words})" for _, words in SCALES) + r")(?![\w])", re.IGNORECASE
)
_CURRENCY_SCALE_RE = re.compile(r"([kmb])(?![\w])", re.IGNORECASE)
_CURRENCY_SIGNS = "$€£₴¥₽"
FRACTION_SLASH = "\u2044"
# "1⁄2" -> "½": each vulgar fraction as NFKC spells it with the fraction slash.
SLASHED_FRACTIONS = {unicodedata.normalize("NFKC", vulgar): vulgar for vulgar in FRACTIONS}
FRACTION_VALUES = dict(
    zip(
        FRACTIONS,
        ("5", "25", "75", "333", "667", "2", "4", "6", "8", "167", "833", "125", "375", "625", "875"),
        strict=True,
    )
)


@dataclass(frozen=True)
class Figure:
    """A figure as found in a text: its text (what must come through verbatim) and the scale
    word after it, as written ("млн", "billion"; "" for none)."""

    text: str
    scale: str = ""

    @property
    def magnitude(self) -> int:
        return scale_of(self.scale)

    @property
    def key(self) -> tuple[str, int]:
        """Two figures are the same figure when their texts are the same and their scales mean
        the same ("млн" and "million")."""
        return (self.text, self.magnitude)

    def __str__(self) -> str:
        return f"{self.text} {self.scale}" if self.scale else self.text

    def same_value(self, other: Figure) -> bool:
        """Another form of the same value (12,4 and 12.4 million, 18 065 and 18,065)."""
        return self.magnitude == other.magnitude and bool(values(self.text) & values(other.text))


def scale_of(word: str) -> int:
    if not word:
        return 1
    lowered = word.lower()
    if lowered in CURRENCY_SCALES:
        return CURRENCY_SCALES[lowered]
    for magnitude, words in SCALES:
        if re.fullmatch(words, lowered):
            return magnitude
    return 1


def figures_in(text: str, spans: list[Span] | None = None) -> list[Figure]:
    """The figures of a text (its figure spans, found now unless given) with their scale words."""
    found = [s for s in (spans if spans is not None else figure_spans(text)) if s.kind == "figure"]
    return [Figure(span.text, _scale_after(text, span)) for span in found]


def _scale_after(text: str, span: Span) -> str:
    rest = text[span.end :]
    match = _SCALE_RE.match(rest)
    if match:
        return match.group(1)
    if span.text.lstrip("+-−").startswith(tuple(_CURRENCY_SIGNS)) or re.match(r"[A-Z]{1,2}\$", span.text):
        match = _CURRENCY_SCALE_RE.match(rest)
        if match:
            return match.group(1)
    return ""


@dataclass
class FigureComparison:
    """Source figures against one output text."""

    kept: list[Figure] = field(default_factory=list)
    changed: list[tuple[Figure, Figure]] = field(default_factory=list)  # (source, output): same value
    missing: list[Figure] = field(default_factory=list)
    invented: list[Figure] = field(default_factory=list)


def values(figure: str) -> frozenset[str]:
    """Every value the written figure may stand for ("1,000" is 1000 in English, 1.0 in
    Ukrainian); two forms are the same figure when their values meet. A fraction written with
    a fraction slash (`1⁄2`, what NFKC makes of `½`) is that vulgar fraction; with a plain
    slash (`1/2`) it may be one, or a date."""
    vulgar = SLASHED_FRACTIONS.get(figure.strip().replace("/", FRACTION_SLASH))
    if vulgar is None:
        return _values(figure)
    return _values(vulgar) if FRACTION_SLASH in figure else _values(vulgar) | _values(figure)


def _values(figure: str) -> frozenset[str]:
    text = figure.replace("−", "-").replace("–", "-").replace("—", "-")
    percent = "%" if text.endswith("%") else ""
    currency = _currency(text)
    text = re.sub(
        r"^[+-]?(?:[A-Z]{1,2})?[$€£₴¥₽]\s?", lambda m: m.group()[:1] if m.group()[0] in "+-" else "", text
    )
    text = text.strip("% \u00a0\u202f").replace(" ", "")
    sign = "-" if text.startswith("-") else ""
    text = text.lstrip("+-")
    if _DATE_LIKE.search(text):
        return frozenset({sign + re.sub(r"\D+", "|", text) + percent})
    parts = re.split(r"(?<=\d)-(?=\d)", text)  # a range: each end on its own
    readings = [_number_readings(part) for part in parts]
    combined = {""}
    for options in readings:
        combined = {f"{a}~{b}" if a else b for a in combined for b in options}
    return frozenset(currency + sign + value + percent for value in combined)


def _currency(text: str) -> str:
    """The currency a figure is in: a dollar is a dollar, whoever writes it ($, US$)."""
    match = re.search(r"[$€£₴¥₽]", text)
    return match.group() if match else ""


def _number_readings(number: str) -> set[str]:
    for space in _GROUP_SPACES:
        number = number.replace(space, "")
    if number and number[-1] in FRACTION_VALUES:  # 2½ is 2.5, ½ is 0.5
        whole = number[:-1] or "0"
        return {_canonical(f"{whole}.{FRACTION_VALUES[number[-1]]}")} if whole.isdigit() else {number}
    if "," in number and "." in number:  # the last separator is the decimal one
        decimal = "," if number.rfind(",") > number.rfind(".") else "."
        group = "." if decimal == "," else ","
        return {_canonical(number.replace(group, "").replace(decimal, "."))}
    for separator in (",", "."):
        if separator in number:
            pieces = number.split(separator)
            readings = set()
            if len(pieces) == 2:
                readings.add(_canonical(number.replace(separator, ".")))
            if all(len(p) == 3 for p in pieces[1:]):
                readings.add(_canonical(number.replace(separator, "")))
            return readings or {number}
    return {_canonical(number)}


def _canonical(number: str) -> str:
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number.lstrip("0") or "0"


def localise(figure: str, source_lang: str, target_lang: str) -> str:
    """The figure with the target language's thousands and decimal separators. Only numbers
    written by the source language's convention are converted (en "1,000.5", uk "1 000,5");
    dates, times, fractions and anything else are left as written."""
    if _DATE_LIKE.search(figure.strip("%$€£₴")):
        return figure
    source_group, source_decimal = CONVENTIONS.get(source_lang, DEFAULT_CONVENTION)
    target_group, target_decimal = CONVENTIONS.get(target_lang, DEFAULT_CONVENTION)
    groups = re.escape(_GROUP_SPACES if source_group == " " else source_group)
    decimal = re.escape(source_decimal)
    number = rf"\d{{1,3}}(?:[{groups}]\d{{3}})+(?:{decimal}\d+)?|\d+(?:{decimal}\d+)?"

    def convert(match: re.Match[str]) -> str:
        integer, _, fraction = match.group().partition(source_decimal)
        integer = re.sub(rf"[{groups}]", target_group, integer)
        return integer + (target_decimal + fraction if fraction else "")

    return re.sub(rf"(?<![\d{groups}{decimal}])(?:{number})(?!\d)", convert, figure)


def compare_figures(source_figures: list[Figure], output: str) -> FigureComparison:
    """Whole figures against whole figures, by multiset: kept (the same text and scale), changed
    (the same value in another form), missing; and invented (the output's other figures). A
    `1` inside `1 000` is no `1`, and one `€50` does not keep two."""
    result = FigureComparison()
    remaining = list(figures_in(output))
    unmatched: list[Figure] = []
    for figure in source_figures:
        same = next((i for i, f in enumerate(remaining) if f.key == figure.key), None)
        if same is None:
            unmatched.append(figure)
        else:
            result.kept.append(figure)
            del remaining[same]
    for figure in unmatched:
        same = next((i for i, f in enumerate(remaining) if figure.same_value(f)), None)
        if same is None:
            result.missing.append(figure)
        else:
            result.changed.append((figure, remaining.pop(same)))
    result.invented = remaining
    return result


def in_figures(figure: Figure, figures: list[Figure]) -> bool:
    """Whether the figure, text and scale, is one of these (a summary's figure in the article)."""
    return any(figure.key == other.key for other in figures)


def repair_forms(output: str, changed: list[tuple[Figure, Figure]]) -> str:
    """Puts the source form back where the model changed only the form of a figure (the scale
    word, translated, stays)."""
    for source, written in changed:
        pattern = rf"(?<![\d.,]){re.escape(written.text)}(?![\d]|[.,]\d)"
        output = re.sub(pattern, lambda _m, s=source.text: s, output, count=1)
    return output
