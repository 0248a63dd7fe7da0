"""Every setting of a run, declared once: its group, its type, its default and how it enters an
article's configuration hash. The values come from sources.py: defaults, then the TOML config
file, then command-line options, in that order."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from newsbrief._version import __version__
from newsbrief.fidelity.policy import FigureMode, GuardPolicy, QuoteMode, UnverifiedMode
from newsbrief.models.backends import MAX_OUTPUT_RATIO
from newsbrief.models.backends.registry import BACKEND_NAMES

# OPUS-MT's Tatoeba-Challenge "tc-big" models (CC-BY-4.0), about 10 BLEU over the older
# opus-mt-uk-en generation on FLORES-101 (README, "Models"). The -zle (East Slavic) ones are
# multilingual: newsbrief puts the target's token (>>ukr<<, >>rus<<) first on every line.
TC_BIG_ZLE_EN = "Helsinki-NLP/opus-mt-tc-big-zle-en"
TC_BIG_EN_ZLE = "Helsinki-NLP/opus-mt-tc-big-en-zle"
TC_BIG_ZLE_ZLE = "Helsinki-NLP/opus-mt-tc-big-zle-zle"
DEFAULT_TRANSLATION_MODELS = {
    "uk-en": TC_BIG_ZLE_EN,
    "ru-en": TC_BIG_ZLE_EN,
    "en-uk": TC_BIG_EN_ZLE,
    "en-ru": TC_BIG_EN_ZLE,
    "ru-uk": TC_BIG_ZLE_ZLE,
    "uk-ru": TC_BIG_ZLE_ZLE,
}
# For a pair with no direct model: none unless configured (`fallback_model`), so that a target
# nothing serves is refused before any work (run/preflight.py), never handed to a 1.9 GB model
# the user did not ask for. SUGGESTED_FALLBACK_MODEL (MIT licence, 100 languages) is the one
# the refusal names.
DEFAULT_FALLBACK_MODEL = ""
SUGGESTED_FALLBACK_MODEL = "facebook/m2m100_418M"
# A news summariser (CNN/DailyMail) under the MIT licence, which allows commercial use.
DEFAULT_SUMMARISER_MODEL = "facebook/bart-large-cnn"
# An instruction model (Apache-2.0) that writes Ukrainian and Russian as well as English.
DEFAULT_INSTRUCT_MODEL = "Qwen/Qwen2.5-1.5B-Instruct"
# `--model-set fast`, for small machines: OPUS-MT's older bilingual base models (d_model 512,
# about a third of tc-big's compute per token; 6 to 12 BLEU lower on FLORES-101, README
# "Models") and a distilled bart-large-cnn (12 encoder, 6 decoder layers; Apache-2.0).
FAST_TRANSLATION_MODELS = {
    "uk-en": "Helsinki-NLP/opus-mt-uk-en",
    "ru-en": "Helsinki-NLP/opus-mt-ru-en",
    "en-uk": "Helsinki-NLP/opus-mt-en-uk",
    "en-ru": "Helsinki-NLP/opus-mt-en-ru",
    "ru-uk": "Helsinki-NLP/opus-mt-ru-uk",
    "uk-ru": "Helsinki-NLP/opus-mt-uk-ru",
}
FAST_SUMMARISER_MODEL = "sshleifer/distilbart-cnn-12-6"


class ModelSet(StrEnum):
    """A named set of translation models and summariser; a model named by role (`-m uk-en=…`,
    `[models]`) still takes its role's place in it."""

    DEFAULT = "default"
    FAST = "fast"


MODEL_SETS: dict[ModelSet, tuple[dict[str, str], str]] = {
    ModelSet.DEFAULT: (DEFAULT_TRANSLATION_MODELS, DEFAULT_SUMMARISER_MODEL),
    ModelSet.FAST: (FAST_TRANSLATION_MODELS, FAST_SUMMARISER_MODEL),
}


class SummaryStrategy(StrEnum):
    SEQ2SEQ = "seq2seq"  # a summarisation model (BART, Pegasus) writes summariser_language
    EXTRACTIVE = "extractive"  # no model: the article's own lead sentences
    INSTRUCT = "instruct"  # the instruction model writes every summary language


class OtherSummaries(StrEnum):
    """How a summary language the summariser does not write is made."""

    PROJECT = "project"  # the article's own lines the written summary was traced to, in that language
    TRANSLATE = "translate"  # the written summary, machine-translated


class TranslationStrategy(StrEnum):
    SEQ2SEQ = "seq2seq"  # OPUS-MT per language pair
    INSTRUCT = "instruct"


class Engine(StrEnum):
    LOCAL = "local"  # this process
    RAY = "ray"  # chunks translated and summarised by a pool of Ray actors


SUMMARISERS = tuple(SummaryStrategy)
TRANSLATORS = tuple(TranslationStrategy)
DEFAULT_EXCLUDE = (".*", "*.expected.json")
BACKENDS = ("auto", *BACKEND_NAMES)


class ComputeType(StrEnum):
    """CTranslate2's compute types; auto: int8 on a CPU, int8_float16 on a GPU."""

    AUTO = "auto"
    INT8 = "int8"
    INT8_FLOAT32 = "int8_float32"
    INT8_FLOAT16 = "int8_float16"
    INT8_BFLOAT16 = "int8_bfloat16"
    FLOAT16 = "float16"
    BFLOAT16 = "bfloat16"
    FLOAT32 = "float32"


class Quantize(StrEnum):
    """The transformers backend's weights: as they are, or torch's dynamic int8 (a CPU's)."""

    NONE = "none"
    INT8 = "int8"


COMPUTE_TYPES = tuple(ComputeType)


# Each setting's field declares how it enters an article's configuration hash, and so whether
# changing it re-runs articles: OUTPUT settings change what every article's files say (they are
# in Settings.fingerprint); BY_DEPENDENCY ones (models, prompts, backends) enter the hash of only
# the articles that use them, by what they are now (run/config_hash.py); OPERATIONAL ones say how a
# run works and never re-run an article.
OUTPUT = {"hash": "every article"}
BY_DEPENDENCY = {"hash": "articles that use it"}
OPERATIONAL = {"hash": "never"}


def setting(
    default: object = None,
    enters: dict[str, str] = OUTPUT,
    *,
    factory: object = None,
    least: float | None = None,
    above: float | None = None,
    most: float | None = None,
    choices: tuple[str, ...] = (),
    option: bool = True,
) -> Any:
    """A setting's field: its default (or `factory` for a mutable one), how it enters an
    article's hash, the bounds and choices every value is checked against (sources.py), and
    whether `newsbrief run` has an option for it (False: the config file only)."""
    metadata = {**enters, "least": least, "above": above, "most": most, "choices": choices, "option": option}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)  # type: ignore[arg-type]
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class LanguageSettings:
    targets: tuple[str, ...] = setting(("uk", "en"))
    summary_languages: tuple[str, ...] = setting(("uk", "en"))
    source_languages: tuple[str, ...] = setting(("uk", "en", "ru"), option=False)


@dataclass(frozen=True)
class ModelSettings:
    """Which models and prompts write. They enter each article's hash by what they are (model
    revision, prompt content: run/config_hash.py), only for the articles that use them."""

    # Which translators and summariser the roles start from (MODEL_SETS); they enter the hash by
    # what each model is, as any other.
    model_set: ModelSet = setting(ModelSet.DEFAULT, BY_DEPENDENCY, choices=tuple(ModelSet))
    summariser: SummaryStrategy = setting(SummaryStrategy.SEQ2SEQ, choices=SUMMARISERS)
    translator: TranslationStrategy = setting(TranslationStrategy.SEQ2SEQ, choices=TRANSLATORS)
    # The seq2seq summariser (its option: --summariser seq2seq:MODEL, or -m summariser=MODEL).
    summariser_model: str = setting(DEFAULT_SUMMARISER_MODEL, BY_DEPENDENCY, option=False)
    # The one instruction model of a run, for each task whose strategy is "instruct".
    instruct_model: str = setting(DEFAULT_INSTRUCT_MODEL, BY_DEPENDENCY, option=False)
    translation_models: dict[str, str] = setting(
        enters=BY_DEPENDENCY, factory=lambda: dict(DEFAULT_TRANSLATION_MODELS), option=False
    )
    fallback_model: str = setting(DEFAULT_FALLBACK_MODEL, BY_DEPENDENCY, option=False)
    # "" = the prompts/ folder that ships with newsbrief
    prompts: str = setting("", BY_DEPENDENCY)

    def translation_model_for(self, source: str, target: str) -> str:
        if self.translator == TranslationStrategy.INSTRUCT:
            return self.instruct_model
        return self.translation_models.get(f"{source}-{target}", self.fallback_model)

    def summariser_model_ref(self) -> str:
        instruct = self.summariser == SummaryStrategy.INSTRUCT
        return self.instruct_model if instruct else self.summariser_model


@dataclass(frozen=True)
class DecodingSettings:
    num_beams: int = setting(4, least=1)
    batch_tokens: int = setting(2048, least=1)
    max_segment_chars: int = setting(600, least=1, option=False)
    # Translations; None = the model's own generation config.
    length_penalty: float | None = setting(None, option=False)
    no_repeat_ngram_size: int | None = setting(None, option=False)
    # A translation's tokens at most this many times its source's.
    max_output_ratio: float = setting(MAX_OUTPUT_RATIO, above=0, option=False)
    # Instruction models.
    instruct_max_new_tokens: int = setting(512, least=1, option=False)
    context_tokens: int = setting(4096, least=1, option=False)
    temperature: float = setting(0.0, least=0, most=2, option=False)  # 0: greedy
    seed: int = setting(0, option=False)
    # 1.0 = off, whatever the checkpoint asks (it would penalise the prompt's quotes and figures
    # that the answer must copy).
    repetition_penalty: float = setting(1.0, least=1.0, most=2.0, option=False)

    def overrides(self) -> dict[str, float]:
        """Decoding overrides for translation models; what is unset stays the model's own."""
        chosen = {"length_penalty": self.length_penalty, "no_repeat_ngram_size": self.no_repeat_ngram_size}
        return {name: value for name, value in chosen.items() if value is not None}


@dataclass(frozen=True)
class GuardSettings:
    figures: FigureMode = setting(FigureMode.VERBATIM, choices=tuple(FigureMode))
    unverified: UnverifiedMode = setting(UnverifiedMode.BEST, choices=tuple(UnverifiedMode))
    quotes: QuoteMode = setting(QuoteMode.TRANSLATED, choices=tuple(QuoteMode))
    # Beam candidates the figure guard searches when a translation loses a figure; 0 = flag only.
    figure_candidates: int = setting(4, least=0)
    # A glossary file (fidelity/glossary.py); it enters the hash by its content (run/config_hash.py).
    glossary: str = setting("", BY_DEPENDENCY)


@dataclass(frozen=True)
class SummarySettings:
    summariser_language: str = setting("en", option=False)  # the language seq2seq writes
    other_summaries: OtherSummaries = setting(OtherSummaries.PROJECT, choices=tuple(OtherSummaries))
    summary_max_tokens: int = setting(160, least=1, option=False)
    summary_max_words: int = setting(100, least=1, option=False)  # asked of an instruction model
    extractive_sentences: int = setting(4, least=1, option=False)
    # summary.<lang>.docx (or .odt) beside summary.<lang>.md, for a Word (OpenDocument) source.
    summary_documents: bool = setting(False)


@dataclass(frozen=True)
class RunControl:
    """How a run works. The backend, its compute type and quantisation do change the bits
    written; they enter each article's hash through the backend label each model actually ran
    on (run/config_hash.py), so `auto` on the same machine re-runs nothing."""

    backend: str = setting("auto", BY_DEPENDENCY, choices=BACKENDS)  # auto: the registry's first that fits
    compute_type: ComputeType = setting(ComputeType.AUTO, BY_DEPENDENCY, choices=COMPUTE_TYPES)
    quantize: Quantize = setting(Quantize.NONE, BY_DEPENDENCY, choices=tuple(Quantize))
    threads: int = setting(0, OPERATIONAL, least=0)  # 0 = every core this process may use
    # Megabytes the run may hold (models/residency.py); 0 = no limit: every model stays loaded.
    max_memory: int = setting(2048, OPERATIONAL, least=0)
    device: str = setting("auto", OPERATIONAL)
    engine: Engine = setting(Engine.LOCAL, OPERATIONAL, choices=tuple(Engine))
    ray_address: str = setting("", OPERATIONAL)  # "" = start Ray on this machine
    ray_actors: int = setting(0, OPERATIONAL, least=0)  # 0 = per GPU, or as the nodes hold (ray_engine)
    # Seconds to reach a Ray cluster and to place its workers (run/ray_engine.py).
    ray_timeout: float = setting(60.0, OPERATIONAL, above=0, most=3600, option=False)
    exclude: tuple[str, ...] = setting(DEFAULT_EXCLUDE, OPERATIONAL)
    feeds: tuple[str, ...] = setting((), OPERATIONAL)  # RSS/Atom URLs or files (input/feeds.py)
    # Articles read ahead and translated together.
    chunk_words: int = setting(20000, OPERATIONAL, least=1, option=False)
    # A larger file or feed is skipped unread (input/gate.py).
    max_file_mb: float = setting(64.0, OPERATIONAL, above=0, option=False)
    # Seconds a feed URL has to connect, per read and in all (input/gate.py).
    feed_timeout: float = setting(30.0, OPERATIONAL, above=0, most=3600, option=False)
    article_timeout: float = setting(900.0, OPERATIONAL, least=0)  # seconds per article; 0 = no limit
    max_attempts: int = setting(3, OPERATIONAL, least=1)  # failed runs of a source before it is parked
    retry_parked: bool = setting(False, OPERATIONAL)
    review: bool = setting(True, OPERATIONAL)  # write or update the review pages (_review/)


GROUPS = {
    "languages": LanguageSettings,
    "models": ModelSettings,
    "decoding": DecodingSettings,
    "guard": GuardSettings,
    "summaries": SummarySettings,
    "control": RunControl,
}


@dataclass(frozen=True)
class Settings:
    """Every setting of a run, in groups; the config file and the options name them flat
    (`num_beams`, not `decoding.num_beams`), and each name is in exactly one group."""

    languages: LanguageSettings = field(default_factory=LanguageSettings)
    models: ModelSettings = field(default_factory=ModelSettings)
    decoding: DecodingSettings = field(default_factory=DecodingSettings)
    guard: GuardSettings = field(default_factory=GuardSettings)
    summaries: SummarySettings = field(default_factory=SummarySettings)
    control: RunControl = field(default_factory=RunControl)

    def flat(self) -> dict[str, object]:
        """Every setting by its name, as the config file names it."""
        return {name: value for group in GROUPS for name, value in asdict(getattr(self, group)).items()}

    def translation_model_for(self, source: str, target: str) -> str:
        return self.models.translation_model_for(source, target)

    def summariser_model_ref(self) -> str:
        return self.models.summariser_model_ref()

    def guard_policy(self) -> GuardPolicy:
        guard = self.guard
        candidates = max(self.decoding.num_beams, guard.figure_candidates) if guard.figure_candidates else 0
        return GuardPolicy(guard.figures, guard.unverified, guard.quotes, candidates)

    def fingerprint(self) -> str:
        """Hash of the settings that change every article's output; a change re-runs them all."""
        relevant = {
            name: value
            for group in GROUPS
            for name, value in asdict(getattr(self, group)).items()
            if _affects_output(group, name)
        }
        relevant["newsbrief"] = __version__
        blob = json.dumps(relevant, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def default_of(name: str) -> object:
    """A setting's default, by its name: what the options' help says, read from the field."""
    return getattr(getattr(Settings(), GROUP_OF[name]), name)


def _affects_output(group: str, name: str) -> bool:
    return GROUPS[group].__dataclass_fields__[name].metadata["hash"] == OUTPUT["hash"]


# Setting name -> its group ("num_beams" -> "decoding").
GROUP_OF = {name: group for group, kind in GROUPS.items() for name in kind.__dataclass_fields__}
