"""What models write, checked against models trained here to a known right answer
(scripts/train_test_models.py): the two backends write the same translations, multilingual
models get their target token, and the output guards catch exactly what each misbehaving model
does wrong, and nothing on a model that translates right. What a test asserts a trained model
writes, the trainer has checked it writes on this machine (scripts/known_answers.py).

The misbehaving models run on the transformers backend (no conversion per variant); the
backends are shown to write the same outputs by the parity tests, on the default CTranslate2.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch
from conftest import ARTICLES, load_trainer
from known_answers import (
    COPIED_CORPUS_SENTENCES,
    EN_ARTICLE,
    RU_ARTICLE,
    TRAINED_TARGETS,
    UK_ARTICLE,
    short_article,
)
from test_instruct import _segmented
from test_review import alignment, article_ids
from typer.testing import CliRunner

from newsbrief.backends import ct2
from newsbrief.backends.ct2 import CTranslate2Model
from newsbrief.backends.ct2_summariser import CTranslate2SummaryModel
from newsbrief.backends.seq2seq import Seq2SeqModel
from newsbrief.cli import EXIT_FLAGGED, EXIT_MODEL_UNAVAILABLE, EXIT_OK, EXIT_USAGE, app
from newsbrief.models import resolve_model
from newsbrief.summarising import Seq2SeqSummariser, SummaryInput

runner = CliRunner()
EXTRACTIVE = ("--summariser", "extractive")
# Beam search on the corpus sentences the model copies: lines the two backends may write apart.
PARITY_SLACK = 0.05
# Of the lines fp32 gets right, CTranslate2 int8 writes at least this share the same (README).
INT8_AGREEMENT = 0.6
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def expected(trained: Path, name: str) -> dict:
    return json.loads((trained / "articles" / f"{name}.expected.json").read_text(encoding="utf-8"))


def articles(trained: Path, tmp_path: Path, *names: str) -> Path:
    source = tmp_path / "in"
    source.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(trained / "articles" / f"{name}.txt", source)
    return source


def short_articles(trained: Path, tmp_path: Path, *names: str) -> Path:
    """The test articles cut to their title and first two sentences (known_answers.short_article):
    what the summarisers were checked to summarise as their lead alone."""
    source = tmp_path / "in"
    source.mkdir(exist_ok=True)
    for name in names:
        known = expected(trained, name)
        (source / f"{name}.txt").write_text(short_article(known, known["lang"]), encoding="utf-8")
    return source


def run(source: Path, out: Path, models: dict[str, Path], *options: str):
    roles = [arg for role, folder in models.items() for arg in ("-m", f"{role}={folder}")]
    return runner.invoke(app, ["run", str(source), "--out", str(out), *roles, *options])


def lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line]


def flags_by_line(out: Path, name: str, lang: str) -> list[list[str]]:
    """Each sentence's flags for `lang`, in order (the title first)."""
    text = (out / name / "alignment.jsonl").read_text(encoding="utf-8")
    return [json.loads(record)["flags"].get(lang, []) for record in text.splitlines()]


def check_exit(out: Path) -> int:
    return runner.invoke(app, ["check", str(out)]).exit_code


# Backend parity (defect 1: CTranslate2 was fed the source without its closing </s>) ------------


def parity_inputs(trained: Path) -> list[tuple[str | None, list[str]]]:
    """(target language, lines) the model knows the answer to: the test articles in every
    direction it was trained on, and the corpus sentences with no target token, which it copies."""
    inputs = []
    for name in (UK_ARTICLE, RU_ARTICLE, EN_ARTICLE):
        known = expected(trained, name)
        for target in TRAINED_TARGETS[known["lang"]]:
            inputs.append((target, known["lines"][known["lang"]]))
    return [*inputs, (None, corpus_sentences(ARTICLES))]


@pytest.fixture(scope="module")
def both_backends(trained_models: Path) -> tuple[Seq2SeqModel, CTranslate2Model]:
    if not ct2.available():
        pytest.skip("ctranslate2 has no wheel for this platform")
    resolved = resolve_model(str(trained_models / "newsmt"))
    return Seq2SeqModel(resolved, "cpu"), CTranslate2Model(resolved, "cpu", "float32", threads=1)


@pytest.fixture(scope="module")
def known_lines(
    trained_models: Path, both_backends: tuple[Seq2SeqModel, CTranslate2Model]
) -> list[tuple[str | None, list[str]]]:
    """(target, lines) of the parity inputs that transformers fp32 translates (or copies) right,
    greedily: the model knows the answer to these."""
    reference, _ = both_backends
    known = []
    for target, texts in parity_inputs(trained_models):
        greedy = reference.generate(
            texts, num_beams=1, max_new_tokens=256, output_ratio=2.0, target_lang=target
        )
        right = _right_answers(trained_models, target, texts)
        known.append((target, [text for text, a, b in zip(texts, greedy, right, strict=True) if a == b]))
    # Every article line (the trainer checked them), and the corpus sentences it copies right.
    assert [texts for target, texts in known if target] == [
        texts for target, texts in parity_inputs(trained_models) if target
    ]
    assert len(next(texts for target, texts in known if target is None)) >= COPIED_CORPUS_SENTENCES
    return known


@pytest.mark.parametrize("beams", [1, 4])
def test_ctranslate2_and_transformers_write_the_same_translations(
    both_backends: tuple[Seq2SeqModel, CTranslate2Model],
    known_lines: list[tuple[str | None, list[str]]],
    beams: int,
) -> None:
    """On every line the model knows, CTranslate2 float32 writes what transformers writes. Two
    rules of the libraries' beam searches had to be made one (found by this test): CTranslate2
    counts a hypothesis's `</s>` in its length when it divides the score by the length only with
    `return_end_token`, and transformers (early_stopping=False) goes on searching after
    `num_beams` hypotheses have finished where CTranslate2 stops; newsbrief asks both to do the
    latter. The articles' lines, which the model knows by heart, come out the same, greedy and
    beam 4. Of the corpus sentences it copies right greedily, a beam search can still meet two
    hypotheses whose scores differ in the last bits, which float32 rounding orders either way
    (a few in a hundred, PARITY_SLACK); and where its output degenerates, the two can part after
    tens of tokens (greedy: 112 of 115 corpus sentences the same)."""
    reference, fast = both_backends
    apart = total = 0
    for target, texts in known_lines:
        decoding = {"num_beams": beams, "max_new_tokens": 256, "output_ratio": 2.0, "target_lang": target}
        pairs = list(
            zip(fast.generate(texts, **decoding), reference.generate(texts, **decoding), strict=True)
        )
        if target is not None:  # the articles' lines, known by heart: exactly the same
            assert [a for a, _ in pairs] == [b for _, b in pairs], target
        apart += sum(a != b for a, b in pairs)
        total += len(pairs)
    print(f"beam {beams}: {apart} of {total} known lines apart")
    assert apart <= PARITY_SLACK * total


def _right_answers(trained: Path, target: str | None, texts: list[str]) -> list[str]:
    if target is None:
        return texts  # copied
    for name in (UK_ARTICLE, RU_ARTICLE, EN_ARTICLE):
        known = expected(trained, name)
        if known["lines"][known["lang"]] == texts:
            return known["lines"][target]
    raise AssertionError("not a test article")


def test_both_backends_score_the_same_source_the_same(
    both_backends: tuple[Seq2SeqModel, CTranslate2Model], known_lines: list[tuple[str | None, list[str]]]
) -> None:
    """The log-probability of each translation given its source, token by token: equal within
    float32 rounding only when both backends feed the model the same source (target token,
    pieces, `</s>`)."""
    reference, fast = both_backends
    for target, texts in known_lines:
        outputs = reference.generate(texts, num_beams=1, max_new_tokens=256, target_lang=target)
        torch_scores = _transformers_scores(reference, texts, outputs, target)
        sources = fast.pieces(texts, target) if target else fast.pieces(texts)
        targets = [fast.source_spm.encode(text, out_type=str) for text in outputs]
        fast_scores = [sum(r.log_probs) for r in fast.translator.score_batch(sources, targets)]
        # float32 over up to 100 tokens: 2e-4 apart at most here; without `</s>`, 0.2–0.3 apart
        assert fast_scores == pytest.approx(torch_scores, rel=1e-3, abs=2e-3), target


def _transformers_scores(
    model: Seq2SeqModel, texts: list[str], outputs: list[str], target: str | None
) -> list[float]:
    token = model.target_token(target)
    prefixed = [f"{token} {text}" if token else text for text in texts]
    batch = model.tokenizer(prefixed, text_target=outputs, return_tensors="pt", padding=True)
    labels = batch["labels"]
    with torch.inference_mode():
        logits = model.model(**batch).logits
    log_probs = torch.log_softmax(logits, dim=-1).gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    mask = labels != model.tokenizer.pad_token_id
    return [float(row[keep].sum()) for row, keep in zip(log_probs, mask, strict=True)]


def corpus_sentences(folder: Path) -> list[str]:
    """The corpus sentences newsmt learned to copy (as the trainer splits them)."""
    return load_trainer().corpus_sentences(folder)


def test_ctranslate2_int8_agrees_with_fp32_on_most_lines(
    trained_models: Path,
    both_backends: tuple[Seq2SeqModel, CTranslate2Model],
    known_lines: list[tuple[str | None, list[str]]],
) -> None:
    """int8 rounds every weight. Of the lines the model knows, the share int8 writes as fp32 does
    is stated in README (this model is tiny, d_model 128: real models lose less to int8)."""
    reference, _ = both_backends
    int8 = CTranslate2Model(resolve_model(str(trained_models / "newsmt")), "cpu", "int8", threads=1)
    same = total = 0
    for target, texts in known_lines:
        decoding = {"num_beams": 4, "max_new_tokens": 256, "output_ratio": 2.0, "target_lang": target}
        pairs = zip(reference.generate(texts, **decoding), int8.generate(texts, **decoding), strict=True)
        same += sum(a == b for a, b in pairs)
        total += len(texts)
    print(f"int8 writes {same} of {total} lines as fp32 does")
    assert same / total >= INT8_AGREEMENT, f"{same}/{total}"


# Summaries on CTranslate2 (issue 19) -------------------------------------------------------------


def english_articles() -> tuple[list[str], list[str]]:
    """English articles bart-lead was trained on the like of, and their lead sentences (the
    right summary of the three test articles): the test articles, and articles of one to five
    sentences made from the trainer's templates."""
    trainer, rng = load_trainer(), random.Random(7)
    bodies = [lines["en"][1:] for lines in trainer.test_articles().values()]
    for count in [1, 2, 3, 4, 5] * 4:
        bodies.append([trainer.fill(rng.choice(trainer.TEMPLATES), rng, "en")["en"] for _ in range(count)])
    return [" ".join(body) for body in bodies], [body[0] for body in bodies]


@pytest.fixture(scope="module")
def bart_on_both(trained_models: Path) -> tuple[Seq2SeqModel, CTranslate2SummaryModel]:
    return summariser_on_both(trained_models, "bart-lead")


def summariser_on_both(trained_models: Path, name: str) -> tuple[Seq2SeqModel, CTranslate2SummaryModel]:
    resolved = resolve_model(str(trained_models / name))
    return Seq2SeqModel(resolved, "cpu"), CTranslate2SummaryModel(resolved, "cpu", "float32", threads=1)


# Each summariser kind CTranslate2 converts, trained to answer with the lead (train_test_models.py).
LEAD_SUMMARISERS = ("bart-lead", "t5-lead", "pegasus-lead")


@pytest.mark.parametrize("name", LEAD_SUMMARISERS)
def test_ctranslate2_and_transformers_write_the_same_summaries(trained_models: Path, name: str) -> None:
    """bart-lead has bart-large-cnn's generation settings (length penalty 2.0, no repeated
    trigram, a forced <s>), t5-lead t5-small's layout and `summarize: ` prefix, pegasus-lead
    pegasus-xsum's (pre-norm, no embedding norm, 103 reserved ids); float32 on both backends, fed
    as the summariser feeds them, on every article the model knows (as for translations: where
    it does not, its answer hangs on float32 rounding, which the two engines do otherwise). Beam
    search may part on a float32 near-tie between two hypotheses (PARITY_SLACK)."""
    reference, fast = summariser_on_both(trained_models, name)
    assert reference.summary_prefix == fast.summary_prefix == ("summarize: " if name == "t5-lead" else "")
    texts, leads = english_articles()
    texts = [fast.summary_prefix + text for text in texts]
    known = known_summaries(reference, texts, leads)
    for beams in (1, 4):
        decoding = {"num_beams": beams, "max_new_tokens": 142, "min_new_tokens": 1}
        written = fast.generate(known, **decoding)
        apart = sum(a != b for a, b in zip(written, reference.generate(known, **decoding), strict=True))
        assert apart <= (0 if beams == 1 else PARITY_SLACK * len(known)), (beams, apart)
        assert written[:3] == leads[:3], beams  # the test articles: the model knows their summary
    assert reference.count_tokens(texts) == fast.count_tokens(texts)
    assert (reference.max_input_tokens, reference.checkpoint_min_length) == (
        fast.max_input_tokens,
        fast.checkpoint_min_length,
    )


def known_summaries(reference: Seq2SeqModel, texts: list[str], leads: list[str]) -> list[str]:
    """The articles whose lead transformers fp32 writes greedily: those the model knows. The
    three test articles always are (the trainer checked them), and come first."""
    greedy = reference.generate(texts, num_beams=1, max_new_tokens=142, min_new_tokens=1)
    known = [text for text, written, lead in zip(texts, greedy, leads, strict=True) if written == lead]
    assert known[:3] == texts[:3]
    return known


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


class RecordedCalls:
    """The real generate of the CTranslate2 summariser, each call's thread and span recorded,
    and a chosen input held back after its summary is written (a slow article)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, slow: str = "", seconds: float = 0.0) -> None:
        self.spans: list[tuple[int, float, float]] = []
        self.inputs: list[str] = []  # each call's first input, in the order of self.spans
        real = CTranslate2SummaryModel.generate

        def generate(model: CTranslate2SummaryModel, texts: list[str], **options: object) -> list[str]:
            began = time.monotonic()
            written = real(model, texts, **options)
            if slow and any(slow in text for text in texts):
                time.sleep(seconds)
            self.spans.append((threading.get_ident(), began, time.monotonic()))
            self.inputs.append(texts[0])
            return written

        monkeypatch.setattr(CTranslate2SummaryModel, "generate", generate)

    def overlapping(self) -> int:
        """Pairs of calls that ran at the same time."""
        return sum(
            1
            for i, (_, start, end) in enumerate(self.spans)
            for _, other_start, other_end in self.spans[i + 1 :]
            if start < other_end and other_start < end
        )


# What the summary is is tested, not how much this tiny BART loses to int8.
ON_CT2_FLOAT32 = ("--summariser", "seq2seq", "--backend", "ctranslate2", "--compute-type", "float32")


def lead_articles(tmp_path: Path, count: int) -> tuple[Path, list[str]]:
    """`count` English articles of the kind bart-lead was trained on, as text files, and their
    leads (of one to five sentences: one window each, so each summary is one generation)."""
    texts, leads = (pieces[3:] for pieces in english_articles())
    source = tmp_path / "in"
    source.mkdir()
    for number, text in enumerate(texts[:count]):
        (source / f"article-{number:02}.txt").write_text(f"Article {number}\n\n{text}\n", encoding="utf-8")
    return source, leads[:count]


def written_summaries(out: Path) -> dict[str, str]:
    return {
        path.parent.name: path.read_text(encoding="utf-8").split("\n\n", 1)[1].strip()
        for path in sorted(out.glob("*/summary.en.md"))
    }


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


def test_ctranslate2_int8_summaries_agree_with_fp32(
    trained_models: Path, bart_on_both: tuple[Seq2SeqModel, CTranslate2SummaryModel]
) -> None:
    """Of the articles the model knows, int8 writes at least INT8_AGREEMENT's share as fp32 does."""
    reference, _ = bart_on_both
    int8 = CTranslate2SummaryModel(resolve_model(str(trained_models / "bart-lead")), "cpu", "int8", threads=1)
    texts, leads = english_articles()
    known = known_summaries(reference, texts, leads)
    decoding = {"num_beams": 4, "max_new_tokens": 142, "min_new_tokens": 1}
    written = int8.generate(known, **decoding)
    same = sum(a == b for a, b in zip(written, reference.generate(known, **decoding), strict=True))
    print(f"int8 writes {same} of {len(known)} known summaries as fp32 does")
    assert same / len(known) >= INT8_AGREEMENT, f"{same}/{len(known)}"
    assert written[:3] == leads[:3]


# Target-language tokens (defect 3) ---------------------------------------------------------------


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_a_multilingual_model_writes_the_language_asked_for(
    trained_models: Path, tmp_path: Path, backend: str
) -> None:
    if backend == "ctranslate2" and not ct2.available():
        pytest.skip("ctranslate2 has no wheel for this platform")
    source, out = articles(trained_models, tmp_path, EN_ARTICLE), tmp_path / "out"
    model = trained_models / "newsmt"
    # float32: what is tested is the token, not how much this tiny model loses to int8
    options = ("--to", "uk,ru", "--summary-languages", "en", *EXTRACTIVE, "--backend", backend)
    options += ("--compute-type", "float32") if backend == "ctranslate2" else ()
    result = run(source, out, {"en-uk": model, "en-ru": model}, *options)
    assert result.exit_code == EXIT_OK, result.output
    known = expected(trained_models, EN_ARTICLE)["lines"]
    assert lines(out / EN_ARTICLE / "translation.uk.txt") == known["uk"]
    assert lines(out / EN_ARTICLE / "translation.ru.txt") == known["ru"]


def test_a_target_the_multilingual_model_has_no_token_for_is_exit_3(
    trained_models: Path, tmp_path: Path
) -> None:
    source, out = articles(trained_models, tmp_path, EN_ARTICLE), tmp_path / "out"
    options = ("--to", "de", "--summary-languages", "en", *EXTRACTIVE)
    result = run(source, out, {"en-de": trained_models / "newsmt"}, *options)
    assert result.exit_code == EXIT_MODEL_UNAVAILABLE, result.output
    assert "no >>de<< token" in result.output


# Output guards (defect 7) -------------------------------------------------------------------------


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


def misbehaving_run(trained: Path, tmp_path: Path, variant: str, name: str, target: str) -> Path:
    """The variant on one test article; flags only (no beam candidates searched), so that each
    line shows what the model itself wrote."""
    source, out = articles(trained, tmp_path, name), tmp_path / "out"
    pair = f"{expected(trained, name)['lang']}-{target}"
    options = ("--to", target, "--summary-languages", expected(trained, name)["lang"], *EXTRACTIVE)
    options += ("--figure-candidates", "0", "--backend", "transformers")
    result = run(source, out, {pair: trained / variant}, *options)
    assert result.exit_code == EXIT_OK, result.output
    assert check_exit(out) == EXIT_FLAGGED
    return out


def kinds(flags: list[str]) -> set[str]:
    """A flag's kind: the words before its details."""
    prefixes = {
        "figure changed": "figure",
        "figure missing": "figure",
        "figures could not be verified": "figure",
        "figures kept by beam candidate": "figure",
        "repeated words": "loop",
        "length ": "length",
        "ends mid-sentence": "cut",
        "not in ": "language",
        "quote lost": "quote",
        "beam candidate": "candidate",
    }
    return {kind for flag in flags for prefix, kind in prefixes.items() if flag.startswith(prefix)}


def digits_differ(source: str, output: str) -> bool:
    """An oracle of our own for the figure flags, apart from newsbrief's figure finder: whether
    the runs of digits of the two lines differ."""
    return sorted(re.findall(r"\d+", source)) != sorted(re.findall(r"\d+", output))


def lines_and_flags(out: Path, trained: Path, name: str, lang: str) -> list[tuple[str, str, list[str]]]:
    """(source line, translated line, its flags) for each line of a test article."""
    source = expected(trained, name)["lines"][expected(trained, name)["lang"]]
    written = lines(out / name / f"translation.{lang}.txt")
    return list(zip(source, written, flags_by_line(out, name, lang), strict=True))


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
    assert summaries["uk"]["problems"] == ["not in Ukrainian: reads as Russian"]
    assert summaries["en"]["problems"] == []
    checked = runner.invoke(app, ["check", str(out)])
    assert checked.exit_code == EXIT_FLAGGED
    assert "summary.uk.md: not in Ukrainian: reads as Russian" in checked.output
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


# The summariser's minimum length (defect 6) ------------------------------------------------------


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


# Summaries traced to their sources, and projected (issue 19) --------------------------------------


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
    doc = _segmented("en-black-sea-corridor-long.txt")
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


def test_tmx_for_a_cat_tool_locales_one_direction_no_flagged_lines_marked_as_machine_translation(
    trained_models: Path, tmp_path: Path
) -> None:
    """Read back with translate-toolkit's TMX reader, as CAT tools' pipelines do. The digits
    model changes every figure, so the lines with figures are flagged and those without are not."""
    from translate.storage.tmx import tmxfile

    reviewed = tmp_path / "out"
    source = articles(trained_models, tmp_path, "uk-newsmt-energy", "en-newsmt-budget")
    roles = {"uk-en": trained_models / "newsmt-digits", "en-uk": trained_models / "newsmt"}
    done = run(source, reviewed, roles, "--summariser", "extractive", "--to", "uk,en")
    assert done.exit_code == EXIT_OK, done.output
    flags = flags_by_line(reviewed, "uk-newsmt-energy", "en")
    assert any(flags) and not all(flags)

    target = tmp_path / "uk-en.tmx"
    args = ["export", str(reviewed), "-o", str(target), "--locale", "uk=uk-UA", "--locale", "en=en-GB"]
    result = runner.invoke(app, [*args, "--pair", "uk-en", "--no-flagged"])
    assert result.exit_code == EXIT_OK, result.output
    store = tmxfile(target.read_bytes())
    units = store.units
    expected = {
        (article_id, record["line"])
        for article_id in article_ids(reviewed)
        for record in alignment(reviewed, article_id)
        if record["lang"] == "uk"
        and record["text"].get("en") not in (None, "", record["text"]["uk"])
        and not record.get("flags", {}).get("en")
    }
    assert units and len(units) == len(expected)
    root = ET.parse(target).getroot()
    header = root.find("header")
    assert header.get("srclang") == "uk-UA" and re.fullmatch(r"\d{8}T\d{6}Z", header.get("creationdate"))
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    found = set()
    for unit, read in zip(root.iter("tu"), units, strict=True):
        props = {p.get("type"): p.text for p in unit.findall("prop")}
        assert [v.get(lang) for v in unit.findall("tuv")] == ["uk-UA", "en-GB"]
        assert props["x-newsbrief-origin"] == "machine translation" and props["x-newsbrief-flagged"] == "no"
        assert unit.get("creationid") == "newsbrief" and re.fullmatch(
            r"\d{8}T\d{6}Z", unit.get("creationdate")
        )
        record = next(
            r
            for r in alignment(reviewed, props["x-newsbrief-article"])
            if r["line"] == int(props["x-newsbrief-line"])
        )
        assert (read.source, read.target) == (record["text"]["uk"], record["text"]["en"])
        found.add((props["x-newsbrief-article"], int(props["x-newsbrief-line"])))
    assert found == expected
    bad = runner.invoke(app, ["export", str(reviewed), "--locale", "uk"])
    assert bad.exit_code == EXIT_USAGE and "--locale must be LANG=LOCALE" in bad.output
