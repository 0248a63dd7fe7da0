"""Reading: every format, encodings, metadata and the bad inputs of the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus import ARTICLES, BAD, article_files, expected_for

from newsbrief.errors import ArticleFailed, ArticleSkipped
from newsbrief.input.readers import read_article
from newsbrief.input.readers.header import parse_dateline


@pytest.mark.parametrize("path", article_files(), ids=lambda p: p.name)
def test_title_and_metadata_match_expected(path: Path) -> None:
    article = read_article(path)
    expected = expected_for(path)
    assert article.title == expected["title"]
    for key, value in expected.get("metadata", {}).items():
        assert article.metadata.get(key) == value, key
    assert article.paragraphs, "body must not be empty"
    assert all(article.title != p for p in article.paragraphs), "title must not repeat in body"


def test_cp1251_is_detected_without_a_flag() -> None:
    article = read_article(ARTICLES / "uk-min-wage.cp1251.txt")
    assert article.encoding == "cp1251"
    assert article.title == "Кабмін підвищив мінімальну зарплату до 8 000 гривень"
    assert "Ґрунтовний" in " ".join(article.paragraphs)


def test_html_keeps_only_the_article_body() -> None:
    article = read_article(ARTICLES / "en-html-page.html")
    body = " ".join(article.paragraphs)
    for boilerplate in ("$1.99", "2.3%", "Cookie", "Subscribe", "analytics"):
        assert boilerplate not in body
    assert "10–15 kilometres" in body  # &ndash; decoded


def test_dateline_header_is_metadata_not_body() -> None:
    article = read_article(ARTICLES / "en-kirby-dprk-arms.txt")
    assert article.metadata["dateline"] == "date 2023-10-13 Anastasia Pechenyuk21:01, 13.10.23"
    assert not any("Pechenyuk" in p for p in article.paragraphs)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("24.11.2023, 08:15", {"date": "24.11.2023", "time": "08:15"}),
        (
            " date 2023-10-13 Anastasia Pechenyuk21:01, 13.10.23",
            {"date": "2023-10-13", "time": "21:01", "author": "Anastasia Pechenyuk"},
        ),
        ("ODESA, Dec. 20, 2023 - Ukraine's temporary Black Sea shipping corridor has handled", None),
        ("Київ, 2 листопада 2023 року. З початку 2023/2024 маркетингового року", None),
        ("Україна експортувала 12,4 млн тонн зерна", None),
    ],
)
def test_parse_dateline(line: str, expected: dict[str, str] | None) -> None:
    parsed = parse_dateline(line)
    if expected is None:
        assert parsed is None
    else:
        assert parsed is not None
        for key, value in expected.items():
            assert parsed[key] == value


@pytest.mark.parametrize(
    ("name", "outcome", "reason"),
    [
        ("empty.txt", ArticleSkipped, "empty"),
        ("whitespace-only.txt", ArticleSkipped, "empty"),
        ("binary-garbage.txt", ArticleSkipped, "not text"),
        ("png-renamed.txt", ArticleSkipped, "not text"),
        ("truncated.json", ArticleFailed, "invalid JSON: Unterminated string"),
        ("json-no-body.json", ArticleFailed, "missing field 'body'"),
    ],
)
def test_bad_inputs_are_refused_with_a_reason(name: str, outcome: type, reason: str) -> None:
    with pytest.raises(outcome, match=reason):
        read_article(BAD / name)


def test_truncated_json_reports_the_position() -> None:
    with pytest.raises(ArticleFailed, match=r"line 1, column \d+"):
        read_article(BAD / "truncated.json")


def test_bom_and_crlf_are_removed() -> None:
    article = read_article(BAD / "bom-crlf.txt")
    text = article.title + "".join(article.paragraphs)
    assert "\ufeff" not in text and "\r" not in text
    assert article.title.startswith("Президент")


def test_stray_bytes_are_reported_and_the_rest_kept() -> None:
    article = read_article(BAD / "invalid-utf8-byte.txt")
    text = " ".join(article.paragraphs)
    assert "Армія отримала 20 нових гаубиць." in text and "$48 млн" in text
    assert any("2 invalid UTF-8 byte(s) removed" in w for w in article.warnings)


def test_mojibake_is_repaired_and_flagged() -> None:
    article = read_article(BAD / "mojibake.txt")
    text = " ".join(article.paragraphs)
    assert "виділив 1,5 млрд грн" in text
    assert any("mojibake" in w for w in article.warnings)


def test_huge_single_line_is_read_whole() -> None:
    article = read_article(BAD / "huge-single-line.txt")
    source_words = (BAD / "huge-single-line.txt").read_text(encoding="utf-8").split()
    assert " ".join(article.paragraphs).split() == source_words
