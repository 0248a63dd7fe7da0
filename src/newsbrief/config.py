"""Run settings: defaults, then the TOML config file, then command-line options, in that order."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from newsbrief import __version__
from newsbrief.guarding import FIGURE_MODES, QUOTE_MODES, UNVERIFIED_MODES, GuardPolicy

# Direct OPUS-MT models (Apache-2.0 / CC-BY-4.0) per language pair.
DEFAULT_TRANSLATION_MODELS = {
    "uk-en": "Helsinki-NLP/opus-mt-uk-en",
    "en-uk": "Helsinki-NLP/opus-mt-en-uk",
    "ru-en": "Helsinki-NLP/opus-mt-ru-en",
    "ru-uk": "Helsinki-NLP/opus-mt-ru-uk",
    "uk-ru": "Helsinki-NLP/opus-mt-uk-ru",
    "en-ru": "Helsinki-NLP/opus-mt-en-ru",
}
# For a pair with no direct model: M2M100 (MIT licence) covers 100 languages.
DEFAULT_FALLBACK_MODEL = "facebook/m2m100_418M"
# A news summariser (CNN/DailyMail) under the MIT licence, which allows commercial use.
DEFAULT_SUMMARISER_MODEL = "facebook/bart-large-cnn"
# An instruction model (Apache-2.0) that writes Ukrainian and Russian as well as English.
DEFAULT_INSTRUCT_MODEL = "Qwen/Qwen2.5-1.5B-Instruct"
SUMMARISERS = ("seq2seq", "extractive", "instruct")
TRANSLATORS = ("seq2seq", "instruct")
DEFAULT_EXCLUDE = (".*", "*.expected.json")


MODEL_SETTINGS = ("summariser_model", "instruct_model", "translation_models", "fallback_model")
# Settings of how a run works rather than of what it writes; they never re-run an article.
BACKENDS = ("auto", "transformers", "ctranslate2")
COMPUTE_TYPES = (
    "auto",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "float16",
    "bfloat16",
    "float32",
)
RUN_SETTINGS = (
    "engine",
    "ray_address",
    "ray_actors",
    "backend",
    "compute_type",
    "quantize",
    "threads",
    "device",
    "exclude",
    "chunk_words",
    "article_timeout",
    "max_attempts",
    "retry_parked",
    "review",
)


class ConfigError(Exception):
    """The configuration file or an option is wrong; reported before any work is done."""


@dataclass(frozen=True)
class Settings:
    targets: tuple[str, ...] = ("uk", "en")
    summary_languages: tuple[str, ...] = ("uk", "en")
    source_languages: tuple[str, ...] = ("uk", "en", "ru")
    summariser: str = "seq2seq"
    summariser_model: str = DEFAULT_SUMMARISER_MODEL  # the seq2seq summariser
    summariser_language: str = "en"  # the language a seq2seq summariser writes
    summary_max_tokens: int = 160
    summary_max_words: int = 100  # asked of an instruction model ({max_words})
    translator: str = "seq2seq"
    # The one instruction model of a run, for each task whose strategy is "instruct".
    instruct_model: str = DEFAULT_INSTRUCT_MODEL
    translation_models: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TRANSLATION_MODELS))
    fallback_model: str = DEFAULT_FALLBACK_MODEL
    prompts: str = ""  # "" = the prompts/ folder that ships with newsbrief
    instruct_max_new_tokens: int = 512
    context_tokens: int = 4096
    temperature: float = 0.0
    seed: int = 0
    num_beams: int = 4
    batch_tokens: int = 2048
    max_segment_chars: int = 600
    extractive_sentences: int = 4
    figures: str = "verbatim"  # or "localise" (separators by the target language's rules)
    unverified: str = "best"  # or "source": what a translation with unverifiable figures holds
    quotes: str = "translated"  # or "original", or "both"
    # Beam candidates the figure guard searches when a translation loses a figure; 0 = flag only.
    figure_candidates: int = 4
    device: str = "auto"
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    # Decoding of translations; None = the model's own generation config.
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = None
    max_output_ratio: float = 2.0  # a translation may be this many times its source (tokens)
    # Translation backends: auto = CTranslate2 for Marian models when installed, else transformers. They
    # enter each article's hash through the backend each pair actually used (dependencies.py).
    backend: str = "auto"  # or "transformers", "ctranslate2"
    compute_type: str = "auto"  # CTranslate2: auto = int8 on a CPU, int8_float16 on a GPU
    quantize: str = "none"  # transformers: "int8" = torch dynamic int8 of Linear layers (CPU)
    threads: int = 0  # CTranslate2 threads; 0 = every core this process may use
    # How a run works, not what it writes: none of these changes an article's outputs.
    engine: str = "local"  # or "ray": chunks translated and summarised by a pool of Ray actors
    ray_address: str = ""  # "" = start a Ray instance on this machine; or a cluster's address
    ray_actors: int = 0  # 0 = one per GPU of the cluster, or one per two CPUs
    chunk_words: int = 20000  # articles read ahead and translated together (memory follows it)
    article_timeout: float = 900.0  # seconds per article; 0 = no limit
    max_attempts: int = 3  # failed runs of the same source before it is parked
    retry_parked: bool = False
    review: bool = True  # write or update the review pages (_review/) at the end of a run

    def translation_model_for(self, source: str, target: str) -> str:
        if self.translator == "instruct":
            return self.instruct_model
        return self.translation_models.get(f"{source}-{target}", self.fallback_model)

    def summariser_model_ref(self) -> str:
        return self.instruct_model if self.summariser == "instruct" else self.summariser_model

    def decoding(self) -> dict[str, float]:
        """Decoding overrides for translation models; what is unset stays the model's own."""
        chosen = {"length_penalty": self.length_penalty, "no_repeat_ngram_size": self.no_repeat_ngram_size}
        return {name: value for name, value in chosen.items() if value is not None}

    def guard_policy(self) -> GuardPolicy:
        candidates = max(self.num_beams, self.figure_candidates) if self.figure_candidates else 0
        return GuardPolicy(self.figures, self.unverified, self.quotes, candidates)

    def summariser_languages(self) -> tuple[str, ...]:
        """The languages the summariser writes itself; the others are translated summaries."""
        if self.summariser == "seq2seq":
            return (self.summariser_language,)
        return self.summary_languages

    def needed_languages(self, article_lang: str) -> set[str]:
        """Languages an article's segments must be translated into (files and summaries)."""
        needed = set(self.targets)
        if self.summariser == "seq2seq":
            needed.add(self.summariser_language)
        else:
            needed |= set(self.summary_languages)
        return needed - {article_lang}

    def fingerprint(self) -> str:
        """Hash of the settings that change every article's output; a change re-runs them all."""
        relevant = asdict(self)
        # Models and prompts enter each article's hash by what they are (dependencies.py), not
        # by name here: a prompt or model that an article does not use must not re-run it.
        for name in ("prompts", *RUN_SETTINGS, *MODEL_SETTINGS):
            relevant.pop(name)
        relevant["newsbrief"] = __version__
        blob = json.dumps(relevant, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def load_settings(config_file: Path | None) -> Settings:
    """Defaults overlaid with a TOML file: top-level keys as in Settings, models under [models]."""
    settings = Settings()
    if config_file is None:
        return settings
    try:
        data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"cannot read config file {config_file}: {err}") from err
    models = {str(k): str(v) for k, v in data.pop("models", {}).items()}
    strategies = {task: str(data.pop(task)) for task in ("summariser", "translator") if task in data}
    data.update(split_strategies(strategies, models))
    if "prompts" in data:
        data["prompts"] = _relative_to(str(data["prompts"]), config_file.parent)
    settings = apply_options(settings, **data)
    return apply_models(settings, models, config_file.parent)


def apply_options(settings: Settings, **options: object) -> Settings:
    """Override settings by name; unknown names and bad values are a ConfigError."""
    known = set(Settings.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    cleaned = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items() if v is not None}
    settings = replace(settings, **cleaned)
    _validate(settings)
    return settings


def apply_models(settings: Settings, models: dict[str, str], base: Path | None = None) -> Settings:
    """`{"uk-en": ref, "summariser": ref, "fallback": ref}`; relative folders are taken from `base`."""
    translation = dict(settings.translation_models)
    roles = {
        "summariser": settings.summariser_model,
        "instruct": settings.instruct_model,
        "fallback": settings.fallback_model,
    }
    for role, ref in models.items():
        ref = _relative_to(ref, base)
        if role in roles:
            roles[role] = ref
        elif _is_pair(role):
            translation[role] = ref
        else:
            raise ConfigError(
                f"unknown model role {role!r}: use SRC-TGT (e.g. uk-en), 'summariser', 'instruct' "
                "or 'fallback'"
            )
    return replace(
        settings,
        translation_models=translation,
        summariser_model=roles["summariser"],
        instruct_model=roles["instruct"],
        fallback_model=roles["fallback"],
    )


def split_strategies(strategies: dict[str, str], roles: dict[str, str]) -> dict[str, str]:
    """`{"summariser": "instruct:M"}` -> `{"summariser": "instruct"}`, with M put in `roles`
    (as "instruct", or "summariser" for a seq2seq summariser model)."""
    chosen: dict[str, str] = {}
    instruct_models: set[str] = set()
    for task, value in strategies.items():
        strategy, model = parse_strategy(task, value)
        chosen[task] = strategy
        if model and strategy == "instruct":
            instruct_models.add(model)
            roles["instruct"] = model
        elif model:
            roles["summariser"] = model
    if len(instruct_models) > 1:
        raise ConfigError("summariser and translator share one instruction model per run; name it once")
    return chosen


def parse_strategy(task: str, value: str) -> tuple[str, str]:
    """`instruct`, `instruct:Qwen/Qwen2.5-1.5B-Instruct` or `seq2seq:./bart` -> (strategy, model)."""
    strategy, _, model = value.partition(":")
    choices = SUMMARISERS if task == "summariser" else TRANSLATORS
    if strategy not in choices:
        raise ConfigError(f"{task} must be one of {', '.join(choices)} (optionally :MODEL), not {value!r}")
    if strategy == "extractive" and model:
        raise ConfigError("the extractive summariser uses no model")
    if task == "translator" and strategy == "seq2seq" and model:
        raise ConfigError("seq2seq translation models are set per pair: --model uk-en=MODEL")
    return strategy, model.strip()


def parse_model_option(value: str) -> tuple[str, str]:
    """`uk-en=Helsinki-NLP/opus-mt-uk-en` or `summariser=./my-model` from the command line."""
    role, sep, ref = value.partition("=")
    if not sep or not role or not ref:
        raise ConfigError(f"--model expects ROLE=MODEL (e.g. uk-en=./models/uk-en), got {value!r}")
    return role.strip(), ref.strip()


def _relative_to(ref: str, base: Path | None) -> str:
    if base is not None and ref.startswith(("./", "../")):
        return str((base / ref).resolve())
    return ref


def _is_pair(role: str) -> bool:
    parts = role.split("-")
    return len(parts) == 2 and all(len(p) in (2, 3) and p.isalpha() for p in parts)


def _validate(settings: Settings) -> None:
    if settings.summariser not in SUMMARISERS:
        raise ConfigError(f"summariser must be one of {', '.join(SUMMARISERS)}, not {settings.summariser!r}")
    if settings.translator not in TRANSLATORS:
        raise ConfigError(f"translator must be one of {', '.join(TRANSLATORS)}, not {settings.translator!r}")
    for name in (
        "num_beams",
        "batch_tokens",
        "max_segment_chars",
        "summary_max_tokens",
        "summary_max_words",
        "extractive_sentences",
        "instruct_max_new_tokens",
        "context_tokens",
        "chunk_words",
        "max_attempts",
    ):
        if int(getattr(settings, name)) < 1:
            raise ConfigError(f"{name} must be at least 1")
    for name, choices in (
        ("engine", ("local", "ray")),
        ("backend", BACKENDS),
        ("compute_type", COMPUTE_TYPES),
        ("quantize", ("none", "int8")),
    ):
        if getattr(settings, name) not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {getattr(settings, name)!r}")
    if min(int(settings.threads), int(settings.figure_candidates), int(settings.ray_actors)) < 0:
        raise ConfigError("threads, figure_candidates and ray_actors must be 0 or more")
    if float(settings.max_output_ratio) <= 0:
        raise ConfigError("max_output_ratio must be above 0")
    if float(settings.article_timeout) < 0:
        raise ConfigError("article_timeout must be 0 (no limit) or more seconds")
    for name, choices in (
        ("figures", FIGURE_MODES),
        ("unverified", UNVERIFIED_MODES),
        ("quotes", QUOTE_MODES),
    ):
        if getattr(settings, name) not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {getattr(settings, name)!r}")
    if not 0 <= float(settings.temperature) <= 2:
        raise ConfigError("temperature must be between 0 (greedy, the default) and 2")
    for lang in (*settings.targets, *settings.summary_languages, *settings.source_languages):
        if not (lang.isalpha() and len(lang) in (2, 3)):
            raise ConfigError(f"{lang!r} is not a language code such as uk, en or ru")
