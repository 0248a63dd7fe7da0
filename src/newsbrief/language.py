"""Language detection per article and per segment, with lingua (accurate on short text)."""

from __future__ import annotations

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

# Languages the detector can tell apart. Wider than what we translate, so that an article in
# Japanese is reported as Japanese rather than guessed to be the nearest supported language.
DETECTABLE = (
    "uk",
    "ru",
    "en",
    "be",
    "bg",
    "pl",
    "cs",
    "sk",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "ro",
    "tr",
    "ar",
    "he",
    "ka",
    "hy",
    "kk",
    "ja",
    "zh",
    "ko",
    "hi",
)
# A segment shorter than this, or detected with less confidence, takes the article's language.
MIN_SEGMENT_LETTERS = 20
MIN_SEGMENT_CONFIDENCE = 0.8


class LanguageIdentifier:
    """Built once per run: lingua loads its models lazily, a second or two per language."""

    def __init__(self, languages: tuple[str, ...] = DETECTABLE) -> None:
        lingua_languages = [
            Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in languages
        ]
        self._detector: LanguageDetector = LanguageDetectorBuilder.from_languages(*lingua_languages).build()

    def detect(self, text: str) -> tuple[str | None, float]:
        """The most likely language code and its confidence, or (None, 0.0) for no letters."""
        if not any(ch.isalpha() for ch in text):
            return None, 0.0
        values = self._detector.compute_language_confidence_values(text[:2000])
        if not values:
            return None, 0.0
        best = values[0]
        return best.language.iso_code_639_1.name.lower(), best.value

    def detect_segment(self, text: str, article_lang: str, accepted: set[str]) -> str:
        """A segment keeps the article's language unless it clearly is another accepted one."""
        if sum(ch.isalpha() for ch in text) < MIN_SEGMENT_LETTERS:
            return article_lang
        lang, confidence = self.detect(text)
        if lang in accepted and confidence >= MIN_SEGMENT_CONFIDENCE:
            return lang
        return article_lang
