"""Quotes wherever they run, paired as typographers and wire style pair them (quotes.py): never
narration taken for a quote. The articles in tests/data/quotes/ are wire and print copy of our
own, each quote annotated by hand in its *.expected.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.corpus import ARTICLES, ROOT, article_files
from typer.testing import CliRunner

from newsbrief.cli import app
from newsbrief.input.readers import read_article
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.quotes import find_quotes, looks_like_narration
from newsbrief.text.segmenting import segment_article
from newsbrief.text.spans import find_spans, quotes_of

QUOTED = ROOT / "tests" / "data" / "quotes"
runner = CliRunner()


def quotes_of_article(path: Path) -> list[str]:
    """Each quote of the article, whole (its pieces over lines joined), as segmented."""
    article = read_article(path)
    lang = path.name.split("-", 1)[0]
    doc = segment_article(article, lang, LanguageIdentifier(), {"uk", "en", "ru"})
    sentences = doc.sentences
    return find_quotes([s.text for s in sentences], [s.paragraph for s in sentences]).texts


@pytest.mark.parametrize("path", sorted(QUOTED.glob("*.txt")), ids=lambda p: p.name)
def test_every_quote_of_wire_and_print_copy_is_found_once_and_no_narration(path: Path) -> None:
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    found = quotes_of_article(path)
    assert found == expected["quotes"]
    assert not [q for q in found if looks_like_narration(q)]


@pytest.mark.parametrize("path", article_files(), ids=lambda p: p.name)
def test_no_quote_of_the_corpus_looks_like_narration(path: Path) -> None:
    assert not [q for q in quotes_of_article(path) if looks_like_narration(q)]


def quotes(*paragraphs: str) -> tuple[list[str], list[str]]:
    found = find_quotes(list(paragraphs), list(range(len(paragraphs))))
    return found.texts, [mark for _, _, mark in found.unpaired]


@pytest.mark.parametrize(
    ("paragraphs", "expected", "unpaired"),
    [
        # the closing mark of one quote is never paired with the opening mark of the next
        (
            ['"We will not give up," it said. "We never have."'],
            ["We will not give up,", "We never have."],
            [],
        ),
        (['He said: "They want more.'], [], ['"']),  # opened, never closed: no quote
        (['…said an analyst at a research firm. "'], [], ['"']),
        # a paragraph that opens and does not close goes on only where the next one reopens
        (['"The quote goes on', '"and ends here," he said.'], ["The quote goes on and ends here,"], []),
        (['"A quote left open', "Narration that must not be a quote."], [], ['"']),
        # marks that are not quotes
        (['He is 5\'11" tall and his TV is 65" wide.'], [], []),
        (["They played rock 'n' roll in the '90s, didn't they?"], [], []),
        (["п'ять об'єктів, Russia’s war and the countries’ leaders"], [], []),
        # single marks: speech, or scare quotes
        (["He called it a ‘win-win’ deal."], [], []),
        (["She said: ‘We will win.’"], ["We will win."], []),
        (["‘We will win,’ she said."], ["We will win,"], []),
        (
            ["It was ‘a deal that nobody in the region will ever forget’."],
            ["a deal that nobody in the region will ever forget"],
            [],
        ),
        # a quote of a quote is one quote
        (
            ["\"He told me, 'I want to win here,' and I believed him,\" the coach said."],
            ["He told me, 'I want to win here,' and I believed him,"],
            [],
        ),
        (["«Партнери кажуть: „торгуймо більше“», — заявив він."], ["Партнери кажуть: „торгуймо більше“"], []),
        # Ukrainian print style: a „…“ quote over two paragraphs, the second not reopening it
        (
            ["Він сказав: „Ми працювали всю ніч.", "Ремонт триватиме тиждень“."],
            ["Ми працювали всю ніч. Ремонт триватиме тиждень"],
            [],
        ),
        # names in guillemets are no quote
        (["За даними «Укренерго», дефіциту немає."], [], []),
        # a quote ending in a year closes where it ends
        (['He said "growth of 5% in 2023" was the forecast.'], ["growth of 5% in 2023"], []),
        # flattened wire copy: a quote left open, then marks of two styles; a closing mark
        # followed by a reporting clause ends the quote open inside it, whatever its mark
        (
            [
                '"We have to be better. "If they\'re chosen, they\'ve got to produce," he said. '
                '“Yes," he added.'
            ],
            ["If they're chosen, they've got to produce,", "Yes,"],
            ['"'],
        ),
        (
            ['“Yes," he said.', "“If they're chosen, they've got to produce,” he said."],
            ["Yes,", "If they're chosen, they've got to produce,"],
            [],
        ),
        (['«Ми готові", — заявив він. «Так, готові».'], ["Ми готові", "Так, готові"], []),
        (
            [
                "“We must improve.",
                '"It is a big game," he added.',
                "“If they're chosen, they've got to produce,” he said.",
            ],
            ["It is a big game,", "If they're chosen, they've got to produce,"],
            ["“"],
        ),
        # a quote reopened in the paragraph runs on through a quote inside it that is reported
        (
            ['"It started.', "\"He told me 'go home,' he said, and I went,\" she said."],
            ["It started. He told me 'go home,' he said, and I went,"],
            [],
        ),
        # a nickname between a name's words is no speech, whatever verb follows
        (["Brian 'Head' Welch told the magazine the band would tour."], [], []),
        (['Brian "Head" Welch told the magazine the band would tour.'], [], []),
        (["Brian ‘Head’ Welch said the band would tour."], [], []),
        (["She said 'Yes' and left."], ["Yes"], []),
    ],
)
def test_quote_marks_are_paired_by_their_neighbours(
    paragraphs: list[str], expected: list[str], unpaired: list[str]
) -> None:
    assert quotes(*paragraphs) == (expected, unpaired)


def test_a_single_text_finds_the_same_quotes() -> None:
    text = '"We will not give up," it said. "We never have."'
    assert quotes_of(find_spans(text)) == ["We will not give up,", "We never have."]


def test_unpaired_marks_are_reported_in_article_json_and_check_reports_narration(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    text = (
        'Talks stall\n\nThe minister said: "We will not sign this.\n\nTalks resume on Monday, officials said.'
    )
    (source / "en-open-quote.txt").write_text(text, encoding="utf-8")
    (source / "en-wire-port-strike.txt").write_bytes((QUOTED / "en-wire-port-strike.txt").read_bytes())
    out = tmp_path / "out"
    options = ("--to", "en", "--summary-languages", "en", "--summariser", "extractive")
    result = runner.invoke(app, ["run", str(source), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "en-open-quote" / "article.json").read_text(encoding="utf-8"))
    assert record["quote_marks_unpaired"] == [{"line": 3, "character": 20, "mark": '"'}]
    assert record["fidelity"]["totals"]["quotes_total"] == 0
    checked = runner.invoke(app, ["check", str(out)])
    assert "6 quote(s) in the sources, 0 (0.0%) like narration" in checked.stderr


def test_check_names_quotes_that_look_like_narration(tmp_path: Path) -> None:
    """The alarm fires where a quote span ends like a reporting clause (an output edited by
    hand, or made by an older version that paired marks across quotes)."""
    source = tmp_path / "in"
    source.mkdir()
    (source / "uk-grain-exports.txt").write_bytes((ARTICLES / "uk-grain-exports.txt").read_bytes())
    out = tmp_path / "out"
    options = ("--to", "uk", "--summary-languages", "uk", "--summariser", "extractive")
    assert runner.invoke(app, ["run", str(source), "--out", str(out), *options]).exit_code == 0
    path = out / "uk-grain-exports" / "source.uk.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\n«Так він сказав:»\n", encoding="utf-8")
    checked = runner.invoke(app, ["check", str(out)])
    assert "1 (50.0%) like narration" in checked.stderr
    assert "quote looks like narration: Так він сказав:" in checked.stderr
