"""Helpers of the tests that run the trained models (trainer.py): the test articles and what
each model knows of them, runs through the real CLI, what a run flagged, and the summariser
calls recorded."""

from __future__ import annotations

import json
import random
import re
import shutil
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsbrief.cli import EXIT_FLAGGED, EXIT_OK, app
from newsbrief.models.backends.ct2_summariser import CTranslate2SummaryModel
from newsbrief.models.backends.seq2seq import Seq2SeqModel
from newsbrief.models.resolve import resolve_model
from support.known_answers import (
    short_article,
)
from support.models import load_trainer

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


def corpus_sentences(folder: Path) -> list[str]:
    """The corpus sentences newsmt learned to copy (as the trainer splits them)."""
    return load_trainer().corpus_sentences(folder)


def english_articles() -> tuple[list[str], list[str]]:
    """English articles bart-lead was trained on the like of, and their lead sentences (the
    right summary of the three test articles): the test articles, and articles of one to five
    sentences made from the trainer's templates."""
    trainer, rng = load_trainer(), random.Random(7)
    bodies = [lines["en"][1:] for lines in trainer.test_articles().values()]
    for count in [1, 2, 3, 4, 5] * 4:
        bodies.append([trainer.fill(rng.choice(trainer.TEMPLATES), rng, "en")["en"] for _ in range(count)])
    return [" ".join(body) for body in bodies], [body[0] for body in bodies]


def summariser_on_both(trained_models: Path, name: str) -> tuple[Seq2SeqModel, CTranslate2SummaryModel]:
    resolved = resolve_model(str(trained_models / name))
    return Seq2SeqModel(resolved, "cpu"), CTranslate2SummaryModel(resolved, "cpu", "float32", threads=1)


# Each summariser kind CTranslate2 converts, trained to answer with the lead (trainer.py).
LEAD_SUMMARISERS = ("bart-lead", "t5-lead", "pegasus-lead")


def known_summaries(reference: Seq2SeqModel, texts: list[str], leads: list[str]) -> list[str]:
    """The articles whose lead transformers fp32 writes greedily: those the model knows. The
    three test articles always are (the trainer checked them), and come first."""
    greedy = reference.generate(texts, num_beams=1, max_new_tokens=142, min_new_tokens=1)
    known = [text for text, written, lead in zip(texts, greedy, leads, strict=True) if written == lead]
    assert known[:3] == texts[:3]
    return known


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


# newsmt and every misbehaving variant of it (trainer.marian_variants).
NEWSMT_VARIANTS = (
    "newsmt",
    "newsmt-copy",
    "newsmt-digits",
    "newsmt-loop",
    "newsmt-cut",
    "newsmt-stop",
    "newsmt-wrong-language",
    "newsmt-quotes",
)
# The pairs a run of every test article into uk and en translates.
TEST_PAIRS = ("uk-en", "ru-en", "en-uk", "ru-uk")


def variant_runs(
    trained: Path,
    work: Path,
    corpus: Path,
    extra: list[Path],
    options: list[str],
    exit_codes: tuple[int, ...],
) -> dict[str, Path]:
    """Each variant of newsmt, on every pair, over the articles of `corpus` and the files
    `extra`, into `work/<variant>`; each run's exit code one of `exit_codes`."""
    source = work / "in"
    shutil.copytree(corpus, source)
    for path in extra:
        shutil.copy(path, source / path.name)
    outs = {}
    for variant in NEWSMT_VARIANTS:
        out = work / variant
        pairs = [arg for pair in TEST_PAIRS for arg in ("-m", f"{pair}={trained / variant}")]
        result = runner.invoke(app, ["run", str(source), "--out", str(out), *pairs, *options])
        assert result.exit_code in exit_codes, result.output
        outs[variant] = out
    return outs
