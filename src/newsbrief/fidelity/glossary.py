"""A newsroom's glossary: names and terms a translation must render one way ("Київ" → "Kyiv",
never "Kiev"), and names that stay as they are (the outlet's own name).

Files: TSV or CSV with a header row of language codes (`uk	en	ru`), one term per row, a `=` or
an empty cell meaning "keep the source's words as they are"; or TBX (TBX-Basic 2008's
`termEntry`/`langSet`/`tig`, and TBX v3's `conceptEntry`/`langSec`/`termSec`), the termbase
format CAT tools export.

Matching knows Ukrainian and Russian case forms by one stated rule (`word_pattern`): a word of a
term matches a word of the text that is its stem plus any noun or adjective case ending, where
the stem is the term's word less its own ending, and the stem's last vowel may alternate among
і/ї/о/е/є (Київ, Києва, Києві; Харків, Харкова; Львів, Львові; Москва, Москвы). Other languages
match the word itself, with an English possessive (Kyiv's). Case is ignored everywhere: house
style is about spelling, and a headline may be in capitals. The rule can over-match two names
that differ only in that vowel and under-match a fleeting vowel (ru Орёл, Орла): a glossary is
names, and the flag says what it looked for.

Enforcement is the figure guard's: a translation of a line that holds a term must hold the
term's target form (translating.Guard asks for it, so the beam candidates are searched), and
fidelity/verify.py flags the line "glossary term missing: Київ → Kyiv" when none had it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from newsbrief.errors import GlossaryError

# Noun and adjective case endings of Ukrainian and Russian, longest first where it matters.
_ENDINGS = (
    "ами ями ові еві єві ого ому его ему ими ыми ої ою ею єю ом ем єм ам ям ах ях ов ев ів їв ей "
    "ий ій ый ая яя ое ее ие ые их ых им ым ую юю а я у ю і ї е є о и ы ь й"
)
CASE_ENDINGS = tuple(_ENDINGS.split())
INFLECTED = frozenset({"uk", "ru"})
ALTERNATING_VOWELS = "іїоеє"
VOWELS = "аеєиіїоуюяыэё"
MIN_STEM = 3  # letters a stem keeps when its ending is taken off
WORD_RUN = re.compile(r"\w+")
KEEP = "="  # a cell that keeps the source's words as they are (so does an empty one)


@dataclass(frozen=True)
class Term:
    """One row: its words per language; None for a language whose cell keeps the source's words."""

    forms: tuple[tuple[str, str | None], ...]  # (language, words or None), in the file's order

    def form(self, lang: str) -> str | None:
        return dict(self.forms).get(lang)

    def covers(self, lang: str) -> bool:
        return lang in dict(self.forms)

    def as_record(self) -> dict[str, str]:
        return {lang: words if words is not None else KEEP for lang, words in self.forms}


@dataclass(frozen=True)
class TermUse:
    """A term found in a source line, and what its translation must then hold."""

    source: str  # the words as the line has them
    wanted: str  # the glossary's target form, or `source` when it is kept as is
    label: str  # "Київ → Kyiv", as the flag names it

    def found_in(self, text: str, target_lang: str) -> bool:
        if self.wanted == self.source:  # kept as is: the same words, verbatim
            return self.source.casefold() in text.casefold()
        return term_regex(self.wanted, target_lang).search(text) is not None


@dataclass
class TermIndex:
    """A language's terms by the keys their first word can match (word_keys): a line's words
    give their keys (text_keys), and only the terms under them are tried with their patterns,
    so a line costs its words, not the glossary's size (100,000 terms: one regex per term per
    line took minutes on a three-line article)."""

    by_key: dict[str, list[int]] = field(default_factory=dict)  # key -> term positions
    always: list[int] = field(default_factory=list)  # terms whose first word has no letter to key


@dataclass(frozen=True)
class Glossary:
    terms: tuple[Term, ...] = ()
    path: str = ""
    sha256: str = ""  # of the file's bytes: it enters every article's configuration hash
    # Built on first use per language; not part of what the glossary is.
    indexes: dict[str, TermIndex] = field(default_factory=dict, compare=False, repr=False)

    def __bool__(self) -> bool:
        return bool(self.terms)

    def candidates(self, text: str, lang: str) -> list[Term]:
        """The terms in `lang` whose first word may be in `text` (a superset of those there),
        in the glossary's order."""
        index = self.indexes.get(lang) or self.indexes.setdefault(lang, _index(self.terms, lang))
        hits = set(index.always)
        for run in WORD_RUN.findall(text.lower()):
            for key in text_keys(run, lang):
                hits.update(index.by_key.get(key, ()))
        return [self.terms[position] for position in sorted(hits)]

    def uses(self, source: str, source_lang: str, target_lang: str) -> list[TermUse]:
        """The terms of `source` (a line in `source_lang`) that a translation into `target_lang`
        must render, each once, in the order the glossary lists them."""
        found = []
        for term in self.candidates(source, source_lang):
            words = term.form(source_lang)
            if not words or not term.covers(target_lang):
                continue
            match = term_regex(words, source_lang).search(source)
            if match is None:
                continue
            target = term.form(target_lang)
            label = f"{words} → {target}" if target else f"{words} (kept as is)"
            found.append(TermUse(match.group(0), target or match.group(0), label))
        return found

    def missing(self, source: str, output: str, source_lang: str, target_lang: str) -> list[str]:
        """One problem per term of `source` that `output` does not render."""
        return [
            missing_term(use.label)
            for use in self.uses(source, source_lang, target_lang)
            if not use.found_in(output, target_lang)
        ]

    def found_in(self, text: str, lang: str) -> list[Term]:
        """The terms `text` holds in `lang` (what an article's record lists)."""
        candidates = self.candidates(text, lang)
        return [t for t in candidates if (w := t.form(lang)) and term_regex(w, lang).search(text)]


def missing_term(label: str) -> str:
    return f"glossary term missing: {label}"


def load_glossary(path: Path) -> Glossary:
    """TSV, CSV or TBX by the file's extension (.tsv, .csv, .tbx; .txt is read as TSV)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise GlossaryError(f"{path}: cannot read the glossary: {error.strerror or error}") from error
    suffix = path.suffix.lower()
    if suffix in (".tbx", ".xml"):
        terms = _tbx_terms(data, path)
    elif suffix in (".tsv", ".txt", ".csv"):
        terms = _table_terms(_decoded(data, path), path, "," if suffix == ".csv" else "\t")
    else:
        raise GlossaryError(f"{path}: not a glossary format newsbrief reads (.tsv, .csv, .tbx)")
    if not terms:
        raise GlossaryError(f"{path}: the glossary holds no term")
    return Glossary(tuple(terms), str(path.resolve()), hashlib.sha256(data).hexdigest())


def glossary_of_record(entries: list[dict[str, str]]) -> Glossary:
    """The terms an article.json lists, as a Glossary (`newsbrief check` uses what the run used)."""
    terms = [Term(tuple((lang, None if w == KEEP else w) for lang, w in entry.items())) for entry in entries]
    return Glossary(tuple(terms))


def _decoded(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise GlossaryError(f"{path}: not UTF-8 text (byte {error.start})") from error


def _table_terms(text: str, path: Path, delimiter: str) -> list[Term]:
    """Rows after the header; blank rows and rows starting with `#` are skipped."""
    languages: list[str] = []
    terms = []
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not languages:
            languages = [_language(cell, path, number) for cell in cells]
            continue
        if len(cells) > len(languages):
            raise GlossaryError(
                f"{path} line {number}: {len(cells)} cells, the header names {len(languages)}"
            )
        padded = cells + [""] * (len(languages) - len(cells))
        if term := _term(list(zip(languages, padded, strict=True))):
            terms.append(term)
    if not languages:
        raise GlossaryError(f"{path}: no header row naming the languages (e.g. uk<TAB>en<TAB>ru)")
    return terms


def _language(cell: str, path: Path, number: int) -> str:
    code = cell.split("-")[0].split("_")[0].lower()
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise GlossaryError(
            f"{path} line {number}: {cell!r} is not a language code (the header names languages)"
        )
    return code


def _term(cells: list[tuple[str, str]]) -> Term | None:
    """A row's term; None for a row that names no words at all (every cell keeps)."""
    forms = tuple((lang, None if words in ("", KEEP) else words) for lang, words in cells)
    return Term(forms) if any(words for _, words in forms) else None


def _tbx_terms(data: bytes, path: Path) -> list[Term]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise GlossaryError(f"{path}: not a readable TBX file: {error}") from error
    terms = []
    for entry in root.iter():
        if _local(entry.tag) not in ("termEntry", "conceptEntry"):
            continue
        forms = []
        for lang_set in entry:
            if _local(lang_set.tag) not in ("langSet", "langSec"):
                continue
            lang = _tbx_language(lang_set)
            words = next((t.text.strip() for t in lang_set.iter() if _local(t.tag) == "term" and t.text), "")
            if lang:
                forms.append((lang, words))
        if term := _term(forms):
            terms.append(term)
    return terms


def _tbx_language(element: ET.Element) -> str:
    for name, value in element.attrib.items():
        if _local(name) == "lang":
            return value.split("-")[0].split("_")[0].lower()
    return ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@lru_cache(maxsize=4096)  # a pure function of its text: each term is compiled once per process
def term_regex(words: str, lang: str) -> re.Pattern[str]:
    """The words of a term as a pattern over a text, case forms included where `lang` inflects."""
    parts = [word_pattern(word, lang) for word in words.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def _index(terms: tuple[Term, ...], lang: str) -> TermIndex:
    index = TermIndex()
    for position, term in enumerate(terms):
        words = term.form(lang)
        if not words:
            continue
        keys = word_keys(words.split()[0], lang)
        if not keys:
            index.always.append(position)
        for key in keys:
            index.by_key.setdefault(key, []).append(position)
    return index


def word_keys(word: str, lang: str) -> set[str]:
    """The keys under which a term's first word is indexed: each stem word_pattern allows, its
    alternating vowel made one mark (Київ: "ки*в"); a word word_pattern takes as it is, by its
    first run of word characters (S&P: "s"); empty for a word with none (always tried)."""
    if _inflects(word, lang):
        return {_vowel_marked(stem) for stem in _stems(word.lower())}
    run = WORD_RUN.search(word.lower())
    return {run.group(0)} if run else set()


def text_keys(run: str, lang: str) -> set[str]:
    """The keys a run of word characters of a text (lower case) can be found under: itself, and
    where words inflect, itself and itself less each case ending it ends with, vowel-marked. A
    word a term's pattern matches is such a run (the pattern needs a non-word character, or a
    space, on either side), so no term is missed: the index only narrows, the pattern decides."""
    keys = {run}
    if lang in INFLECTED:
        keys.add(_vowel_marked(run))
        keys.update(
            _vowel_marked(run[: -len(e)]) for e in CASE_ENDINGS if run.endswith(e) and len(run) > len(e)
        )
    return keys


def _inflects(word: str, lang: str) -> bool:
    return lang in INFLECTED and re.fullmatch(r"[^\W\d_]+", word) is not None


def _vowel_marked(stem: str) -> str:
    """The stem with the vowel _alternating lets vary replaced by one mark: two stems that one
    pattern matches get the same key."""
    for position in range(len(stem) - 1, 0, -1):
        if stem[position] in VOWELS:
            if stem[position] in ALTERNATING_VOWELS and position < len(stem) - 1:
                return stem[:position] + "*" + stem[position + 1 :]
            break
    return stem


def word_pattern(word: str, lang: str) -> str:
    """One word of a term: in Ukrainian or Russian, its stem with any case ending (the module's
    rule); elsewhere the word itself, with an English possessive."""
    if not _inflects(word, lang):
        possessive = r"(?:['’]s)?" if lang == "en" else ""
        return re.escape(word) + possessive
    endings = "|".join(re.escape(e) for e in CASE_ENDINGS)
    stems = sorted({_alternating(stem) for stem in _stems(word.lower())}, key=len, reverse=True)
    return f"(?:{'|'.join(stems)})(?:{endings})?"


def _stems(word: str) -> list[str]:
    """The word itself and the word less each case ending it ends with (keeping MIN_STEM letters)."""
    return [word] + [
        word[: -len(e)] for e in CASE_ENDINGS if word.endswith(e) and len(word) - len(e) >= MIN_STEM
    ]


def _alternating(stem: str) -> str:
    """The stem as a pattern whose last vowel may be any of the alternating ones (Київ/Києв)."""
    for position in range(len(stem) - 1, 0, -1):
        if stem[position] in VOWELS:
            if stem[position] in ALTERNATING_VOWELS and position < len(stem) - 1:
                return (
                    re.escape(stem[:position]) + f"[{ALTERNATING_VOWELS}]" + re.escape(stem[position + 1 :])
                )
            break
    return re.escape(stem)
