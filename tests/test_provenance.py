"""Each summary sentence traced to the article lines it draws on (provenance.py), on the
corpus's real articles in the three languages."""

from __future__ import annotations

import pytest
from support.corpus import article_files, segmented

from newsbrief.fidelity.provenance import projected_lines, trace


def _lines(name: str) -> list[str]:
    return [segment.text for segment in segmented(name).segments]


@pytest.mark.parametrize("path", article_files(), ids=lambda p: p.name)
def test_every_sentence_of_an_article_is_traced_to_itself(path) -> None:
    """An extractive summary of every sentence: each is its own best source, whatever the
    language, and none is unsupported."""
    lines = _lines(path.name)
    sentences = [line for line in lines if len(line.split()) >= 4]
    for line, found in zip(sentences, trace(sentences, lines), strict=True):
        assert found.supported, line
        assert lines[found.sources[0]] == line, (line, found)
        assert found.coverage == 1.0


def test_case_forms_figures_in_another_form_and_names_meet() -> None:
    lines = [
        "Енергетики відновили живлення Києва після атаки.",
        "",
        "Україна експортувала 12,4 млн тонн зерна з початку року.",
        "Погода в Одесі була сонячною.",
    ]
    traced = trace(["У Києві енергетики відновлюють живлення.", "Експорт зерна — 12.4 млн тонн."], lines)
    assert [t.sources[0] for t in traced] == [0, 2]


def test_a_sentence_the_article_does_not_hold_is_unsupported() -> None:
    lines = _lines("uk-grain-exports.txt")
    invented = "Компанія Apple представила новий смартфон на презентації в Каліфорнії."
    (found,) = trace([invented], lines)
    assert not found.supported and found.sources == ()
    english = _lines("en-imf-budget.md")
    (found,) = trace(["The weather in Lisbon was sunny and warm all weekend long."], english)
    assert not found.supported


def test_only_candidates_are_sources_and_a_projection_keeps_the_articles_order() -> None:
    lines = _lines("en-kirby-dprk-arms.txt")
    body = list(range(1, len(lines)))
    last = len(lines) - 1
    traced = trace([lines[0], lines[last], lines[2]], lines, body)
    assert traced[0].supported and 0 not in traced[0].sources  # the title, left out as a source
    assert [t.sources[0] for t in traced[1:]] == [last, 2]
    assert projected_lines(traced) == sorted({traced[0].sources[0], 2, last})
