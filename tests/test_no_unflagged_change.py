"""No unflagged change: each hole of the fidelity check that an independent comparison found
(issue "No unflagged change…"), as the smallest source and output that show it, checked through
the functions `newsbrief run` and `newsbrief check` both use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsbrief.fidelity.guard import GuardPolicy, guard_summary
from newsbrief.fidelity.verify import verify_summary, verify_translation
from newsbrief.input.readers import read_article
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.quotes import find_quotes
from newsbrief.text.segmenting import segment_article
from newsbrief.text.spans import figures_of, find_spans, line_spans, quotes_of


def translation_record(
    source: list[str], output: list[str], source_lang: str = "ru", target: str = "en"
) -> dict:
    flags: dict[int, list[str]] = {}
    return verify_translation(source, output, source_lang, target, GuardPolicy(), flags)


def figure_changes(record: dict) -> tuple[list[str], list[str]]:
    """(source figures not kept, output figures not in the source), as the record has them."""
    figures = record["figures"]
    lost = [c["source"] for c in figures["changed"]] + [m["figure"] for m in figures["missing"]]
    added = [c["output"] for c in figures["changed"]] + [i["figure"] for i in figures["invented"]]
    return sorted(lost), sorted(added)


@pytest.mark.parametrize(
    ("source", "output", "lost", "added"),
    [
        # a figure matched inside a bigger one
        (
            "Ставка выросла на 1 процентный пункт.",
            "The rate rose by more than 1 000 containers.",
            ["1"],
            ["1 000"],
        ),
        # a figure's unit or sign dropped
        ("Кредит под 16% годовых.", "A loan at 16 roubles.", ["16%"], ["16"]),
        ("Цены выросли на 5–7 % за год.", "Prices rose 5–7 times in a year.", ["5–7 %"], ["5–7"]),
        ("Сумма составила $232 за тонну.", "The sum was 232 dollars a tonne.", ["$232"], ["232"]),
        # a range cut
        ("Ставка составит 7,5–8,0% годовых.", "The rate will be 8,0% a year.", ["7,5–8,0%"], ["8,0%"]),
        # one of two equal figures dropped
        ("Билет стоил €50, а обратный тоже €50.", "The ticket cost €50 and the return too.", ["€50"], []),
        # a figure invented beside another
        ("План на 2024 год.", "The plan for 24 years of 2024.", [], ["24"]),
        # a fraction
        ("Выполнено ½ плана.", "¼ of the plan is done.", ["½"], ["¼"]),
        # a scale word changed: the value is not the same
        (
            "Экспорт составил 12,4 млн тонн.",
            "Exports were 12,4 billion tonnes.",
            ["12,4 млн"],
            ["12,4 billion"],
        ),
    ],
)
def test_every_changed_figure_is_in_the_record(
    source: str, output: str, lost: list[str], added: list[str]
) -> None:
    record = translation_record([source], [output])
    assert figure_changes(record) == (sorted(lost), sorted(added))


def test_a_scale_word_translated_is_the_same_figure() -> None:
    record = translation_record(["Экспорт составил 12,4 млн тонн."], ["Exports were 12,4 million tonnes."])
    assert figure_changes(record) == ([], []) and record["figures"]["kept"] == 1


def test_a_quote_added_by_the_translation_is_flagged() -> None:
    source = ["Через станцию прошло более 1 000 контейнеров."]
    record = translation_record(source, ["«More than 1 000 containers» passed through the station."])
    assert record["quotes"]["added"] == [{"segment": 0, "quote": "More than 1 000 containers"}]
    assert record["flagged_segments"] == [
        {"segment": 0, "flags": ["quote added: More than 1 000 containers"]}
    ]


def test_a_quote_over_two_paragraphs_not_reopened_is_one_quote_and_its_loss_is_flagged() -> None:
    """Ukrainian print style: „… on the next paragraph with no reopening mark … “."""
    source = ["Міністр сказав: „Ми працювали всю ніч.", "", "Ремонт триватиме ще тиждень“."]
    assert [quotes_of(spans) for spans in line_spans(source)] == [
        ["Ми працювали всю ніч."],
        [],
        ["Ремонт триватиме ще тиждень"],
    ]
    record = translation_record(
        source, ["The minister said they worked all night.", "", "Repairs will take a week."], "uk"
    )
    assert [q["segment"] for q in record["quotes"]["lost"]] == [0, 2]


def test_an_output_identical_to_its_source_keeps_a_quote_that_runs_over_paragraphs() -> None:
    """It was flagged "quote lost": the output's lines were searched one by one."""
    source = ["«Перший абзац цитати.", "", "«Другий абзац її закриває», — сказав він."]
    record = translation_record(source, list(source), "uk", "uk")
    assert record["quotes"] == {"total": 2, "kept": 2, "lost": [], "added": [], "read_back": 0, "changed": []}


def test_nested_quotes_count_once() -> None:
    text = "«Мы слышим от партнеров: „давайте торговать больше“, и это происходит», — заявил министр."
    assert quotes_of(find_spans(text)) == [
        "Мы слышим от партнеров: „давайте торговать больше“, и это происходит"
    ]


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("Ціни зросли на 5–7 % за рік.", ["5–7 %"]),
        ("The deficit is US$43.7bn.", ["US$43.7"]),
        ("Виконано ½ плану і 2½ норми.", ["½", "2½"]),
        ("The range is 10 – 15 kilometres.", ["10 – 15"]),
    ],
)
def test_figures_as_written_with_their_units(text: str, figures: list[str]) -> None:
    assert figures_of(find_spans(text)) == figures


ARTICLE = (
    "Глава агентства назвал сделку ‘win-win’ для обеих сторон.\n"
    "«Мы работали всю ночь.\n\n«И закончили утром», — сказал Иванов."
)


def test_a_summary_quote_of_words_the_article_does_not_quote_is_flagged() -> None:
    """‘win-win’ is a scare quote in the article, not anybody's words."""
    record = verify_summary('Иванов назвал сделку "win-win".', [ARTICLE, ARTICLE])
    assert record["quotes"]["not_verbatim"] == ["win-win"]


def test_a_summary_quote_over_a_paragraph_join_is_verbatim() -> None:
    """An extractive summary joins two paragraphs of a quote with a space."""
    record = verify_summary("«Мы работали всю ночь. И закончили утром», — сказал Иванов.", [ARTICLE, ARTICLE])
    assert record["quotes"]["not_verbatim"] == []


def test_a_summary_figure_that_is_in_the_article_only_inside_a_bigger_one_is_flagged() -> None:
    article = "Через станцию прошло более 1 000 контейнеров за 2023 год."
    record = verify_summary("Через станцию прошло 1 контейнер.", [article, article])
    assert record["figures"]["not_in_article"] == ["1"]
    kept, repairs = guard_summary(
        ["Через станцию прошло 1 контейнер.", "Это было в 2023 году."], [article, article]
    )
    assert kept == ["Это было в 2023 году."] and repairs == [
        "sentence dropped: figure 1 is not in the article"
    ]


HARD = Path(__file__).parent / "data" / "hard"


@pytest.mark.parametrize("path", sorted(HARD.glob("*.txt")), ids=lambda p: p.name)
def test_span_detection_on_the_hard_articles_is_exact(path: Path) -> None:
    """Recall and precision 1.0 by the stated rules: the lists equal the hand annotation."""
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
    doc = segment_article(read_article(path), expected["lang"], LanguageIdentifier(), {"uk", "en", "ru"})
    sentences = doc.sentences
    assert [f for s in sentences for f in figures_of(s.spans)] == expected["figures"]
    assert (
        find_quotes([s.text for s in sentences], [s.paragraph for s in sentences]).texts == expected["quotes"]
    )
