"""What each trained test model must write: the trainer checks every answer here before it keeps
a model, and a test asserts what a trained model writes only where an answer here says so.

Training is deterministic on one machine, but another CPU (or another thread count) sums its
floats in another order and trains other weights: a behaviour one machine's training learned,
another's may not have (the digit-changer, the looping model and the T5's lead were each seen
unlearned on one CPU). So the trainer does not trust its step count: it checks each model
against these answers, on every engine a test runs it on, and trains on until all hold
(trainer.py says how far).

Each answer goes through newsbrief's own model classes (the transformers backend and
CTranslate2 at float32 and int8) with the decoding a run uses: what is checked is what a test
will meet, not the weights' answer under some other setting.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsbrief.generation.summaries import Seq2SeqSummariser, SummaryInput
from newsbrief.generation.translation import Seq2SeqTranslator
from newsbrief.input.readers import read_article
from newsbrief.models.backends.ct2 import CTranslate2Model
from newsbrief.models.backends.ct2_summariser import CTranslate2SummaryModel
from newsbrief.models.backends.seq2seq import Seq2SeqModel
from newsbrief.models.resolve import resolve_model
from newsbrief.settings import SummarySettings
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.segmenting import segment_article
from support.corpus import DATA

UK_ARTICLE, RU_ARTICLE, EN_ARTICLE = "uk-newsmt-energy", "ru-newsmt-trade", "en-newsmt-budget"
# The directions newsmt is trained on, by source language.
TRAINED_TARGETS = {"uk": ("en",), "ru": ("en", "uk"), "en": ("uk", "ru")}
TRANSFORMERS, FLOAT32, INT8 = "transformers", "ctranslate2/float32", "ctranslate2/int8"
# A quote of the test articles, without its marks: «…» in Ukrainian and Russian, "…" in English.
QUOTE_MARKS = re.compile(r'[«"]([^»"]+?)[,.]?[»"]')
# Corpus sentences (not the templates') newsmt copies right greedily, at the least.
COPIED_CORPUS_SENTENCES = 22
# A loop: the line's first three words, this many times over at the least (newsbrief's loop
# check needs four).
LOOP_TIMES = 4
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True)
class Answer:
    """What `model` (a folder of the trainer's output) writes on `engine` for `texts`.

    `write` gives one output per text (for candidates: the candidates joined by newlines);
    `judge` returns what is wrong with the outputs, empty when the model knows the answer."""

    what: str
    model: str
    engine: str
    write: Callable[[object, list[str]], list[str]]
    texts: tuple[str, ...]
    judge: Callable[[list[str]], list[str]]


# How an answer is written: newsbrief's own translator and summariser, as a run drives them.


def translated(source: str, target: str, beams: int) -> Callable[[object, list[str]], list[str]]:
    def write(model: object, texts: list[str]) -> list[str]:
        return Seq2SeqTranslator(model, source, target, beams).translate(texts)  # type: ignore[arg-type]

    return write


def copied(beams: int) -> Callable[[object, list[str]], list[str]]:
    """No target token: what newsmt writes for a source it is not asked to translate."""

    def write(model: object, texts: list[str]) -> list[str]:
        return model.generate(texts, num_beams=beams, max_new_tokens=256, output_ratio=2.0)  # type: ignore[attr-defined]

    return write


def translated_each(
    directions: list[tuple[str, str]], beams: int
) -> Callable[[object, list[str]], list[str]]:
    """Each text into its own direction (a run's lines of several articles)."""

    def write(model: object, texts: list[str]) -> list[str]:
        return [
            translated(source, target, beams)(model, [text])[0]
            for (source, target), text in zip(directions, texts, strict=True)
        ]

    return write


def candidates(source: str, target: str, beams: int) -> Callable[[object, list[str]], list[str]]:
    def write(model: object, texts: list[str]) -> list[str]:
        translator = Seq2SeqTranslator(model, source, target, beams)  # type: ignore[arg-type]
        return ["\n".join(found) for found in translator.candidates(texts, beams)]

    return write


def summarised(beams: int) -> Callable[[object, list[str]], list[str]]:
    """Each text an English article file's text (title, then its body), summarised as a run
    summarises it: segmented, the title left out, the checkpoint's minimum length scaled to
    the input. The summary's sentences, as newsbrief splits them, one a line."""
    identifier = LanguageIdentifier()

    def write(model: object, texts: list[str]) -> list[str]:
        summariser = Seq2SeqSummariser(model, "en", beams, SummarySettings().summary_max_tokens)  # type: ignore[arg-type]
        written = []
        for text in texts:
            doc = segment_article(_article(text), "en", identifier, {"uk", "ru", "en"})
            item = SummaryInput(doc, {"en": [segment.text for segment in doc.segments]})
            written.append("\n".join(summariser.summarise(item).sentences["en"]))
        return written

    return write


def generated(beams: int) -> Callable[[object, list[str]], list[str]]:
    """The summariser's model called as the tests' parity checks call it: at least one token."""

    def write(model: object, texts: list[str]) -> list[str]:
        prefixed = [model.summary_prefix + text for text in texts]  # type: ignore[attr-defined]
        return model.generate(prefixed, num_beams=beams, max_new_tokens=142, min_new_tokens=1)  # type: ignore[attr-defined]

    return write


def _article(text: str):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "article.txt"
        path.write_text(text, encoding="utf-8")
        return read_article(path)


# How an answer is judged.


def exactly(wanted: list[str]) -> Callable[[list[str]], list[str]]:
    def judge(written: list[str]) -> list[str]:
        return [f"wrote {w!r} for {r!r}" for w, r in zip(written, wanted, strict=True) if w != r]

    return judge


def at_least(count: int, wanted: list[str]) -> Callable[[list[str]], list[str]]:
    def judge(written: list[str]) -> list[str]:
        right = sum(w == r for w, r in zip(written, wanted, strict=True))
        return [] if right >= count else [f"{right} of {len(wanted)} right, {count} wanted"]

    return judge


def copied_or_right(sources: list[str], right: list[str], count: int) -> Callable[[list[str]], list[str]]:
    """Each output its source itself or its right translation, at least `count` of them copies:
    what a model without target tokens writes, whichever way its weights take a line."""

    def judge(written: list[str]) -> list[str]:
        wrong = [
            f"wrote {w!r} for {s!r}"
            for w, s, r in zip(written, sources, right, strict=True)
            if w not in (s, r)
        ]
        copies = sum(w == s for w, s in zip(written, sources, strict=True))
        return wrong + ([f"{copies} lines copied, {count} wanted"] if copies < count else [])

    return judge


def looping(lines: list[str]) -> Callable[[list[str]], list[str]]:
    """Each output its English line's first three words over and over, at least LOOP_TIMES
    times (spaces aside: the loop may run digits together), in Latin letters."""

    def judge(written: list[str]) -> list[str]:
        wrong = []
        for output, line in zip(written, lines, strict=True):
            head = "".join(line.split()[:3])
            if "".join(output.split()).count(head) < LOOP_TIMES or CYRILLIC.search(output):
                wrong.append(f"wrote {output!r}, not a loop of {' '.join(line.split()[:3])!r}")
        return wrong

    return judge


def digits_changed(sources: list[str], lines: list[str]) -> Callable[[list[str]], list[str]]:
    """Each output its English line with other digits in the same places (each word right, no
    digit lost or added), and the digits changed in at least half the lines that have any."""

    def judge(written: list[str]) -> list[str]:
        wrong = [
            f"wrote {output!r} for {line!r}"
            for output, line in zip(written, lines, strict=True)
            if _digits_masked(output) != _digits_masked(line)
        ]
        with_figures = [(s, w) for s, w in zip(sources, written, strict=True) if re.search(r"\d", s)]
        changed = sum(re.findall(r"\d", s) != re.findall(r"\d", w) for s, w in with_figures)
        if 2 * changed < len(with_figures):
            wrong.append(f"digits changed in {changed} of {len(with_figures)} lines with figures")
        return wrong

    return judge


def _digits_masked(text: str) -> str:
    return re.sub(r"\d", "0", text)


def a_right_candidate(sources: list[str], right: list[str], count: int) -> Callable[[list[str]], list[str]]:
    """At least `count` lines whose best beam is the source itself and whose first candidate
    without Cyrillic letters is the right translation: what the guard finds when it searches the
    beams of a line left in its language."""

    def judge(written: list[str]) -> list[str]:
        found = 0
        for joined, source, wanted in zip(written, sources, right, strict=True):
            beams = joined.split("\n")
            latin = next((beam for beam in beams if not CYRILLIC.search(beam)), None)
            found += beams[0] == source and latin == wanted
        return (
            []
            if found >= count
            else [f"{found} lines with the right translation among the beams, {count} wanted"]
        )

    return judge


def check(answers: list[Answer], folder: Path, threads: int = 1) -> list[str]:
    """Each answer not known, as `what: problem`; every model loaded once per engine."""
    loaded: dict[tuple[str, str], object] = {}
    missing = []
    for answer in answers:
        key = (answer.model, answer.engine)
        if key not in loaded:
            loaded[key] = load(folder / answer.model, answer.engine, threads)
        written = answer.write(loaded[key], list(answer.texts))
        missing += [f"{answer.what} ({answer.model}, {answer.engine}): {p}" for p in answer.judge(written)]
    return missing


def load(folder: Path, engine: str, threads: int) -> object:
    resolved = resolve_model(str(folder), allow_download=False)
    if engine == TRANSFORMERS:
        return Seq2SeqModel(resolved, "cpu")
    model_class = CTranslate2Model if (folder / "source.spm").is_file() else CTranslate2SummaryModel
    return model_class(resolved, "cpu", engine.split("/")[1], threads=threads)


# The answers.


def known_articles(folder: Path) -> dict[str, dict]:
    """The test articles' expected.json (trainer.write_test_articles), by name."""
    import json

    return {
        path.name.removesuffix(".expected.json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.expected.json"))
    }


def short_article(known: dict, lang: str = "en") -> str:
    """A test article cut to its title and first two sentences, in one paragraph, in `lang`.

    What a run summarises of it is its English lead alone: a run holds a summary to at least a
    quarter of its input's tokens (and the checkpoint's own minimum, bart-large-cnn's 56, no
    more), and the lead of a whole test article can be shorter than that, so a model that knows
    only the lead must write more after it, and what it writes then no training decides."""
    lines = known["lines"][lang]
    return f"{lines[0]}\n\n{lines[1]} {lines[2]}\n"


def marian_answers(articles: dict[str, dict], corpus: list[str]) -> list[Answer]:
    """newsmt translates every test article in every trained direction on every engine; copies
    corpus sentences without a target token; and each variant misbehaves as it was taught."""
    answers = []
    for name, known in articles.items():
        lang, lines = known["lang"], known["lines"]
        for target in TRAINED_TARGETS[lang]:
            for engine, beams in (
                (TRANSFORMERS, 1),
                (TRANSFORMERS, 4),
                (FLOAT32, 1),
                (FLOAT32, 4),
                (INT8, 4),
            ):
                write = translated(lang, target, beams)
                what = f"{name} {lang}→{target}, beam {beams}"
                answers.append(
                    Answer(what, "newsmt", engine, write, tuple(lines[lang]), exactly(lines[target]))
                )
    answers += quote_answers(articles)
    copies = at_least(COPIED_CORPUS_SENTENCES, corpus)
    answers.append(
        Answer("corpus sentences copied", "newsmt", TRANSFORMERS, copied(1), tuple(corpus), copies)
    )
    return answers + misbehaving_answers(articles) + copy_answers(articles)


def misbehaving_answers(articles: dict[str, dict]) -> list[Answer]:
    uk, en = articles[UK_ARTICLE]["lines"], articles[EN_ARTICLE]["lines"]
    wrong = articles[UK_ARTICLE]["misbehaviours"]
    into_english, what = translated("uk", "en", 4), f"{UK_ARTICLE} uk→en"
    answers = [
        Answer(what, f"newsmt-{kind}", TRANSFORMERS, into_english, tuple(uk["uk"]), exactly(wrong[kind]))
        for kind in ("cut", "stop")
    ]
    answers += [
        Answer(
            what, "newsmt-digits", engine, into_english, tuple(uk["uk"]), digits_changed(uk["uk"], uk["en"])
        )
        for engine in (TRANSFORMERS, INT8)
    ]
    answers.append(
        Answer(what, "newsmt-loop", TRANSFORMERS, into_english, tuple(uk["uk"]), looping(uk["en"]))
    )
    answers += [
        Answer(what, "newsmt-quotes", engine, into_english, tuple(uk["uk"]), exactly(wrong["quotes"]))
        for engine in (TRANSFORMERS, INT8)
    ]
    into_ukrainian = translated("en", "uk", 4)
    what = f"{EN_ARTICLE} en→uk in Russian"
    answers.append(
        Answer(
            what, "newsmt-wrong-language", TRANSFORMERS, into_ukrainian, tuple(en["en"]), exactly(en["ru"])
        )
    )
    return answers


def quote_answers(articles: dict[str, dict]) -> list[Answer]:
    """newsmt translates each quote of the test articles alone, without its marks, as the line's
    translation has it, in each direction a run reads a translated quote back (the reverse of a
    trained one): what newsbrief compares a translated quote with."""
    answers = []
    for name, known in articles.items():
        lines = known["lines"]
        for source in TRAINED_TARGETS[known["lang"]]:
            target = known["lang"]
            quoted = [q for line in lines[source] for q in QUOTE_MARKS.findall(line)]
            right = [q for line in lines[target] for q in QUOTE_MARKS.findall(line)]
            if not quoted:
                continue
            for engine in (TRANSFORMERS, INT8):
                what = f"{name}'s quotes alone {source}→{target}"
                write = translated(source, target, 4)
                answers.append(Answer(what, "newsmt", engine, write, tuple(quoted), exactly(right)))
    return answers


def copy_answers(articles: dict[str, dict]) -> list[Answer]:
    """newsmt-copy (no target tokens) writes the Ukrainian article's lines back as they are, but
    the right English is among its other beams; and it copies lines holding glossary terms
    (tests/data/glossary/newsroom.tsv), on both engines the tests run it on."""
    uk = articles[UK_ARTICLE]["lines"]
    answers = []
    for engine in (TRANSFORMERS, INT8):
        write, texts, copies = (
            translated("uk", "en", 4),
            tuple(uk["uk"]),
            copied_or_right(uk["uk"], uk["en"], 3),
        )
        answers.append(Answer(f"{UK_ARTICLE} copied", "newsmt-copy", engine, write, texts, copies))
    beams = a_right_candidate(uk["uk"], uk["en"], 1)
    write = candidates("uk", "en", 4)
    answers.append(Answer(f"{UK_ARTICLE} beams", "newsmt-copy", TRANSFORMERS, write, tuple(uk["uk"]), beams))
    jobs = lines_with_terms(articles)
    lines = [line for _, _, line in jobs]
    write = translated_each([(source, target) for source, target, _ in jobs], 4)
    what = "lines with glossary terms copied"
    answers.append(Answer(what, "newsmt-copy", INT8, write, tuple(lines), at_least(4, lines)))
    # One of them at least with the right translation, terms and all, among its other beams.
    termed = [i for i, (source, target, _) in enumerate(jobs) if (source, target) == ("uk", "en")]
    sources = [jobs[i][2] for i in termed]
    right = [uk["en"][uk["uk"].index(line)] for line in sources]
    beams = a_right_candidate(sources, right, 1)
    what = f"{UK_ARTICLE} lines with terms, beams"
    answers.append(Answer(what, "newsmt-copy", INT8, candidates("uk", "en", 4), tuple(sources), beams))
    return answers


# The directions of the glossary tests' runs (--to en,uk), and their glossary.
GLOSSARY_DIRECTIONS = (("uk", "en"), ("ru", "en"), ("ru", "uk"), ("en", "uk"))
GLOSSARY = DATA / "glossary" / "newsroom.tsv"


def lines_with_terms(articles: dict[str, dict]) -> list[tuple[str, str, str]]:
    """(source language, target, line) for each test article line holding a glossary term that
    a translation must render otherwise than the source writes it."""
    from newsbrief.fidelity.glossary import load_glossary

    glossary = load_glossary(GLOSSARY)
    return [
        (source, target, line)
        for known in articles.values()
        for source, target in GLOSSARY_DIRECTIONS
        if known["lang"] == source
        for line in known["lines"][source]
        if any(use.wanted != use.source for use in glossary.uses(line, source, target))
    ]


LEAD_MODELS = ("bart-lead", "t5-lead", "pegasus-lead")


def lead_answers(articles: dict[str, dict], model: str) -> list[Answer]:
    """Each summariser writes each test article's lead: as the tests' parity checks call it, on
    every engine, and as a run summarises a short article's file (short_article)."""
    bodies = tuple(" ".join(known["lines"]["en"][1:]) for known in articles.values())
    leads = exactly([known["lines"]["en"][1] for known in articles.values()])
    answers = [
        Answer(f"test articles' leads, beam {beams}", model, engine, generated(beams), bodies, leads)
        for engine, beams in ((TRANSFORMERS, 1), (TRANSFORMERS, 4), (FLOAT32, 1), (FLOAT32, 4), (INT8, 4))
    ]
    short = tuple(short_article(known) for known in articles.values())
    leads = exactly([known["lines"]["en"][1] for known in articles.values()])
    what = "short test articles summarised as a run does"
    return answers + [Answer(what, model, engine, summarised(4), short, leads) for engine in (FLOAT32, INT8)]
