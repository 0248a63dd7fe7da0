"""The output guards catch exactly what each misbehaving model does wrong, and nothing on a
model that translates right (defect 7): models trained to change digits, loop, drop a clause,
stop, answer in another language or return their source (tests/support/trainer.py), each on the
lines the trainer checked it misbehaves on (support/known_answers.py). The misbehaving models run
on the transformers backend (no conversion per variant); the parity tests show both backends
write the same.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from support.known_answers import (
    EN_ARTICLE,
    RU_ARTICLE,
    UK_ARTICLE,
)
from support.trained import (
    CYRILLIC,
    EXTRACTIVE,
    articles,
    check_exit,
    digits_differ,
    expected,
    flags_by_line,
    kinds,
    lines,
    lines_and_flags,
    misbehaving_run,
    run,
    runner,
)

from newsbrief.cli import EXIT_FLAGGED, EXIT_OK, app


def test_a_model_that_translates_right_passes_every_guard_with_zero_flags(
    trained_models: Path, tmp_path: Path
) -> None:
    """On CTranslate2 float32: this tiny model's figures do not all survive int8 (the int8 test
    below states how many lines do)."""
    source = articles(trained_models, tmp_path, UK_ARTICLE, RU_ARTICLE, EN_ARTICLE)
    out, model = tmp_path / "out", trained_models / "newsmt"
    pairs = {pair: model for pair in ("uk-en", "ru-en", "ru-uk", "en-uk")}
    result = run(source, out, pairs, "--to", "uk,en", *EXTRACTIVE, "--strict", "--compute-type", "float32")
    assert result.exit_code == EXIT_OK, result.output
    for name in (UK_ARTICLE, RU_ARTICLE, EN_ARTICLE):
        known = expected(trained_models, name)
        record = json.loads((out / name / "article.json").read_text(encoding="utf-8"))
        assert record["fidelity"]["totals"]["flagged"] is False, (name, record["fidelity"]["totals"])
        for lang in {"uk", "en"} - {known["lang"]}:
            assert lines(out / name / f"translation.{lang}.txt") == known["lines"][lang]
            assert all(not flags for flags in flags_by_line(out, name, lang)), name
    assert check_exit(out) == EXIT_OK


def test_a_model_that_changes_digits_is_caught_at_each_figure_and_nowhere_else(
    trained_models: Path, tmp_path: Path
) -> None:
    out = misbehaving_run(trained_models, tmp_path, "newsmt-digits", UK_ARTICLE, "en")
    rows = lines_and_flags(out, trained_models, UK_ARTICLE, "en")
    changed = [digits_differ(source, written) for source, written, _ in rows if re.search(r"\d", source)]
    assert sum(changed) >= len(changed) / 2  # what the model does: it changes digits
    for source, written, flags in rows:
        assert kinds(flags) == ({"figure"} if digits_differ(source, written) else set()), (written, flags)


def test_a_model_that_loops_is_caught_on_every_line(trained_models: Path, tmp_path: Path) -> None:
    out = misbehaving_run(trained_models, tmp_path, "newsmt-loop", UK_ARTICLE, "en")
    for _source, written, flags in lines_and_flags(out, trained_models, UK_ARTICLE, "en"):
        assert "loop" in kinds(flags), (written, flags)
        assert "language" not in kinds(flags), (written, flags)


def test_a_model_that_drops_the_last_clause_is_caught_at_each_sentence_and_nowhere_else(
    trained_models: Path, tmp_path: Path
) -> None:
    out = misbehaving_run(trained_models, tmp_path, "newsmt-cut", UK_ARTICLE, "en")
    (title_source, title, title_flags), *sentences = lines_and_flags(out, trained_models, UK_ARTICLE, "en")
    # A headline (no full stop) it leaves whole: nothing to flag but what its digits tell.
    assert kinds(title_flags) == ({"figure"} if digits_differ(title_source, title) else set()), title_flags
    for source, written, flags in sentences:
        figure = {"figure"} if digits_differ(source, written) else set()
        assert kinds(flags) == {"cut", *figure}, (written, flags)


def test_a_model_that_stops_after_two_words_is_caught_on_every_line(
    trained_models: Path, tmp_path: Path
) -> None:
    out = misbehaving_run(trained_models, tmp_path, "newsmt-stop", UK_ARTICLE, "en")
    (_, title, title_flags), *sentences = lines_and_flags(out, trained_models, UK_ARTICLE, "en")
    assert kinds(title_flags) == {"figure"}, (title, title_flags)  # "Ukraine exported": its figure is gone
    for _source, written, flags in sentences:
        assert kinds(flags) & {"length", "cut"} and not kinds(flags) & {"language", "loop"}, (written, flags)


def test_a_model_that_answers_in_the_wrong_language_is_caught_on_every_line_and_only_so(
    trained_models: Path, tmp_path: Path
) -> None:
    source, out = articles(trained_models, tmp_path, EN_ARTICLE), tmp_path / "out"
    options = ("--to", "uk", "--summary-languages", "en,uk", *EXTRACTIVE, "--figure-candidates", "0")
    wrong = {"en-uk": trained_models / "newsmt-wrong-language"}
    result = run(source, out, wrong, *options, "--backend", "transformers")
    assert result.exit_code == EXIT_OK, result.output
    for source, written, flags in lines_and_flags(out, trained_models, EN_ARTICLE, "uk"):
        assert "not in Ukrainian: reads as Russian" in flags, (written, flags)
        assert kinds(flags) == {"language", *({"figure"} if digits_differ(source, written) else set())}
    summaries = json.loads((out / EN_ARTICLE / "article.json").read_text(encoding="utf-8"))["fidelity"][
        "summaries"
    ]
    # Each Russian sentence of the Ukrainian summary is dropped (issue 34, item 3): none is left,
    # and the summary file says so.
    why = "every sentence was dropped: not in Ukrainian: reads as Russian"
    assert summaries["uk"]["empty"] and summaries["uk"]["repairs"][-1] == why
    assert summaries["en"]["problems"] == []
    checked = runner.invoke(app, ["check", str(out)])
    assert checked.exit_code == EXIT_FLAGGED
    assert f"summary.uk.md: no summary: {why}" in checked.output
    assert "translation.uk.txt line 1: not in Ukrainian: reads as Russian" in checked.output


def test_a_model_that_returns_its_source_is_caught_on_every_line_it_returns(
    trained_models: Path, tmp_path: Path
) -> None:
    source, out = articles(trained_models, tmp_path, UK_ARTICLE), tmp_path / "out"
    options = ("--to", "en", "--summary-languages", "uk", *EXTRACTIVE, "--figure-candidates", "0")
    copy = {"uk-en": trained_models / "newsmt-copy"}
    result = run(source, out, copy, *options, "--backend", "transformers")
    assert result.exit_code == EXIT_OK, result.output
    known = expected(trained_models, UK_ARTICLE)["lines"]
    written = lines(out / UK_ARTICLE / "translation.en.txt")
    for line, flags, source_line in zip(
        written, flags_by_line(out, UK_ARTICLE, "en"), known["uk"], strict=True
    ):
        # A line left in Ukrainian (copied, or copied with a digit slipped) is flagged for its
        # language, and for its figures when they differ; a line the weights write in English
        # even without a token has neither flag unless its digits differ.
        wanted = {"language"} if CYRILLIC.search(line) else set()
        assert kinds(flags) == wanted | ({"figure"} if digits_differ(source_line, line) else set()), (
            line,
            flags,
        )
        if line == source_line:
            assert flags == ["not in English: reads as Ukrainian"], flags
    copied = [i for i, (a, b) in enumerate(zip(written, known["uk"], strict=True)) if a == b]
    assert len(copied) >= 3  # what the model does: it returns its source
    checked = runner.invoke(app, ["check", str(out)])
    assert checked.exit_code == EXIT_FLAGGED
    assert (
        f"translation.en.txt line {2 * copied[0] + 1}: not in English: reads as Ukrainian" in checked.output
    )


def test_a_summary_identical_to_another_languages_is_flagged_by_check(
    trained_models: Path, tmp_path: Path
) -> None:
    source, out = articles(trained_models, tmp_path, EN_ARTICLE), tmp_path / "out"
    model = trained_models / "newsmt"
    result = run(source, out, {"en-uk": model}, "--to", "uk", *EXTRACTIVE, "--compute-type", "float32")
    assert result.exit_code == EXIT_OK, result.output
    assert runner.invoke(app, ["check", str(out)]).exit_code == EXIT_OK
    folder = out / EN_ARTICLE
    (folder / "summary.uk.md").write_text((folder / "summary.en.md").read_text(encoding="utf-8"), "utf-8")
    checked = runner.invoke(app, ["check", str(out)])
    assert checked.exit_code == EXIT_FLAGGED
    assert "summary.uk.md: not in Ukrainian: reads as English" in checked.output
    assert "summary.uk.md: identical to the en summary" in checked.output
    assert "summary.en.md: identical to the uk summary" in checked.output


def test_the_guard_takes_a_beam_candidate_in_the_language_asked_for(
    trained_models: Path, tmp_path: Path
) -> None:
    """The copy model's best beam is its source, but its other beams translate (the weights can):
    the guard takes the first one that is in English and keeps every figure, and says so."""
    source, out = articles(trained_models, tmp_path, UK_ARTICLE), tmp_path / "out"
    options = ("--to", "en", "--summary-languages", "uk", *EXTRACTIVE, "--backend", "transformers")
    result = run(source, out, {"uk-en": trained_models / "newsmt-copy"}, *options)
    assert result.exit_code == EXIT_OK, result.output
    known = expected(trained_models, UK_ARTICLE)["lines"]
    taken = right_ones = 0
    for line, flags, source_line, right in zip(
        lines(out / UK_ARTICLE / "translation.en.txt"),
        flags_by_line(out, UK_ARTICLE, "en"),
        known["uk"],
        known["en"],
        strict=True,
    ):
        if line == source_line:  # no candidate would do: still flagged
            assert flags == ["not in English: reads as Ukrainian"], flags
            continue
        taken_flag = next((flag for flag in flags if flag.startswith("beam candidate")), None)
        if taken_flag:
            assert "not in English" in taken_flag, flags  # what the best one had, and this one has not:
            others = [flag for flag in flags if flag != taken_flag]
            assert all(flag.startswith("figure form repaired") for flag in others), (line, flags)
            assert not digits_differ(source_line, line), (line, flags)
            taken += 1
            right_ones += line == right
    assert taken >= 1 and right_ones >= 1  # this model: 2 to 4 of the 6 lines
