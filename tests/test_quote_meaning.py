"""A translated quote is checked for what it says, not only counted (issue 34, item 1): each
quote a translation holds is read back into the source's language with the reverse pair's
model and compared with the source's quotes (fidelity/quote_meaning.py). The trained
quote-replacer (`newsmt-quotes`, tests/support/trainer.py) is caught on every quote line; the
faithful multilingual model is flagged on none, on either engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.known_answers import EN_ARTICLE, RU_ARTICLE, UK_ARTICLE
from support.trained import articles, check_exit, expected, flags_by_line, lines, run, runner

from newsbrief.cli import EXIT_FLAGGED, EXIT_OK, app
from newsbrief.fidelity.quote_meaning import QUOTE_AGREEMENT, agreement, changed_quotes, translated_quotes

QUOTES_UK = (
    "ми зберігаємо коридор відкритим",
    "ситуація під контролем",
    "це важливий крок для країни",
    "роботи тривають цілодобово",
    "ми не зупинимося",
)
PAIRS = ("uk-en", "ru-en", "ru-uk", "en-uk", "en-ru", "uk-ru")


def test_another_quote_reads_back_below_the_threshold_and_a_paraphrase_above() -> None:
    others = [agreement(a, b) for a in QUOTES_UK for b in QUOTES_UK if a != b]
    assert max(others) < QUOTE_AGREEMENT
    assert agreement("робота триває цілодобово", "роботи тривають цілодобово") > QUOTE_AGREEMENT
    assert agreement("ми тримаємо коридор відкритим", "ми зберігаємо коридор відкритим") > QUOTE_AGREEMENT


def test_only_the_quotes_a_model_wrote_are_read_back() -> None:
    source = "«Ситуація під контролем», — заявив він."
    both = '"The situation is under control" («Ситуація під контролем»), he said.'
    assert translated_quotes(source, both) == ["The situation is under control"]
    assert translated_quotes(source, "«Ситуація під контролем», he said.") == []
    readings = {"The situation is under control": "ситуація під контролем"}
    assert changed_quotes(source, readings) == []
    replaced = {"We will not stop": "ми не зупинимося"}
    assert changed_quotes(source, replaced) == [("We will not stop", "ми не зупинимося", 0.18)]


def _run(trained: Path, tmp_path: Path, model: str, *options: str) -> Path:
    source, out = articles(trained, tmp_path, UK_ARTICLE, RU_ARTICLE, EN_ARTICLE), tmp_path / "out"
    roles = {pair: trained / ("newsmt" if pair != "uk-en" else model) for pair in PAIRS}
    result = run(source, out, roles, "--to", "uk,en", "--summariser", "extractive", *options)
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
    return out


def test_a_model_that_puts_other_words_in_another_mouth_is_caught_on_every_quote(
    trained_models: Path, tmp_path: Path
) -> None:
    """newsmt-quotes writes each quote of the Ukrainian article as another one, said by another
    person (verified by the trainer); read back into Ukrainian by the faithful en→uk, each is
    another quote: flagged, by the run and by `check`, and nowhere else."""
    options = ("--backend", "transformers", "--figure-candidates", "0")
    out = _run(trained_models, tmp_path, "newsmt-quotes", *options)
    known = expected(trained_models, UK_ARTICLE)
    written = lines(out / UK_ARTICLE / "translation.en.txt")  # one a sentence, the title first
    replaced = [
        i
        for i, (right, wrong) in enumerate(
            zip(known["lines"]["en"], known["misbehaviours"]["quotes"], strict=True)
        )
        if right != wrong
    ]
    assert len(replaced) == 1
    for i, flags in enumerate(flags_by_line(out, UK_ARTICLE, "en")):
        assert written[i] == known["misbehaviours"]["quotes"][i]
        changed = [flag for flag in flags if flag.startswith("quote changed: ")]
        assert len(changed) == (1 if i in replaced else 0), (i, flags)
    record = json.loads((out / UK_ARTICLE / "article.json").read_text(encoding="utf-8"))
    assert record["fidelity"]["totals"]["quotes_changed"] == 1
    assert (
        record["fidelity"]["totals"]["quotes_kept"] == record["fidelity"]["totals"]["quotes_total"]
    )  # counted: kept
    assert check_exit(out) == EXIT_FLAGGED
    checked = json.loads(runner.invoke(app, ["check", str(out), "--json"]).stdout)
    assert (
        checked[UK_ARTICLE]["translations"]["en"]["quotes"]
        == record["fidelity"]["translations"]["en"]["quotes"]
    )


def test_the_guard_searches_the_beams_for_a_quote_that_agrees_before_it_flags(
    trained_models: Path, tmp_path: Path
) -> None:
    """With beam candidates searched (the default), each replaced quote's line either takes a
    candidate whose quote reads back right, saying so, or is flagged: never passed."""
    out = _run(trained_models, tmp_path, "newsmt-quotes", "--backend", "transformers")
    known = expected(trained_models, UK_ARTICLE)
    lines = flags_by_line(out, UK_ARTICLE, "en")
    pairs = zip(known["lines"]["en"], known["misbehaviours"]["quotes"], lines, strict=True)
    for right, wrong, flags in pairs:
        if right != wrong:
            taken = any(f.startswith("beam candidate") and "quote changed" in f for f in flags)
            flagged = any(f.startswith("quote changed: ") for f in flags)
            assert taken != flagged, flags


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_no_faithful_quote_is_flagged_on_either_engine(
    trained_models: Path, tmp_path: Path, backend: str
) -> None:
    out = _run(trained_models, tmp_path, "newsmt", "--backend", backend)
    read_back = 0
    for name in (UK_ARTICLE, RU_ARTICLE, EN_ARTICLE):
        record = json.loads((out / name / "article.json").read_text(encoding="utf-8"))
        for lang, translation in record["fidelity"]["translations"].items():
            assert translation["quotes"]["changed"] == [], (name, lang)
            read_back += translation["quotes"]["read_back"]
    assert read_back == 3  # one quote each: uk→en, ru→en, ru→uk
