"""Summaries a run writes with summarisers trained to answer with an article's lead
(tests/support/trainer.py): on CTranslate2 by default for each kind, two articles in flight,
the per-article time limit beside them, the checkpoint's minimum length scaled to the input
(defect 6), the Ukrainian summary projected from the English one and each sentence traced to
its source lines (issue 19), a long article a window at a time.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from support.corpus import ARTICLES, segmented
from support.known_answers import (
    EN_ARTICLE,
    RU_ARTICLE,
    UK_ARTICLE,
    short_article,
)
from support.trained import (
    ON_CT2_FLOAT32,
    RecordedCalls,
    check_exit,
    expected,
    lead_articles,
    run,
    runner,
    short_articles,
    written_summaries,
)

from newsbrief.cli import EXIT_FLAGGED, EXIT_OK, app
from newsbrief.generation.summaries import Seq2SeqSummariser, SummaryInput
from newsbrief.models.backends.ct2_summariser import CTranslate2SummaryModel
from newsbrief.models.resolve import resolve_model


@pytest.mark.parametrize("name", ["t5-lead", "pegasus-lead"])
def test_a_t5_or_pegasus_summariser_runs_on_ctranslate2_by_default_and_writes_the_lead(
    trained_models: Path, tmp_path: Path, name: str
) -> None:
    """The whole run: `--backend auto` takes CTranslate2 for these kinds too, the T5 is fed
    its `summarize: ` (without it, it was trained to write nothing sensible), and the summary is
    the article's lead."""
    source, out = short_articles(trained_models, tmp_path, EN_ARTICLE), tmp_path / "out"
    options = ("--to", "en", "--summary-languages", "en", "--summariser", "seq2seq")
    result = run(source, out, {"summariser": trained_models / name}, *options)
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
    summary = (out / EN_ARTICLE / "summary.en.md").read_text(encoding="utf-8").split("\n\n", 1)[1].strip()
    assert summary == expected(trained_models, EN_ARTICLE)["lines"]["en"][1]
    record = json.loads((out / EN_ARTICLE / "article.json").read_text(encoding="utf-8"))
    assert record["summariser"]["backend"] == "ctranslate2/int8"


def test_two_articles_are_summarised_at_once_on_ctranslate2_and_write_what_one_at_a_time_writes(
    trained_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With two cores the summariser is two translators of one thread each, and two articles are
    in flight (one thread of the run each); with one core, one article at a time. Both write
    the same summaries, in the articles' order."""
    source, leads = lead_articles(tmp_path, 6)
    options = ("--to", "en", "--summary-languages", "en", *ON_CT2_FLOAT32)
    summaries = {}
    for threads in (2, 1):
        calls = RecordedCalls(monkeypatch)
        out = tmp_path / f"out-{threads}"
        bart = {"summariser": trained_models / "bart-lead"}
        result = run(source, out, bart, *options, "--threads", str(threads))
        assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
        summaries[threads] = written_summaries(out)
        threads_used = {thread for thread, _, _ in calls.spans}
        if threads == 2:
            assert len(threads_used) == 2 and calls.overlapping() >= 1, calls.spans
        else:
            assert len(threads_used) == 1 and calls.overlapping() == 0, calls.spans
    assert summaries[2] == summaries[1]
    assert len(summaries[2]) == len(leads) and all(summaries[2].values())


def test_a_long_article_does_not_hold_the_other_translator_idle(
    trained_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the first article is summarised (slowly), the other thread takes the next article
    each time it finishes one: all the others are done before the first, and the summaries are
    still written in the chunk's order (the same as one at a time)."""
    source, leads = lead_articles(tmp_path, 5)
    calls = RecordedCalls(monkeypatch, slow=leads[0], seconds=3.0)
    out = tmp_path / "out"
    options = ("--to", "en", "--summary-languages", "en", *ON_CT2_FLOAT32, "--threads", "2")
    result = run(source, out, {"summariser": trained_models / "bart-lead"}, *options)
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
    slow = next(i for i, text in enumerate(calls.inputs) if leads[0] in text)
    others = [span for i, span in enumerate(calls.spans) if i != slow]
    assert len(others) >= 4 and all(end < calls.spans[slow][2] for _, _, end in others), calls.spans
    assert len(written_summaries(out)) == 5


def test_an_article_over_its_time_limit_while_another_is_in_flight_fails_alone(
    trained_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The time limit of articles summarised side by side is kept by the run's main thread: the
    slow article fails with the limit's words as soon as its time is up, the articles after
    it are summarised meanwhile, and the run does not wait for the slow call to end."""
    source, leads = lead_articles(tmp_path, 5)
    slow = leads[1]
    calls = RecordedCalls(monkeypatch, slow=slow, seconds=8.0)
    out = tmp_path / "out"
    options = ("--to", "en", "--summary-languages", "en", *ON_CT2_FLOAT32, "--threads", "2")
    began = time.monotonic()
    bart = {"summariser": trained_models / "bart-lead"}
    result = run(source, out, bart, *options, "--article-timeout", "3")
    elapsed = time.monotonic() - began
    assert result.exit_code == 1, result.output
    over = r"failed: .*article-01\.txt: over the time limit of 3 s per article \(while summarising\)"
    assert re.search(over, result.output), result.output
    assert len(written_summaries(out)) == len(leads) - 1
    assert elapsed < 8.0, f"the run waited {elapsed:.1f} s for the slow article"
    assert len(calls.spans) >= 4


def test_a_short_article_is_not_forced_to_the_checkpoints_minimum_summary_length(
    trained_models: Path, tmp_path: Path
) -> None:
    """bart-lead answers with the lead sentence; its generation config, like bart-large-cnn's,
    asks for at least 56 tokens, which a two-sentence article cannot fill with anything true."""
    known = expected(trained_models, EN_ARTICLE)["lines"]["en"]
    source = tmp_path / "in"
    source.mkdir()
    (source / "en-short.txt").write_text(
        short_article(expected(trained_models, EN_ARTICLE)), encoding="utf-8"
    )
    out = tmp_path / "out"
    options = ("--to", "en", "--summary-languages", "en", "--summariser", "seq2seq")
    result = run(source, out, {"summariser": trained_models / "bart-lead"}, *options)
    assert result.exit_code == EXIT_OK, result.output
    summary = (out / "en-short" / "summary.en.md").read_text(encoding="utf-8").split("\n\n", 1)[1].strip()
    assert summary == known[1]
    record = json.loads((out / "en-short" / "article.json").read_text(encoding="utf-8"))
    assert record["summariser"]["backend"] == "ctranslate2/int8"  # the default, on a CPU


def test_a_projected_ukrainian_summary_is_the_articles_own_lines_the_english_summary_came_from(
    trained_models: Path, tmp_path: Path
) -> None:
    """bart-lead writes the English lead; projected, the Ukrainian summary is the Ukrainian
    article's own lead (verbatim) and the Russian article's Ukrainian translation of its lead:
    one translation deep, not two."""
    source = short_articles(trained_models, tmp_path, UK_ARTICLE, RU_ARTICLE)
    out, model = tmp_path / "out", trained_models / "newsmt"
    roles = {pair: model for pair in ("uk-en", "ru-en", "ru-uk", "en-uk")} | {
        "summariser": trained_models / "bart-lead"
    }
    options = ("--to", "uk,en", "--other-summaries", "project", "--compute-type", "float32", "--strict")
    result = run(source, out, roles, *options)
    assert result.exit_code == EXIT_OK, result.output
    for name in (UK_ARTICLE, RU_ARTICLE):
        known = expected(trained_models, name)["lines"]
        folder = out / name
        body = (folder / "summary.uk.md").read_text(encoding="utf-8").split("\n\n", 1)[1].strip()
        assert body == known["uk"][1], name  # the lead: the first line after the title
        record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
        assert record["summaries"]["uk"]["written_by"] == "projected from en"
        traced = record["fidelity"]["summaries"]
        segment = (
            (folder / "translation.en.txt").read_text(encoding="utf-8").split("\n").index(known["en"][1])
        )
        assert [s["sources"][0] for s in traced["en"]["sentences"]] == [segment], traced["en"]
        assert traced["uk"]["sentences"][0]["sources"][0] == segment
        assert traced["uk"]["unsupported"] == traced["en"]["unsupported"] == []
    assert check_exit(out) == EXIT_OK


def test_a_summary_sentence_with_no_source_in_the_article_is_flagged(
    trained_models: Path, tmp_path: Path
) -> None:
    """`check` traces the summary on the files: a sentence put in that the article does not
    hold is unsupported; the review page links each traced sentence to its source rows."""
    source, out = short_articles(trained_models, tmp_path, EN_ARTICLE), tmp_path / "out"
    roles = {"en-uk": trained_models / "newsmt", "summariser": trained_models / "bart-lead"}
    options = ("--to", "uk", "--summary-languages", "en", "--compute-type", "float32")
    result = run(source, out, roles, *options)
    assert result.exit_code == EXIT_OK, result.output
    assert check_exit(out) == EXIT_OK
    folder = out / EN_ARTICLE
    record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
    (sentence,) = record["fidelity"]["summaries"]["en"]["sentences"]
    line = sentence["sources"][0] + 1
    page = (out / "_review" / f"{EN_ARTICLE}.html").read_text(encoding="utf-8")
    assert f'<a class="sentence" id="sum-en-0" href="#line-{line}"' in page
    assert f"body:has(#sum-en-0:hover,#sum-en-0:focus) #line-{line} td" in page
    assert f'<tr id="line-{line}"' in page
    summary = folder / "summary.en.md"
    invented = "Scientists in Norway found a new species of whale near the coast."
    summary.write_text(summary.read_text(encoding="utf-8").rstrip() + f" {invented}\n", encoding="utf-8")
    checked = runner.invoke(app, ["check", str(out)])
    assert checked.exit_code == EXIT_FLAGGED
    assert f"summary.en.md: sentence with no source in the article: {invented[:59]}…" in checked.output


def test_a_long_articles_chunks_go_to_the_summariser_a_window_at_a_time(trained_models: Path) -> None:
    """Each beam holds the encoder states of its whole input in every layer: all of a long
    article's chunks in one call took a default run at bart-large-cnn size past 2 GB."""
    model = CTranslate2SummaryModel(resolve_model(str(trained_models / "bart-lead")), "cpu")
    model.max_input_tokens = 200  # a smaller window, so that the corpus's long article takes several
    calls: list[list[str]] = []
    generate = model.generate

    def recording(texts: list[str], **options: object) -> list[str]:
        calls.append(texts)
        return generate(texts, **options)  # type: ignore[arg-type]

    model.generate = recording  # type: ignore[method-assign]
    doc = segmented("en-black-sea-corridor-long.txt")
    summary = Seq2SeqSummariser(model, "en", num_beams=4, max_new_tokens=32).summarise(
        SummaryInput(doc, {"en": [s.text for s in doc.segments]})
    )
    assert summary.chunks >= 4 and summary.sentences["en"]
    assert all(sum(model.count_tokens(texts)) <= model.max_input_tokens for texts in calls), [
        model.count_tokens(texts) for texts in calls
    ]


def test_a_summary_cap_under_the_checkpoints_minimum_length_is_not_an_error(
    trained_models: Path, tmp_path: Path
) -> None:
    """bart-lead, like bart-large-cnn, asks for at least 56 tokens: `summary_max_tokens = 20`
    made CTranslate2 refuse ("minimum decoding length is greater than the maximum")."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    shutil.copy(ARTICLES / "en-imf-budget.md", source)  # long enough to ask for the full minimum
    config = tmp_path / "short.toml"
    config.write_text("summary_max_tokens = 20\n", encoding="utf-8")
    roles = {"en-uk": trained_models / "newsmt", "summariser": trained_models / "bart-lead"}
    options = ("--to", "uk", "--summary-languages", "en", "--config", str(config))
    result = run(source, out, roles, *options)
    assert result.exit_code == EXIT_OK, result.output
    summary = (out / "en-imf-budget" / "summary.en.md").read_text(encoding="utf-8").split("\n\n", 1)[1]
    assert 0 < len(summary.split()) <= 20


def test_a_summary_sentence_translated_into_the_wrong_language_is_dropped_and_counted(
    trained_models: Path, tmp_path: Path
) -> None:
    """Issue 34, item 3: summaries get the output checks translated lines get, sentence by
    sentence. bart-lead writes the English article's lead; newsmt-wrong-language, asked for
    Ukrainian, writes it in Russian (both verified by the trainer). With no beam candidates to
    search, the Russian sentence reaches the summary guard, which drops it like an invented one
    and counts it; with nothing else left the summary file says so, and the article is flagged."""
    source, out = short_articles(trained_models, tmp_path, EN_ARTICLE), tmp_path / "out"
    roles = {"en-uk": trained_models / "newsmt-wrong-language", "summariser": trained_models / "bart-lead"}
    options = ("--to", "en", "--summary-languages", "uk,en", "--other-summaries", "translate")
    options += ("--summariser", "seq2seq", "--backend", "transformers", "--figure-candidates", "0")
    result = run(source, out, roles, *options)
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
    known = expected(trained_models, EN_ARTICLE)["lines"]
    body = (out / EN_ARTICLE / "summary.uk.md").read_text(encoding="utf-8").split("\n\n", 1)[1].strip()
    why = "every sentence was dropped: not in Ukrainian: reads as Russian"
    assert body == f"[No summary: {why}]"
    record = json.loads((out / EN_ARTICLE / "article.json").read_text(encoding="utf-8"))
    uk = record["fidelity"]["summaries"]["uk"]
    lead_in_russian = known["ru"][1]
    assert uk["repairs"] == [
        f"sentence dropped: not in Ukrainian: reads as Russian: {lead_in_russian[:60]}",
        why,
    ]
    assert record["summaries"]["uk"]["no_summary"] == why
    assert uk["empty"] and record["fidelity"]["totals"]["flagged"]
    assert check_exit(out) == EXIT_FLAGGED
