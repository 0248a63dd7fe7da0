"""What can be wrong with a model's output besides its figures and quotes: it loops, it is far
shorter or longer than its source, it stops mid-sentence, it is empty, or it is not in the
language asked for (an untranslated line, or a Russian line in the Ukrainian column).

These are the failures translation models are best known for (repetition loops: EasyNMT #22,
#38; OPUS-MT-train #62). The guard asks the model's other beams for a line that trips one
(generation/translation.py), and fidelity/verify.py flags what is still wrong, so `newsbrief
run` and `newsbrief check` find the same problems. Each check compares the output with its
source, so a source that itself repeats a phrase, or ends without a full stop, is never held
against its translation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from newsbrief.fidelity.glossary import Glossary
from newsbrief.text.language import LanguageIdentifier, language_name
from newsbrief.text.spans import find_spans, quotes_of

# A phrase of one to four words written this many times (a single word: in a row): a loop.
LOOP_REPEATS = 4
_LOOP_RE = re.compile(rf"\b(\w+(?:\W+\w+){{0,3}}?)(?:\W+\1\b){{{LOOP_REPEATS - 1},}}", re.IGNORECASE)
# Anywhere in the line, not only in a row: a phrase of two words six times, of three or four
# words four times ("of the" may come five times in a long sentence; a loop comes back for ever).
PHRASE_REPEATS = {2: 6, 3: 4, 4: 4}
# The same within a word ("isisisisis", "200000000000"): two to ten characters, five times over.
_STUTTER_RE = re.compile(r"(\w{2,10}?)\1{4,}")
# Output characters per source character; outside this band a line was cut or ran away. Real
# uk, ru and en translations of a news sentence stay within 0.6–1.6 of each other.
LENGTH_BAND = (0.4, 2.5)
# Lines shorter than this are checked neither for length nor for language: a name, a figure,
# a one-word headline say too little.
MIN_CHECKED_CHARS = 20
# The language check needs this many letters of the line's own words (quotes and figures left
# out, since a quote may stay in its language), and at least three words that are not names.
MIN_LANGUAGE_LETTERS = 20
MIN_COMMON_WORDS = 3
DEGENERATE = "repeated words (degenerate output)"
# Words with letters a summary sentence has at the least ("%. %. %.", "in the year." are no
# summary sentences), and words at the most (a news summary sentence is under 60; a model that
# runs on to its length cap writes one sentence of 100 and more).
SUMMARY_SENTENCE_WORDS = (3, 80)
# A quote kept in its source language is this close to the source's quote, in characters, at
# the least: a model that copies a line writes it nearly whole (0.93 for `Цінаіна на мясо` for
# `Ціна на м'ясо`); translations into English share next to nothing with it, and Ukrainian ↔
# Russian ones as much as 0.88, which is why the quote must also read as another language.
QUOTE_KEPT_SIMILARITY = 0.75
SENTENCE_END = re.compile(r"[.!?…:;]['\"»”’)\]]*\s*$")


@dataclass
class OutputChecks:
    """The checks of one run. `identifier` is the run's language detector (None: no language
    check, as for a caller that has no detector); `accepted` the languages a line may be told
    apart among (the run's source and target languages); `glossary` the terms a translation
    must render (fidelity/glossary.py)."""

    identifier: LanguageIdentifier | None = None
    accepted: frozenset[str] = field(default_factory=frozenset)
    glossary: Glossary = field(default_factory=Glossary)

    def problems(self, source: str, output: str, target: str) -> list[str]:
        """Everything wrong with `output` as the translation of `source` into `target`, terms
        aside (fidelity/verify.py counts those apart)."""
        if not output.strip():
            return ["empty output"]
        changed = self.changed_quotes(source, output, target)
        found = [*form_problems(source, output), *changed]
        # The line's own words first; where they are too few, the whole line if it is a copy.
        wrong = self.language_problem(output, target) or self.untranslated(
            source, output, target, bool(changed)
        )
        return [*found, wrong] if wrong else found

    def problems_with_terms(self, source: str, output: str, source_lang: str, target: str) -> list[str]:
        """`problems`, and each glossary term of `source` that `output` misses: what the guard
        searches the beam candidates to be rid of."""
        return [
            *self.problems(source, output, target),
            *self.glossary.missing(source, output, source_lang, target),
        ]

    def untranslated(self, source: str, output: str, target: str, quote_changed: bool = False) -> str | None:
        """The source line itself, in another language than `target`: told from the whole line,
        quotes and names included (a line of a quote and a name has too few words of its own
        for language_problem, but as a copy it is plainly untranslated). So is a copy with words
        changed inside its quotes: its words outside them the source's own (`— сказал он.` left
        as it was), or a quote changed in its own language (changed_quotes). A line already in
        the target language, copied on purpose, reads as `target`; a line that is one quote kept
        verbatim (`--quotes original`) is no copy."""
        own = _own_words(output)
        copied = output.split() == source.split() or quote_changed or (own and own == _own_words(source))
        if self.identifier is None or not copied:  # spaces aside (a no-break one)
            return None
        # Any length, as long as it holds a word of the language's own (a lower-case word: a
        # date, a caption), not only names and acronyms (NATO, BBC News), which stay as they are.
        has_common_word = any(w[0].islower() for w in re.findall(r"[^\W\d_]{3,}", output))
        if sum(ch.isalpha() for ch in output) < MIN_LANGUAGE_LETTERS and not has_common_word:
            return None
        lang = self.identifier.other_language(output, target, set(self.accepted))
        return _not_in(target, lang) if lang else None

    def sentence_problem(self, sentence: str, lang: str) -> str | None:
        """What is wrong with one sentence of a summary in `lang` as a sentence of it: written in
        a loop, too short or too long to be a sentence, or in another language. A summary has
        no source line to compare with, so these are judged on the sentence alone."""
        if degenerate(sentence):
            return DEGENERATE
        words = re.findall(r"[^\W\d_]+", sentence)
        if len(words) < SUMMARY_SENTENCE_WORDS[0]:
            return f"{len(words)} word(s): too short for a sentence"
        if len(sentence.split()) > SUMMARY_SENTENCE_WORDS[1]:
            return f"{len(sentence.split())} words: a runaway sentence"
        return self.language_problem(sentence, lang) if lang else None

    def changed_quotes(self, source: str, output: str, target: str) -> list[str]:
        """Each quote the output kept in its source language, but not word for word: close to a
        quote of the source (QUOTE_KEPT_SIMILARITY of its characters), not its words, and not
        in `target` (Ukrainian and Russian translations of a quote come as close)."""
        if self.identifier is None:
            return []
        source_quotes = quotes_of(find_spans(source))
        found = []
        for quote in quotes_of(find_spans(output)):
            if not source_quotes or quote.split() in [q.split() for q in source_quotes]:
                continue
            scored = [(SequenceMatcher(None, q, quote).ratio(), q) for q in source_quotes]
            ratio, closest = max(scored, key=lambda pair: pair[0])  # the first of equals
            if ratio < QUOTE_KEPT_SIMILARITY:
                continue  # another text: a translation, or another quote (counted apart)
            if self.identifier.other_language(quote, target, set(self.accepted) | {target}) is None:
                continue
            changed = _changed_words(closest, quote)
            found.append(f"quote changed in its own language: {changed}")
        return found

    def language_problem(self, text: str, target: str) -> str | None:
        """`not in Ukrainian: reads as Russian`, or None when it is in `target` or too short or
        too full of names to tell (LanguageIdentifier.other_language says how sure it must be)."""
        if self.identifier is None:
            return None
        own = _own_words(text)
        common = [w for w in own if not w[0].isupper()]
        if sum(len(w) for w in own) < MIN_LANGUAGE_LETTERS or len(common) < MIN_COMMON_WORDS:
            return None
        lang = self.identifier.other_language(" ".join(own), target, set(self.accepted))
        return _not_in(target, lang) if lang else None


def _changed_words(source: str, output: str) -> str:
    """The first words the output wrote otherwise: `что → чч`."""
    a, b = source.split(), output.split()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b).get_opcodes():
        if tag != "equal":
            return f"{' '.join(a[i1:i2]) or '…'} → {' '.join(b[j1:j2]) or '…'}"
    return f"{source} → {output}"


def _not_in(target: str, lang: str) -> str:
    return f"not in {language_name(target)}: reads as {language_name(lang)}"


def form_problems(source: str, output: str) -> list[str]:
    """Loops, a length outside the band, a sentence left unfinished; language aside."""
    problems = []
    if loops(output) and not loops(source):
        problems.append(DEGENERATE)
    if len(source) >= MIN_CHECKED_CHARS:
        ratio = len(output) / len(source)
        low, high = LENGTH_BAND
        if not low <= ratio <= high:
            problems.append(f"length {ratio:.2f}× the source's (outside {low}–{high})")
    if SENTENCE_END.search(source) and not SENTENCE_END.search(output):
        problems.append("ends mid-sentence (cut short?)")
    return problems


# A word written three times in a row ("passed passed passed", "end end end"): a summary
# sentence does not say that (translations keep LOOP_REPEATS: a source may stutter on purpose).
_TRIPLED_RE = re.compile(r"\b([^\W\d_]+)(?:\W+\1\b){2,}", re.IGNORECASE)


def degenerate(sentence: str) -> bool:
    """A summary sentence a model wrote in a loop: a loop as a translation's (loops), or one
    word three times in a row."""
    return loops(sentence) or _TRIPLED_RE.search(sentence) is not None


def loops(text: str) -> bool:
    """A phrase or a piece of a word written over and over, in a row or not (a degenerate model
    drifts: "4441 people were 4441 people were 41 people were…"); runs of digits are figures
    (`1 000 000 000 000`), not loops."""
    matches = [*_LOOP_RE.finditer(text), *_STUTTER_RE.finditer(text)]
    if any(re.search(r"[^\W\d_]", match.group(1)) for match in matches):
        return True
    counts = _ngram_counts(text)
    return any(count >= PHRASE_REPEATS[len(phrase)] for phrase, count in counts.items())


def _ngram_counts(text: str) -> Counter[tuple[str, ...]]:
    """How often each phrase of two to four words occurs (phrases with a letter)."""
    words = [w.lower() for w in re.findall(r"\w+", text)]
    return Counter(
        tuple(words[i : i + n])
        for n in PHRASE_REPEATS
        for i in range(len(words) - n + 1)
        if any(re.search(r"[^\W\d_]", w) for w in words[i : i + n])
    )


def _own_words(text: str) -> list[str]:
    """The words of a line that are its own: not inside a quote, not a figure."""
    kept, position = [], 0
    for span in find_spans(text):
        if span.kind == "quote" and span.start >= position:
            kept.append(text[position : span.start])
            position = span.end
    kept.append(text[position:])
    return re.findall(r"[^\W\d_]{2,}", " ".join(kept))
