"""What the figure and quote guard is asked to do: the settings' choices and the policy made of
them. Apart from the guard itself so that the settings, which every command reads (`--help`
included), do not import the guard's detectors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FigureMode(StrEnum):
    """The form a translation's figures must have."""

    VERBATIM = "verbatim"  # as the source writes them
    LOCALISE = "localise"  # the target language's separators, converted by rule


class UnverifiedMode(StrEnum):
    """What a translation holds when its figures cannot be verified (it is flagged either way)."""

    BEST = "best"  # the best translation found
    SOURCE = "source"  # the source line itself


class QuoteMode(StrEnum):
    """What a translation's quotes hold."""

    TRANSLATED = "translated"
    ORIGINAL = "original"  # the source's own words
    BOTH = "both"  # the translation, then the original


@dataclass(frozen=True)
class GuardPolicy:
    figures: FigureMode = FigureMode.VERBATIM
    unverified: UnverifiedMode = UnverifiedMode.BEST
    quotes: QuoteMode = QuoteMode.TRANSLATED
    candidates: int = 4  # beam candidates looked at when the first one loses a figure
