"""Figure and quote detection: edge cases beyond the corpus contract (tested in test_segmenting)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbrief.article import Article
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.segmenting import segment_article
from newsbrief.text.spans import figures_of, find_spans, quotes_of


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("Вночі −18 °C, вдень до +3, у горах (-7).", ["−18", "+3", "-7"]),
        ("Індекс змінився на +19,5% за рік, а витрати на −2,5 млрд грн.", ["+19,5%", "−2,5"]),
        ("COVID-19 and the 2023-10-13 report", ["19", "2023-10-13"]),
        ("Ціни зросли на 7,5–8,0% у 2024-2027 роках.", ["7,5–8,0%", "2024-2027"]),
        ("Розрахунок 136/131 та 13.10.23 о 21:01.", ["136/131", "13.10.23", "21:01"]),
        (
            "Сума 1\u00a0200 грн і 1\u202f500 грн, а також 12 500 000 доларів.",
            ["1\u00a0200", "1\u202f500", "12 500 000"],
        ),
        ("The bill is $1.153 billion, up 4.5% from €900 million.", ["$1.153", "4.5%", "€900"]),
        ("Ukraine-based firms", []),
    ],
)
def test_figures_as_written(text: str, figures: list[str]) -> None:
    assert figures_of(find_spans(text)) == figures


@pytest.mark.parametrize(
    ("text", "quotes"),
    [
        ("“We call it a ‘cautious optimism’ here,” he said.", ["We call it a ‘cautious optimism’ here,"]),
        ("\"We call it a 'cautious optimism',\" he said.", ["We call it a 'cautious optimism',"]),
        ("Загинули п'ятеро людей, пошкоджено об'єкти.", []),
        ("«Зруйновано п'ять об'єктів», — заявив він.", ["Зруйновано п'ять об'єктів"]),
        ("Він назвав це „великою перемогою“ і «кроком уперед».", ["великою перемогою", "кроком уперед"]),
    ],
)
def test_quotes_and_apostrophes(text: str, quotes: list[str]) -> None:
    assert quotes_of(find_spans(text)) == quotes


def _segment(paragraphs: list[str]) -> list[tuple[str, list[str]]]:
    article = Article(path=Path("quote.txt"), title="", paragraphs=paragraphs)
    doc = segment_article(article, "uk", LanguageIdentifier(), {"uk", "en", "ru"})
    return [(s.text, quotes_of(s.spans)) for s in doc.sentences]


def test_a_quote_over_several_paragraphs_is_a_quote_in_each() -> None:
    segments = _segment(
        [
            "Міністр сказав: «Ми втратили 12 об'єктів. Відновлення триватиме місяць.",
            "«Другий абзац цитати теж її частина», — додав він.",
        ]
    )
    quoted = [q for _, quotes in segments for q in quotes]
    assert " ".join(quoted) == (
        "Ми втратили 12 об'єктів. Відновлення триватиме місяць. Другий абзац цитати теж її частина"
    )


def test_an_opening_mark_that_is_never_closed_is_no_quote() -> None:
    segments = _segment(["Він сказав: «Ми готові до зими.", "Наступного дня ціни зросли."])
    assert all(not quotes for _, quotes in segments)
