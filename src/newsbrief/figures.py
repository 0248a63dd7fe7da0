"""What a figure is worth, so that a translation's figures can be compared with the source's.

Machine translation changes the form of numbers (12,4 -> 12.4, 18 065 -> 18,065, 4,5% -> 4.5 %)
more often than their value. Comparing values tells a changed form (repairable: the source form
is put back) from a missing or invented figure (not repairable: flagged).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from newsbrief.spans import figures_of, find_spans

_GROUP_SPACES = " \u00a0\u202f"
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}$|[:/]|\d[.]\d+[.]\d")
# Thousands and decimal separators by language, for `--figures localise`.
CONVENTIONS = {"en": (",", "."), "uk": (" ", ","), "ru": (" ", ",")}
DEFAULT_CONVENTION = (" ", ",")


@dataclass
class FigureComparison:
    """Source figures against one output text."""

    kept: list[str] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)  # (source form, output form)
    missing: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)


def values(figure: str) -> frozenset[str]:
    """Every value the written figure may stand for ("1,000" is 1000 in English, 1.0 in
    Ukrainian); two forms are the same figure when their values meet."""
    text = figure.replace("−", "-").replace("–", "-").replace("—", "-")
    percent = "%" if text.endswith("%") else ""
    text = text.strip("%$€£₴ ").replace(" ", "")
    sign = "-" if text.startswith("-") else ""
    text = text.lstrip("+-")
    if _DATE_LIKE.search(text):
        return frozenset({sign + re.sub(r"\D+", "|", text) + percent})
    parts = re.split(r"(?<=\d)-(?=\d)", text)  # a range: each end on its own
    readings = [_number_readings(part) for part in parts]
    combined = {""}
    for options in readings:
        combined = {f"{a}~{b}" if a else b for a in combined for b in options}
    return frozenset(sign + value + percent for value in combined)


def _number_readings(number: str) -> set[str]:
    for space in _GROUP_SPACES:
        number = number.replace(space, "")
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


def compare_figures(source_figures: list[str], output: str) -> FigureComparison:
    """Kept (verbatim), changed (same value, other form), missing; and invented: output figures
    that are in no source figure."""
    result = FigureComparison()
    remaining = Counter(figures_of(find_spans(output)))
    unmatched: list[str] = []
    for figure in source_figures:
        if remaining[figure] > 0:
            remaining[figure] -= 1
            result.kept.append(figure)
        elif contains_figure(output, figure):
            result.kept.append(figure)
        else:
            unmatched.append(figure)
    for figure in unmatched:
        wanted = values(figure)
        same = next((f for f in remaining.elements() if values(f) & wanted), None)
        if same is None:
            result.missing.append(figure)
        else:
            remaining[same] -= 1
            result.changed.append((figure, same))
    sources = set(source_figures)
    result.invented = [f for f in remaining.elements() if not any(f in s or s in f for s in sources)]
    return result


def contains_figure(text: str, figure: str) -> bool:
    """Verbatim, and not as part of a longer number (12,4 is not kept by 112,45)."""
    pattern = rf"(?<![\d.,]){re.escape(figure)}(?![\d]|[.,]\d)"
    return re.search(pattern, text) is not None


def repair_forms(output: str, changed: list[tuple[str, str]]) -> str:
    """Puts the source form back where the model changed only the form of a figure."""
    for source_form, output_form in changed:
        pattern = rf"(?<![\d.,]){re.escape(output_form)}(?![\d]|[.,]\d)"
        output = re.sub(pattern, lambda _m, s=source_form: s, output, count=1)
    return output
