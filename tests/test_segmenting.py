"""Segmenting: sentences never split inside figures or after abbreviations; spans; languages."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from support.corpus import ARTICLES, article_files, expected_for

from newsbrief.article import Article
from newsbrief.input.readers import read_article
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.segmenting import segment_article
from newsbrief.text.spans import figures_of, quotes_of

ACCEPTED = {"uk", "en", "ru"}


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier()


def segmented(path: Path, identifier: LanguageIdentifier):
    expected = expected_for(path)
    return segment_article(read_article(path), expected["lang"], identifier, ACCEPTED), expected


@pytest.mark.parametrize("path", article_files(), ids=lambda p: p.name)
def test_figures_and_quotes_survive_segmentation(path: Path, identifier: LanguageIdentifier) -> None:
    """Every expected figure and quote is found whole inside one segment, in order."""
    doc, expected = segmented(path, identifier)
    figures = [f for s in doc.segments for f in figures_of(s.spans)]
    quotes = [q for s in doc.segments for q in quotes_of(s.spans)]
    assert figures == expected["figures"]
    assert quotes == expected["quotes"]


@pytest.mark.parametrize("path", article_files(), ids=lambda p: p.name)
def test_no_sentence_ends_after_an_abbreviation(path: Path, identifier: LanguageIdentifier) -> None:
    """Inside a paragraph, a sentence never ends on млн/тис./грн/Dec. or the like."""
    doc, _ = segmented(path, identifier)
    sentences = doc.sentences
    for segment, following in itertools.pairwise(sentences):
        if following.paragraph != segment.paragraph:
            continue
        assert not re.search(r"\b(млн|тис|млрд|грн|ім|вул|Dec|Aug|Nov)\.?$", segment.text), segment.text


def test_segments_are_the_title_then_paragraphs(identifier: LanguageIdentifier) -> None:
    doc, expected = segmented(ARTICLES / "uk-grain-exports.txt", identifier)
    assert doc.segments[0].text == expected["title"]
    assert doc.segments[1].is_break
    paragraphs = {s.paragraph for s in doc.sentences}
    assert paragraphs == set(range(6))  # title + 5 paragraphs
    breaks = [s for s in doc.segments if s.is_break]
    assert len(breaks) == 5


def test_english_quote_in_ukrainian_article_is_english(identifier: LanguageIdentifier) -> None:
    doc, _ = segmented(ARTICLES / "uk-mixed-quote-en.txt", identifier)
    languages = {s.text[:20]: s.lang for s in doc.sentences}
    assert languages['"This package will p'] == "en"
    assert [s.lang for s in doc.sentences].count("en") == 1
    assert all(s.lang == "uk" for s in doc.sentences if not s.text.startswith('"This'))


def test_overlong_sentence_is_cut_between_words_and_flagged(identifier: LanguageIdentifier) -> None:
    words = ["слово"] * 400
    article = Article(path=Path("x.txt"), title="", paragraphs=[" ".join(words)])
    doc = segment_article(article, "uk", identifier, ACCEPTED, max_chars=200)
    assert len(doc.sentences) > 5
    assert all(len(s.text) <= 200 for s in doc.sentences)
    assert all("long sentence cut between words" in s.flags for s in doc.sentences)
    assert " ".join(s.text for s in doc.sentences).split() == words
