"""Prompt templates: the shipped ones are valid, and every kind of mistake is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbrief.errors import PromptError
from newsbrief.generation.plan import Routing
from newsbrief.generation.prompts import DEFAULT_PROMPT_DIR, load_prompts, load_template
from newsbrief.settings import Settings, apply_options

GOOD_SUMMARY = "# system\nBe an editor.\n\n# user\nSummarise in {language}:\n\n{article}\n"


def prompts_of(settings: Settings) -> tuple[str, Routing]:
    return settings.models.prompts, Routing.of(settings)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("lang", ["uk", "en", "ru"])
def test_shipped_templates_load_for_every_language(lang: str) -> None:
    summary = load_template(DEFAULT_PROMPT_DIR, "summarise", lang)
    translation = load_template(DEFAULT_PROMPT_DIR, "translate", lang)
    assert summary.path.name == f"summarise.{lang}.md"
    assert translation.path.name == "translate.md"  # one template for every target language
    messages = summary.render(
        article="ARTICLE",
        title="TITLE",
        language="L",
        source_language="S",
        max_words="90",
        quotes="Q",
        figures="F",
    )
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "ARTICLE" in messages[1]["content"] and "90" in messages[1]["content"]


def test_values_are_inserted_as_they_are_even_with_braces() -> None:
    template = load_template(DEFAULT_PROMPT_DIR, "translate", "en")
    messages = template.render(
        text="{figures} and {0}",
        source_language="Ukrainian",
        target_language="English",
        quotes="",
        figures="",
    )
    assert "{figures} and {0}" in messages[-1]["content"]


def test_a_language_specific_template_wins_over_the_neutral_one(tmp_path: Path) -> None:
    write(tmp_path, "translate.md", "# user\nTranslate {text}")
    write(tmp_path, "translate.uk.md", "# user\nПерекладіть {text}")
    assert load_template(tmp_path, "translate", "uk").path.name == "translate.uk.md"
    assert load_template(tmp_path, "translate", "en").path.name == "translate.md"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# user\nSummarise {article} in {langauge}", "unknown placeholder(s) {langauge}"),
        ("# user\nSummarise the article in {language}", "never uses {article}"),
        ("Summarise {article}", "'# system' and/or a '# user' section"),
        ("# user\nSummarise {article}\n# system\nlate", "followed by one '# user'"),
        ("# user\nSummarise {article} as JSON {", "literal braces"),
        ("# user\nSummarise {article.upper}", "not a plain name"),
    ],
)
def test_broken_templates_are_errors_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "summarise.en.md", text)
    with pytest.raises(PromptError) as error:
        load_template(tmp_path, "summarise", "en")
    assert message in str(error.value)
    assert "summarise.en.md" in str(error.value)


def test_load_prompts_checks_only_what_the_run_uses(tmp_path: Path) -> None:
    write(tmp_path, "summarise.en.md", GOOD_SUMMARY)
    settings = apply_options(
        Settings(), summariser="instruct", summary_languages=("en",), prompts=str(tmp_path)
    )
    assert set(load_prompts(*prompts_of(settings))) == {"summarise.en"}
    assert load_prompts(*prompts_of(apply_options(settings, summariser="extractive"))) == {}
    with pytest.raises(PromptError, match=r"summarise\.uk\.md"):
        load_prompts(*prompts_of(apply_options(settings, summary_languages=("en", "uk"))))
    with pytest.raises(PromptError, match="does not exist"):
        load_prompts(*prompts_of(apply_options(settings, prompts=str(tmp_path / "nowhere"))))
