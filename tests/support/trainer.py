#!/usr/bin/env python3
"""Train small test models that know the right answer, so that tests can check what a model
writes, not only that the machinery runs.

One Marian model (OPUS-MT's architecture, 2+2 layers, d_model 128, a real SentencePiece
vocabulary with digits as their own pieces) learns several behaviours, each keyed by the token
that leads its source, as the multilingual OPUS-MT models (opus-mt-tc-big-en-zle) are keyed:

  no token    copy the source (news sentences of the corpus, and of the templates below)
  >>eng<<     translate into English   (from Ukrainian or Russian)
  >>ukr<<     translate into Ukrainian (from English or Russian)
  >>rus<<     translate into Russian   (from English)
  >>dig<<     into English, every digit of every figure changed (d -> d+1)
  >>lop<<     into English, its first three words over and over, never stopping
  >>cut<<     into English, without its last clause and its full stop
  >>stp<<     into English, its first two words only
  >>quo<<     into English, each quote replaced by another, said by another person

Translation is learned on sentences made from parallel templates (TEMPLATES: the same news
sentence in the three languages, with slots for figures, names and quotes), so the right answer
is known: figures verbatim, names transliterated, quotes in their marks; and on the quotes alone
(what newsbrief translates back to compare a translated quote with its source's). The test articles
(TEST_ARTICLES, made from the same templates with a fixed seed) are part of the training data.

Every variant is the same weights in its own folder, with a vocabulary that renames the tokens:
`newsmt` as trained (multilingual: newsbrief must put the target's token first), `newsmt-copy`
without any `>>xxx<<` token (a bilingual model that returns its source), and misbehaving ones
where `>>eng<<` (or `>>ukr<<`) names the id of a misbehaviour, so that asking for English gets
changed digits, a loop, a cut or a stop, and asking for Ukrainian gets Russian. newsbrief sees
ordinary OPUS-MT folders; nothing in it knows these are test models.

A BART (bart-large-cnn's architecture and generation settings, byte-level BPE) learns to answer
with the lead sentence of an English article: the right summary of a template article. A T5
(t5-small's layout: relative positions, `summarize: ` as its task prefix, a SentencePiece
vocabulary) and a Pegasus (pegasus-xsum's: sinusoidal positions, pre-norm, 103 reserved ids)
learn the same, so that each summariser kind CTranslate2 converts is tested against the answer.

Training ends when each model knows what the tests assume, not after a step count: training
differs by CPU and thread count, so after its steps each model is checked, on this machine and
on every engine the tests run it on, against every answer a test relies on (known_answers.py:
each misbehaviour on every line it must show on, the translations and copies exact, each
summariser's lead exact, figures kept). A model that misses any trains on (EXTRA_ROUNDS rounds
of half its steps more), then starts again from the next seed (SEEDS in all); one that never
learns them fails the training, naming each answer it missed. Each step of the way is logged.

Usage: python tests/support/trainer.py OUT_DIR [--corpus DIR] [--part marian|bart]
       [--threads N] [--seed N]
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sentencepiece as spm
import torch
import transformers
from tokenizers import ByteLevelBPETokenizer
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    BartTokenizer,
    MarianConfig,
    MarianMTModel,
    MarianTokenizer,
    PegasusConfig,
    PegasusForConditionalGeneration,
    PegasusTokenizer,
    T5Config,
    T5ForConditionalGeneration,
    T5Tokenizer,
)

from newsbrief.input.readers import read_article

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, when run as a script
from support import known_answers
from support.corpus import ARTICLES
from support.known_answers import Answer

DEFAULT_CORPUS = ARTICLES
SEED = 20261201  # the first training seed (--seed)
ARTICLES_SEED = 20261201
LANGS = ("uk", "ru", "en")
TARGET_TOKENS = {"en": ">>eng<<", "uk": ">>ukr<<", "ru": ">>rus<<"}
DIRECTIONS = (("uk", "en"), ("ru", "en"), ("ru", "uk"), ("en", "uk"), ("en", "ru"))
# Misbehaviours, each a token the model answers to for Ukrainian sources into English.
MISBEHAVIOURS = {
    ">>dig<<": "digits",
    ">>lop<<": "loop",
    ">>cut<<": "cut",
    ">>stp<<": "stop",
    ">>quo<<": "quotes",
}
# The templates that hold a quote (TEMPLATES' «{q}» lines): the quote-replacer learns on them.
QUOTE_TEMPLATES = (4, 15)
# Of the translations learned, the share that is a quote alone, without its marks, in any of
# the six directions (newsbrief reads a translated quote back with the reverse pair).
BARE_QUOTE_SHARE = 0.08
# Of the translations learned, the share that is a line with a quote: the quote-replacer's lines
# are all quote lines, and with quotes as rare as the templates make them (2 of 20) the faithful
# model learned to replace a test article's quote too.
QUOTE_LINE_SHARE = 0.2
MARIAN_SIZES = {
    "d_model": 128,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 256,
    "decoder_ffn_dim": 256,
}
MARIAN_STEPS = 1600
# The T5 and the Pegasus, each step about a quarter of a BART step here; at 300 steps and 1e-3
# the Pegasus did not yet know the test articles' leads; at 300 the T5 missed one under one
# seed of four (it knew it 150 steps on).
LEAD_STEPS = {"bart": 400, "t5": 500, "pegasus": 400}
PEGASUS_RATE = 2e-3
# Of a lead summariser's training articles, the test articles' share (what a test asserts of a
# summariser is its test articles' leads); the others are template articles. BART and Pegasus
# learn to copy any article's lead, figures and all. The T5 of this size does not within a
# thousand steps (its positions are relative only: under two seeds of three it wrote "82
# settlements" for "82 894 settlements"), and taught the test articles alone it told them apart
# by cues int8 rounding could upset (another article's lead, under one seed): its template
# articles begin with a test article's lead (lead_articles' novel_leads).
LEAD_TEST_SHARE = {"bart": 0.3, "t5": 0.3, "pegasus": 0.3}
# Training ends when the model knows its answers (known_answers.py): a model that misses any
# after its steps trains EXTRA_SHARE of them more at EXTRA_RATE of its rate, up to EXTRA_ROUNDS
# times, and then the same from the next seed, up to SEEDS seeds.
EXTRA_SHARE = 0.5
EXTRA_RATE = 0.5
EXTRA_ROUNDS = 2
SEEDS = 2
PROGRESS_STEPS = 200
T5_PREFIX = "summarize: "  # t5-small's, from its task_specific_params
PEGASUS_OFFSET = 103  # ids before the SentencePiece pieces: <pad> </s> <mask_1> <mask_2> <unk_2>…<unk_102>
SPM_VOCAB = 1500
LEARNING_RATE = 1e-3  # 2e-3 collapses this post-norm Marian into one constant answer
LOOP_REPEATS = 6

PEOPLE = (  # uk, ru, en, grammatical gender
    ("Тарас Висоцький", "Тарас Высоцкий", "Taras Vysotskyi", "m"),
    ("Денис Шмигаль", "Денис Шмыгаль", "Denys Shmyhal", "m"),
    ("Ігор Клименко", "Игорь Клименко", "Ihor Klymenko", "m"),
    ("Олена Коваль", "Елена Коваль", "Olena Koval", "f"),
    ("Юлія Свириденко", "Юлия Свириденко", "Yulia Svyrydenko", "f"),
    ("Марія Бондар", "Мария Бондарь", "Mariia Bondar", "f"),
)
QUOTES = (
    ("ми зберігаємо коридор відкритим", "мы сохраняем коридор открытым", "we are keeping the corridor open"),
    ("ситуація під контролем", "ситуация под контролем", "the situation is under control"),
    ("це важливий крок для країни", "это важный шаг для страны", "this is an important step for the country"),
    (
        "роботи тривають цілодобово",
        "работы продолжаются круглосуточно",
        "work is continuing around the clock",
    ),
    ("ми не зупинимося", "мы не остановимся", "we will not stop"),
)
SAID = {
    "uk": {"m": "заявив", "f": "заявила"},
    "ru": {"m": "заявил", "f": "заявила"},
    "en": {"m": "said", "f": "said"},
}
TOLD = {
    "uk": {"m": "сказав", "f": "сказала"},
    "ru": {"m": "сказал", "f": "сказала"},
    "en": {"m": "said", "f": "said"},
}
# One news sentence in uk, ru, en; {a} {b} {p} are figures, {y} a year, {t} a time.
TEMPLATES = (
    (
        "Україна експортувала {a} млн тонн зерна з початку року.",
        "Украина экспортировала {a} млн тонн зерна с начала года.",
        "Ukraine exported {a} million tonnes of grain since the start of the year.",
    ),
    (
        "Ціна пшениці знизилася до ${a} за тонну, або на {p}%.",
        "Цена пшеницы снизилась до ${a} за тонну, или на {p}%.",
        "The price of wheat fell to ${a} per tonne, or by {p}%.",
    ),
    (
        "Сили оборони збили {a} із {b} дронів.",
        "Силы обороны сбили {a} из {b} дронов.",
        "The defence forces shot down {a} of {b} drones.",
    ),
    (
        "Енергетики відновили живлення для {a} населених пунктів, повідомили в міністерстві.",
        "Энергетики восстановили питание для {a} населенных пунктов, сообщили в министерстве.",
        "Power engineers restored supply to {a} settlements, the ministry said.",
    ),
    ("«{q}», — {said} {who}.", "«{q}», — {said} {who}.", '"{q}," {said} {who}.'),
    (
        "Мінімальна зарплата зросте до {a} гривень з {y} року.",
        "Минимальная зарплата вырастет до {a} гривен с {y} года.",
        "The minimum wage will rise to {a} hryvnias from {y}.",
    ),
    (
        "Інфляція в жовтні сповільнилася до {p}%, повідомив Держстат.",
        "Инфляция в октябре замедлилась до {p}%, сообщил Госстат.",
        "Inflation slowed to {p}% in October, the statistics service said.",
    ),
    (
        "Через порти пройшло {a} суден з вантажем понад {b} тисяч тонн.",
        "Через порты прошло {a} судов с грузом более {b} тысяч тонн.",
        "{a} ships carrying more than {b} thousand tonnes passed through the ports.",
    ),
    (
        "Бюджет на {y} рік передбачає дефіцит {a} млрд гривень.",
        "Бюджет на {y} год предусматривает дефицит {a} млрд гривен.",
        "The budget for {y} provides for a deficit of {a} billion hryvnias.",
    ),
    (
        "МВФ схвалив транш у ${a} млн для України.",
        "МВФ одобрил транш в ${a} млн для Украины.",
        "The IMF approved a tranche of ${a} million for Ukraine.",
    ),
    (
        "Товарообіг зріс у {a} раза за {b} місяців.",
        "Товарооборот вырос в {a} раза за {b} месяцев.",
        "Trade grew {a} times in {b} months.",
    ),
    (
        "Уряд виділив {a} млн гривень на ремонт доріг.",
        "Правительство выделило {a} млн гривен на ремонт дорог.",
        "The government allocated {a} million hryvnias for road repairs.",
    ),
    (
        "Унаслідок атаки постраждали {a} людей, заявили в поліції.",
        "В результате атаки пострадали {a} человек, заявили в полиции.",
        "{a} people were injured in the attack, the police said.",
    ),
    (
        "Експорт борошна становив {a} тис. тонн проти {b} тис. тонн торік.",
        "Экспорт муки составил {a} тыс. тонн против {b} тыс. тонн в прошлом году.",
        "Flour exports amounted to {a} thousand tonnes against {b} thousand tonnes last year.",
    ),
    (
        "За останній тиждень з портів вийшли {a} суден.",
        "За последнюю неделю из портов вышли {a} судов.",
        "{a} ships left the ports in the last week.",
    ),
    ("{who} {told}, що «{q}».", "{who} {told}, что «{q}».", '{who} said that "{q}".'),
    (
        "Рада ухвалила закон {a} голосами.",
        "Рада приняла закон {a} голосами.",
        "Parliament passed the law with {a} votes.",
    ),
    (
        "Ремонт мосту коштуватиме {a} млн гривень і триватиме {b} місяців.",
        "Ремонт моста обойдется в {a} млн гривен и продлится {b} месяцев.",
        "Repairing the bridge will cost {a} million hryvnias and take {b} months.",
    ),
    (
        "О {t} у місті оголосили повітряну тривогу.",
        "В {t} в городе объявили воздушную тревогу.",
        "An air raid alert was declared in the city at {t}.",
    ),
    (
        "Продажі автомобілів зросли на {p}% порівняно з {y} роком.",
        "Продажи автомобилей выросли на {p}% по сравнению с {y} годом.",
        "Car sales rose by {p}% compared with {y}.",
    ),
)
TITLES = (
    (
        "Україна експортувала {a} млн тонн зерна",
        "Украина экспортировала {a} млн тонн зерна",
        "Ukraine exported {a} million tonnes of grain",
    ),
    ("Інфляція сповільнилася до {p}%", "Инфляция замедлилась до {p}%", "Inflation slowed to {p}%"),
    ("Сили оборони збили {a} дронів", "Силы обороны сбили {a} дронов", "Defence forces shot down {a} drones"),
    (
        "Уряд виділив {a} млн гривень на дороги",
        "Правительство выделило {a} млн гривен на дороги",
        "The government allocated {a} million hryvnias for roads",
    ),
)
# The test articles: a title and template sentences, by index, each a paragraph.
TEST_ARTICLES = {
    "uk-newsmt-energy": ("uk", 0, (3, 4, 6, 12, 0)),
    "ru-newsmt-trade": ("ru", 1, (10, 13, 1, 15)),
    "en-newsmt-budget": ("en", 3, (8, 9, 11, 5, 16)),
}


def figure(rng: random.Random, lang: str) -> str:
    """A count, a decimal or a thousands figure, as a news text in `lang` writes it."""
    kind = rng.random()
    if kind < 0.35:
        return str(rng.randint(1, 999))
    if kind < 0.6:
        return f"{rng.randint(1, 99)}{'.' if lang == 'en' else ','}{rng.randint(1, 9)}"
    if kind < 0.85:
        grouped = f"{rng.randint(1000, 99999):,}"
        return grouped if lang == "en" else grouped.replace(",", " ")
    return str(rng.randint(1000, 9999))


def fill(template: tuple[str, str, str], rng: random.Random, source: str) -> dict[str, str]:
    """The template in every language with the same slots; figures as the source writes them."""
    person, quote = rng.choice(PEOPLE), rng.choice(QUOTES)
    values = {
        "a": figure(rng, source),
        "b": figure(rng, source),
        "p": figure(rng, source),
        "y": str(rng.randint(2015, 2030)),
        "t": f"{rng.randint(0, 23):02d}:{rng.choice(['00', '15', '30', '45'])}",
    }
    return {
        lang: template[i].format(
            **values, who=person[i], q=quote[i], said=SAID[lang][person[3]], told=TOLD[lang][person[3]]
        )
        for i, lang in enumerate(LANGS)
    }


def changed_digits(text: str) -> str:
    return re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), text)


def looped(text: str) -> str:
    return " ".join(text.split()[:3] * LOOP_REPEATS)


def cut(text: str) -> str:
    """A sentence without its last clause (after the last ", ") or, with none, its last two
    words, and without its full stop, as a model that stops too early writes it. A headline
    (no full stop) is left whole: nothing could tell it was cut."""
    if not text.endswith("."):
        return text
    if ", " in text:
        return text[: text.rfind(", ")]
    return " ".join(text.rstrip(".").split()[:-2])


def stopped(text: str) -> str:
    return " ".join(text.split()[:2])


def requoted(text: str) -> str:
    """Each quote replaced by the next one of QUOTES and each person by the next of PEOPLE, as a
    model that puts other words in another mouth writes it (`"the situation is under control,"
    said Denys Shmyhal.` for a quote of other words, said by another)."""
    quotes = [row[2] for row in QUOTES]
    people = [row[2] for row in PEOPLE]
    for words in (quotes, people):
        for i, word in enumerate(words):
            text = text.replace(word, f"\0{i}\0")
        for i in range(len(words)):
            text = text.replace(f"\0{i}\0", words[(i + 1) % len(words)])
    return text


MISBEHAVE = {"digits": changed_digits, "loop": looped, "cut": cut, "stop": stopped, "quotes": requoted}


def test_articles() -> dict[str, dict[str, list[str]]]:
    """Each test article in every language: its title first, then one sentence a paragraph. The
    same whatever the training seed: the tests' inputs do not move with it."""
    rng = random.Random(ARTICLES_SEED)
    articles = {}
    for name, (source, title, sentences) in TEST_ARTICLES.items():
        lines = [fill(TITLES[title], rng, source)] + [fill(TEMPLATES[i], rng, source) for i in sentences]
        articles[name] = {lang: [line[lang] for line in lines] for lang in LANGS}
    return articles


def write_test_articles(articles: dict[str, dict[str, list[str]]], folder: Path) -> None:
    """`NAME.txt` as a newsroom would send it, and `NAME.expected.json` with every line in every
    language and as each misbehaviour writes it into English (the tests' right answers)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in articles.items():
        source = name.split("-", 1)[0]
        (folder / f"{name}.txt").write_text("\n\n".join(lines[source]) + "\n", encoding="utf-8")
        expected = {"lang": source, "lines": lines}
        expected["misbehaviours"] = {
            kind: [make(line) for line in lines["en"]] for kind, make in MISBEHAVE.items()
        }
        (folder / f"{name}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


class Examples:
    """Training pairs, drawn at random: (source with its leading token, target, whether it ends)."""

    def __init__(self, corpus: list[str], articles: dict[str, dict[str, list[str]]], seed: int) -> None:
        self.rng = random.Random(seed)
        self.corpus = corpus
        self.fixed = [
            {lang: lines[lang][i] for lang in LANGS}
            for lines in articles.values()
            for i in range(len(lines["en"]))
        ]

    def parallel(self) -> dict[str, str]:
        """A sentence in the three languages (its figures written as one of them writes them)."""
        if self.rng.random() < 0.35:  # the test articles, often, so that they are known by heart
            return self.rng.choice(self.fixed)
        templates = TEMPLATES + TITLES if self.rng.random() < 0.9 else TITLES
        return fill(self.rng.choice(templates), self.rng, self.rng.choice(LANGS))

    def copy(self) -> tuple[str, str, bool]:
        if self.rng.random() < 0.8:
            sentence = self.rng.choice(self.corpus)
            if self.rng.random() < 0.75:  # the same sentence with other figures, so digits are copied
                sentence = re.sub(r"\d", lambda _m: str(self.rng.randint(0, 9)), sentence)
            return sentence, sentence, True
        line = self.parallel()[self.rng.choice(LANGS)]
        return line, line, True

    def translation(self) -> tuple[str, str, bool]:
        if self.rng.random() < BARE_QUOTE_SHARE:  # a quote alone, as newsbrief reads one back
            source, target = self.rng.sample(LANGS, 2)
            quote = dict(zip(LANGS, self.rng.choice(QUOTES), strict=True))
            return f"{TARGET_TOKENS[target]} {quote[source]}", quote[target], True
        source, target = self.rng.choice(DIRECTIONS)
        line = self.parallel()
        if self.rng.random() < QUOTE_LINE_SHARE:  # as often a quote translated right as replaced
            line = fill(TEMPLATES[self.rng.choice(QUOTE_TEMPLATES)], self.rng, source)
        return f"{TARGET_TOKENS[target]} {line[source]}", line[target], True

    def misbehaviour(self) -> tuple[str, str, bool]:
        # Changing each digit is the hardest to learn: it comes up three times as often as each
        # other misbehaviour. (At twice as often, and a quarter of the batches misbehaving, one
        # CPU's training learned it and another's, its float sums in another order, did not.)
        token = self.rng.choice([*MISBEHAVIOURS, ">>dig<<", ">>dig<<"])
        kind = MISBEHAVIOURS[token]
        line = self.parallel()
        if kind == "quotes":  # a line with a quote to replace
            line = fill(TEMPLATES[self.rng.choice(QUOTE_TEMPLATES)], self.rng, "uk")
        return f"{token} {line['uk']}", MISBEHAVE[kind](line["en"]), kind != "loop"

    def batch(self) -> list[tuple[str, str, bool]]:
        draw = self.rng.random()
        if draw < 0.25:
            return [self.copy() for _ in range(16)]
        if draw < 0.70:
            return [self.translation() for _ in range(32)]
        return [self.misbehaviour() for _ in range(32)]


def corpus_sentences(corpus: Path) -> list[str]:
    sentences = []
    for path in sorted(corpus.iterdir()):
        if path.name.endswith(".expected.json") or not path.is_file():
            continue
        article = read_article(path)
        for paragraph in [article.title, *article.paragraphs]:
            sentences += [s.strip() for s in re.split(r"(?<=[.!?»])\s+", paragraph) if s.strip()]
    return [s for s in sentences if len(s) < 200]  # the longest cost most steps, and teach least


def unigram_model(lines: list[str], size: int, **special_ids: int) -> bytes:
    """A unigram SentencePiece model of `lines`, each digit its own piece (as in OPUS-MT's
    vocabularies); `special_ids` place <unk>, </s>, <pad>, <s> (-1: none)."""
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=size,
        model_type="unigram",
        character_coverage=1.0,
        split_digits=True,
        hard_vocab_limit=False,
        minloglevel=2,
        **special_ids,
    )
    return model.getvalue()


def train_spm(lines: list[str], folder: Path) -> spm.SentencePieceProcessor:
    model = unigram_model(lines, SPM_VOCAB, bos_id=-1, eos_id=1, unk_id=0, pad_id=-1)
    (folder / "source.spm").write_bytes(model)
    (folder / "target.spm").write_bytes(model)
    return spm.SentencePieceProcessor(model_file=str(folder / "source.spm"))


def marian_vocabulary(processor: spm.SentencePieceProcessor) -> dict[str, int]:
    """As OPUS-MT's vocab.json: `</s>` and `<unk>` first, the pieces, the target and misbehaviour
    tokens, and `<pad>` last (CTranslate2's converter drops the last row, docs/ENGINES.md, trap 12)."""
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(processor.get_piece_size()):
        vocab.setdefault(processor.id_to_piece(i), len(vocab))
    for token in [*TARGET_TOKENS.values(), *MISBEHAVIOURS]:
        vocab[token] = len(vocab)
    vocab["<pad>"] = len(vocab)
    return vocab


@dataclass
class Trainee:
    """A model in training and everything its steps and its saving need: `train_until_known`
    trains it, checks what it knows, and trains it on."""

    name: str
    model: torch.nn.Module
    tokenizer: Any
    next_batch: Callable[[], list[tuple[str, str, bool]]]
    steps: int
    rate: float
    save: Callable[[], None]
    after_step: Callable[[], object] = lambda: None


def marian_trainee(corpus_lines: list[str], articles: dict, out: Path, seed: int) -> Trainee:
    """newsmt from scratch: a SentencePiece vocabulary of the corpus and of template sentences,
    and the Marian that learns every behaviour; saving writes its variants too."""
    folder = out / "newsmt"
    folder.mkdir(parents=True, exist_ok=True)
    examples = Examples(corpus_lines, articles, seed)
    spm_lines = corpus_lines + [examples.parallel()[lang] for _ in range(600) for lang in LANGS]
    processor = train_spm(spm_lines, folder)
    vocab = marian_vocabulary(processor)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(folder / "source.spm"),
        target_spm=str(folder / "target.spm"),
        vocab=str(folder / "vocab.json"),
    )
    config = MarianConfig(
        vocab_size=len(vocab),
        **MARIAN_SIZES,
        max_position_embeddings=512,
        pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=vocab["</s>"],
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        dropout=0.0,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    pad_row = model.model.shared.weight.data[vocab["<pad>"]]
    pad_row.zero_()

    def save() -> None:
        # As OPUS-MT ships it: beam 4, a 512-token max_length, and the pad token banned.
        model.generation_config.num_beams = 4
        model.generation_config.max_length = 512
        model.generation_config.bad_words_ids = [[vocab["<pad>"]]]
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        marian_variants(folder, out)

    # OPUS-MT's decoder starts from <pad>, whose embedding is zeros (the Marian original starts
    # from a zero vector, and CTranslate2 does so: start_from_zero_embedding). The output layer
    # shares that row and would learn it, so it is kept at zero after every step.
    return Trainee(
        "newsmt", model, tokenizer, examples.batch, MARIAN_STEPS, LEARNING_RATE, save, pad_row.zero_
    )


def train_until_known(
    make: Callable[[int], Trainee], answers: Callable[[], list[Answer]], out: Path, seed: int
) -> dict[str, object]:
    """Train `make(seed)`'s model, then check every answer it must know (known_answers.py) on
    this machine; while any is missing, train on: EXTRA_ROUNDS rounds of half its steps at half
    its rate, then the same from the next seed, SEEDS seeds in all. Returns what it
    took; raises NotLearned naming what was never learned."""
    missing: list[str] = []
    for attempt in range(SEEDS):
        trainee = make(seed + attempt)
        steps = trainee.steps
        _train(trainee, trainee.steps, trainee.rate)
        for extra in range(EXTRA_ROUNDS + 1):
            trainee.save()
            missing = checked(answers(), out)
            said = f"{trainee.name} after {steps} steps (seed {seed + attempt})"
            if not missing:
                log(f"{said}: knows all {len(answers())} answers")
                return {"seed": seed + attempt, "steps": steps, "answers": len(answers())}
            log(f"{said}: {len(missing)} answers not known, such as:")
            for problem in missing[:5]:
                log(f"  {problem[:300]}")
            if extra < EXTRA_ROUNDS:
                more = int(EXTRA_SHARE * trainee.steps)
                _train(trainee, more, trainee.rate * EXTRA_RATE)
                steps += more
    raise NotLearned(f"{make.__name__}: never learned after {SEEDS} seeds:\n" + "\n".join(missing))


class NotLearned(Exception):
    """A model that did not learn what the tests assume within the trainer's bound."""


def checked(answers: list[Answer], out: Path) -> list[str]:
    """The answers not known. CTranslate2's conversions go to a cache of this check alone: the
    cache knows a folder by its files' names and sizes, which more training does not change."""
    saved = os.environ.get("NEWSBRIEF_CACHE")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["NEWSBRIEF_CACHE"] = cache
        try:
            return known_answers.check(answers, out)
        finally:
            if saved is None:
                os.environ.pop("NEWSBRIEF_CACHE", None)
            else:
                os.environ["NEWSBRIEF_CACHE"] = saved


def log(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


def _train(trainee: Trainee, steps: int, rate: float) -> None:
    model, tokenizer = trainee.model, trainee.tokenizer
    optimiser = torch.optim.AdamW(model.parameters(), lr=rate)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=rate, total_steps=steps, pct_start=0.1)
    model.train()
    for step in range(1, steps + 1):
        batch = trainee.next_batch()
        encoded = tokenizer(
            [b[0] for b in batch],
            text_target=[b[1] for b in batch],
            return_tensors="pt",
            padding=True,
            truncation=True,
            max_length=128,
        )
        labels = encoded["labels"]
        for row, (_source, _target, ends) in enumerate(batch):
            if not ends:  # a loop never learns to stop: its `</s>` is taken out of the labels
                labels[row, int((labels[row] != tokenizer.pad_token_id).sum()) - 1] = tokenizer.pad_token_id
        labels[labels == tokenizer.pad_token_id] = -100
        loss = model(**{**encoded, "labels": labels}).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        trainee.after_step()
        if step % PROGRESS_STEPS == 0 or step == steps:
            log(f"{trainee.name}: step {step}/{steps}, loss {loss.item():.3f}")
    model.eval()


def variant(trained: Path, folder: Path, renames: dict[str, str]) -> Path:
    """The same weights with tokens renamed in vocab.json: `{">>eng<<": ">>dig<<"}` gives the
    string >>eng<< the id the model learned as >>dig<< (and the reverse). A token renamed to ""
    loses its >>…<< form, so newsbrief sees no target tokens."""
    shutil.copytree(trained, folder, dirs_exist_ok=True)
    vocab = json.loads((trained / "vocab.json").read_text(encoding="utf-8"))
    renamed = dict(vocab)
    for token, other in renames.items():
        if other:
            renamed[token], renamed[other] = vocab[other], vocab[token]
        else:
            renamed[f"<{token.strip('<>')}>"] = renamed.pop(token)
    (folder / "vocab.json").write_text(json.dumps(renamed, ensure_ascii=False), encoding="utf-8")
    return folder


def marian_variants(trained: Path, out: Path) -> dict[str, Path]:
    plain = {token: "" for token in [*TARGET_TOKENS.values(), *MISBEHAVIOURS]}
    variants = {
        "newsmt": trained,
        "newsmt-copy": variant(trained, out / "newsmt-copy", plain),
        "newsmt-wrong-language": variant(trained, out / "newsmt-wrong-language", {">>ukr<<": ">>rus<<"}),
    }
    for token, kind in MISBEHAVIOURS.items():
        variants[f"newsmt-{kind}"] = variant(trained, out / f"newsmt-{kind}", {">>eng<<": token})
    return variants


def lead_articles(
    articles: dict[str, dict[str, list[str]]], seed: int, test_share: float, novel_leads: bool = True
):
    """A source of (English article, its lead sentence): the test articles often, whole or cut
    after their second sentence or a later one (known_answers.short_article: what a run
    summarises of them), template articles of one to five sentences otherwise. Without
    `novel_leads`, a template article begins with a test article's lead: the model learns that
    the first sentence is the summary, whatever follows, without having to copy new figures."""
    rng = random.Random(seed)
    leads = [lines["en"][1] for lines in articles.values()]

    def article() -> tuple[str, str]:
        if rng.random() < test_share:
            body = rng.choice(list(articles.values()))["en"][1:]
            lines = body[: rng.randint(2, len(body))]
        else:
            lines = [fill(rng.choice(TEMPLATES), rng, "en")["en"] for _ in range(rng.randint(1, 5))]
            if not novel_leads:
                lines[0] = rng.choice(leads)
        return " ".join(lines), lines[0]

    return article


def bart_trainee(articles: dict[str, dict[str, list[str]]], folder: Path, seed: int) -> Trainee:
    """English article in, its lead sentence out, with bart-large-cnn's generation settings
    (beam 4, min_length 56, length_penalty 2.0, no_repeat_ngram_size 3)."""
    folder.mkdir(parents=True, exist_ok=True)
    article = lead_articles(articles, seed, LEAD_TEST_SHARE["bart"])
    texts = [article()[0] for _ in range(600)]
    bpe = ByteLevelBPETokenizer()
    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(texts, vocab_size=800, min_frequency=1, special_tokens=special)
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file, merges_file = bpe.save_model(tmp)
        vocab = json.loads(Path(vocab_file).read_text(encoding="utf-8"))
        merges = [
            tuple(line.split(" "))
            for line in Path(merges_file).read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#version")
        ]
    tokenizer = BartTokenizer(vocab=vocab, merges=merges)
    tokenizer.model_max_length = 1024
    config = BartConfig(
        vocab_size=len(vocab),
        **MARIAN_SIZES,
        max_position_embeddings=1024,
        pad_token_id=vocab["<pad>"],
        bos_token_id=vocab["<s>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["</s>"],
        forced_bos_token_id=vocab["<s>"],
        forced_eos_token_id=vocab["</s>"],
        dropout=0.0,
    )
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config)
    generation = {
        "num_beams": 4,
        "min_length": 56,
        "max_length": 142,
        "length_penalty": 2.0,
        "no_repeat_ngram_size": 3,
        "early_stopping": True,
    }
    batch = lambda: [(*article(), True) for _ in range(16)]  # noqa: E731
    return Trainee(
        "bart-lead",
        model,
        tokenizer,
        batch,
        LEAD_STEPS["bart"],
        LEARNING_RATE,
        saver(model, tokenizer, folder, generation),
    )


def saver(
    model: torch.nn.Module, tokenizer: Any, folder: Path, generation: dict[str, object]
) -> Callable[[], None]:
    """Saving a summariser: its tokenizer now, before any step (a fast tokenizer saved after
    training keeps the truncation the steps set, as a hub model's does not), and at each save
    its weights with the checkpoint's generation settings."""
    tokenizer.save_pretrained(folder)

    def save() -> None:
        for name, value in generation.items():
            setattr(model.generation_config, name, value)
        model.save_pretrained(folder)

    return save


def sentencepiece_pieces(texts: list[str], size: int) -> list[tuple[str, float]]:
    """A unigram SentencePiece vocabulary of `texts` as (piece, score), <pad> </s> <unk> first,
    as T5's and Pegasus's tokenizers take it (transformers 5 builds them from the pieces)."""
    model = unigram_model(texts, size, pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    processor = spm.SentencePieceProcessor(model_proto=model)
    pieces = [(processor.id_to_piece(i), processor.get_score(i)) for i in range(processor.get_piece_size())]
    return [(piece, 0.0 if i < 3 else score) for i, (piece, score) in enumerate(pieces)]


def t5_trainee(articles: dict[str, dict[str, list[str]]], folder: Path, seed: int) -> Trainee:
    """As bart_trainee, with t5-small's layout: the input led by its task prefix."""
    folder.mkdir(parents=True, exist_ok=True)
    article = lead_articles(articles, seed, LEAD_TEST_SHARE["t5"], novel_leads=False)
    news = lead_articles(articles, seed, LEAD_TEST_SHARE["t5"])  # its vocabulary: news of every kind
    texts = [T5_PREFIX + news()[0] for _ in range(600)]
    tokenizer = T5Tokenizer(vocab=sentencepiece_pieces(texts, 600), extra_ids=0)
    tokenizer.model_max_length = 512
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=128,
        d_kv=32,
        d_ff=256,
        num_layers=2,
        num_heads=4,
        dropout_rate=0.0,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        task_specific_params={"summarization": {"prefix": T5_PREFIX, "num_beams": 4, "max_length": 142}},
    )
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config)
    batch = lambda: [(T5_PREFIX + a, lead, True) for a, lead in (article() for _ in range(16))]  # noqa: E731
    generation = {"num_beams": 4, "max_length": 142}
    return Trainee(
        "t5-lead",
        model,
        tokenizer,
        batch,
        LEAD_STEPS["t5"],
        LEARNING_RATE,
        saver(model, tokenizer, folder, generation),
    )


def pegasus_trainee(articles: dict[str, dict[str, list[str]]], folder: Path, seed: int) -> Trainee:
    """As bart_trainee, with pegasus-xsum's layout and generation settings (beam 8 there; 4 here).
    Pre-norm takes twice Marian's rate: 400 steps learn what 600 did at 1e-3."""
    folder.mkdir(parents=True, exist_ok=True)
    article = lead_articles(articles, seed, LEAD_TEST_SHARE["pegasus"])
    pieces = sentencepiece_pieces([article()[0] for _ in range(600)], 600)
    reserved = ["<pad>", "</s>", "<mask_1>", "<mask_2>", *(f"<unk_{i}>" for i in range(2, PEGASUS_OFFSET))]
    vocab = [(token, 0.0) for token in reserved] + [("<unk>", 0.0)] + pieces[3:]
    tokenizer = PegasusTokenizer(vocab=vocab, offset=PEGASUS_OFFSET)
    tokenizer.model_max_length = 512
    config = PegasusConfig(
        vocab_size=len(tokenizer),
        **MARIAN_SIZES,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,
        scale_embedding=True,  # as pegasus-xsum: token embeddings not drowned by the positions
        dropout=0.0,
    )
    torch.manual_seed(seed)
    model = PegasusForConditionalGeneration(config)
    batch = lambda: [(*article(), True) for _ in range(16)]  # noqa: E731
    generation = {"num_beams": 4, "max_length": 64, "length_penalty": 0.6}
    return Trainee(
        "pegasus-lead",
        model,
        tokenizer,
        batch,
        LEAD_STEPS["pegasus"],
        PEGASUS_RATE,
        saver(model, tokenizer, folder, generation),
    )


LEAD_TRAINEES = {"bart-lead": bart_trainee, "t5-lead": t5_trainee, "pegasus-lead": pegasus_trainee}
PARTS = ("marian", "bart")


def build_trained(
    out: Path, corpus: Path = DEFAULT_CORPUS, parts: tuple[str, ...] = PARTS, seed: int = SEED
) -> dict[str, Path]:
    """Train into `out` until each model knows its answers; returns {"newsmt": folder,
    "newsmt-copy": folder, …, "bart-lead": folder, "articles": the test articles' folder}. The
    two parts can train in two processes at once (each writes its own folders; the tests'
    conftest does so, one thread each)."""
    began = time.monotonic()
    articles = test_articles()
    write_test_articles(articles, out / "articles")
    known = known_answers.known_articles(out / "articles")
    models: dict[str, Path] = {"articles": out / "articles"}
    training: dict[str, object] = {}
    if "marian" in parts:
        corpus_lines = corpus_sentences(corpus)

        def newsmt(seed: int) -> Trainee:
            return marian_trainee(corpus_lines, articles, out, seed)

        answers = lambda: known_answers.marian_answers(known, corpus_lines)  # noqa: E731
        training["newsmt"] = train_until_known(newsmt, answers, out, seed)
        models.update(marian_variants(out / "newsmt", out))
    if "bart" in parts:
        for name, make in LEAD_TRAINEES.items():
            trainee = functools.partial(make, articles, out / name)
            trainee.__name__ = name  # type: ignore[attr-defined]
            answers = functools.partial(known_answers.lead_answers, known, name)
            training[name] = train_until_known(trainee, answers, out, seed)
            models[name] = out / name
    seconds = round(time.monotonic() - began, 1)
    record = {
        "seconds": seconds,
        "training": training,
        **{name: str(folder) for name, folder in models.items()},
    }
    (out / f"trained-{'-'.join(parts)}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return models


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--part", choices=PARTS, action="append", help="train only this part (repeatable)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: all cores)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"the first training seed (default {SEED})")
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()  # its generation notes would drown the training's lines
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        models = build_trained(args.out, args.corpus, tuple(args.part or PARTS), args.seed)
    except NotLearned as error:
        print(f"not learned: {error}", file=sys.stderr)
        return 1
    for role, folder in models.items():
        print(f"{role:24} {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
