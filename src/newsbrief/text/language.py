"""Language detection per article and per segment, with lingua (accurate on short text)."""

from __future__ import annotations

import re

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
# Languages by name, for prompts and messages: every one the detector can name (a flag said
# "reads as kk" where it meant Kazakh).
LANGUAGE_NAMES = {
    "en": "English",
    "uk": "Ukrainian",
    "ru": "Russian",
    "be": "Belarusian",
    "bg": "Bulgarian",
    "pl": "Polish",
    "cs": "Czech",
    "sk": "Slovak",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "ro": "Romanian",
    "tr": "Turkish",
    "ar": "Arabic",
    "he": "Hebrew",
    "ka": "Georgian",
    "hy": "Armenian",
    "kk": "Kazakh",
    "ja": "Japanese",
    "zh": "Chinese",
    "ko": "Korean",
    "hi": "Hindi",
}
# A segment shorter than this, or detected with less confidence, takes the article's language.
MIN_SEGMENT_LETTERS = 20
MIN_SEGMENT_CONFIDENCE = 0.8
# An output line is flagged as written in another language when the high-accuracy detector
# gives that language at least this (a short Russian line with Ukrainian-looking words: 0.78).
MIN_OTHER_LANGUAGE_CONFIDENCE = 0.7
# Where a text is cut into sentences to decide an article's language (language-neutral: the
# segmenter's rules need the language this is deciding).
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
# Lines whose language check is remembered (a chunk's worth), so verification does not redo it.
MAX_REMEMBERED = 20_000


class LanguageIdentifier:
    """Two lingua detectors, built once per run; each loads its models lazily.

    Whole articles are told apart among every DETECTABLE language in lingua's low-accuracy mode
    (trigram models only), which is reliable on text of a few hundred characters and holds about
    a quarter of the memory: high accuracy for all of them took 460 MB against 133 MB for this
    pair of detectors, on the corpus's mix of Latin and Cyrillic articles.

    A segment is asked of a high-accuracy detector that knows only the accepted languages, and
    moves to another accepted language only when the all-language detector agrees, so that a
    sentence in a language newsbrief does not translate is never forced into one it does."""

    def __init__(self, languages: tuple[str, ...] = DETECTABLE) -> None:
        self._languages = set(languages)
        self._all = (
            LanguageDetectorBuilder.from_languages(*_lingua(languages)).with_low_accuracy_mode().build()
        )
        self._accepted: dict[frozenset[str], LanguageDetector] = {}
        self._others: dict[tuple[str, str, frozenset[str]], str | None] = {}

    def detect(self, text: str) -> tuple[str | None, float]:
        """The most likely language code and its confidence, or (None, 0.0) for no letters."""
        return _best(self._all, text[:2000])

    def article_language(self, texts: list[str], accepted: set[str]) -> tuple[str | None, dict[str, float]]:
        """An article's language (None: no letters), and its sentences' shares by language when
        they decided it. The whole text is asked first; when it reads as a language newsbrief
        does not translate, its sentences decide: trigram models misread a short text as a
        whole (two Ukrainian sentences as Kazakh, confidence 1.0, each sentence alone Ukrainian
        1.0). The language holding most of the sentences' letters is the article's when it is
        an accepted one, so text whose sentences read as a working language is never skipped."""
        whole, _ = self.detect(" ".join(texts)[:3000])
        if whole is None or whole in accepted:
            return whole, {}
        shares = self.sentence_shares(texts)
        best = max(shares, key=lambda lang: shares[lang], default=None)
        return (best if best in accepted else whole), shares

    def sentence_shares(self, texts: list[str]) -> dict[str, float]:
        """Each language's share of the letters of the sentences it was detected in."""
        letters: dict[str, int] = {}
        for text in texts:
            for sentence in SENTENCE_END.split(text):
                count = sum(ch.isalpha() for ch in sentence)
                lang = self.detect(sentence)[0] if count else None
                if lang is not None:
                    letters[lang] = letters.get(lang, 0) + count
        total = sum(letters.values()) or 1
        return {lang: count / total for lang, count in sorted(letters.items(), key=lambda kv: -kv[1])}

    def detect_segment(self, text: str, article_lang: str, accepted: set[str]) -> str:
        """A segment keeps the article's language unless it clearly is another accepted one."""
        candidates = (accepted | {article_lang}) & self._languages
        if sum(ch.isalpha() for ch in text) < MIN_SEGMENT_LETTERS or len(candidates) < 2:
            return article_lang
        lang, confidence = _best(self._detector_for(candidates), text)
        if lang == article_lang or lang not in accepted or confidence < MIN_SEGMENT_CONFIDENCE:
            return article_lang
        return lang if self.detect(text)[0] == lang else article_lang

    def other_language(self, text: str, lang: str, accepted: set[str]) -> str | None:
        """The language `text` is written in when it is clearly not `lang`, or None. The
        high-accuracy detector of the accepted languages must give another one of them at least
        MIN_OTHER_LANGUAGE_CONFIDENCE; the detector of all 25 languages names the
        language when it is none of the accepted ones (a German line in the Ukrainian column)."""
        key = (text, lang, frozenset(accepted))
        if key not in self._others:  # the guard asks during translation, verification again
            if len(self._others) >= MAX_REMEMBERED:
                self._others.clear()
            self._others[key] = self._other_language(text, lang, accepted)
        return self._others[key]

    def _other_language(self, text: str, lang: str, accepted: set[str]) -> str | None:
        candidates = (accepted | {lang}) & self._languages
        if lang not in self._languages or len(candidates) < 2:
            return None
        shares = _confidences(self._detector_for(candidates), text)
        best = max(shares, key=lambda code: shares[code], default=None)
        if best is None or best == lang:
            return None
        # Sure it is another language (0.7), or sure it is not `lang` though torn between two
        # others: a Ukrainian line in the English column, read as Ukrainian 0.6 and Russian 0.4.
        if (
            shares[best] < MIN_OTHER_LANGUAGE_CONFIDENCE
            and shares.get(lang, 0.0) > 1 - MIN_OTHER_LANGUAGE_CONFIDENCE
        ):
            return None
        overall, _ = self.detect(text)
        return overall if overall is not None and overall not in candidates else best

    def _detector_for(self, languages: set[str]) -> LanguageDetector:
        key = frozenset(languages)
        if key not in self._accepted:
            self._accepted[key] = LanguageDetectorBuilder.from_languages(*_lingua(tuple(sorted(key)))).build()
        return self._accepted[key]


def _lingua(codes: tuple[str, ...]) -> list[Language]:
    return [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in codes]


def _confidences(detector: LanguageDetector, text: str) -> dict[str, float]:
    if not any(ch.isalpha() for ch in text):
        return {}
    values = detector.compute_language_confidence_values(text)
    return {value.language.iso_code_639_1.name.lower(): value.value for value in values}


def _best(detector: LanguageDetector, text: str) -> tuple[str | None, float]:
    """The most likely language and its confidence (lingua lists them most likely first)."""
    shares = _confidences(detector, text)
    best = next(iter(shares), None)
    return (best, shares[best]) if best is not None else (None, 0.0)


def language_name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, lang)
