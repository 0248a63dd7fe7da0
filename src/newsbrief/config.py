"""Run settings: defaults, then the TOML config file, then command-line options, in that order."""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
import types
import typing
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from newsbrief._version import __version__
from newsbrief.backends import MAX_OUTPUT_RATIO
from newsbrief.backends.registry import BACKEND_NAMES
from newsbrief.errors import looks_like_path
from newsbrief.guarding import FIGURE_MODES, QUOTE_MODES, UNVERIFIED_MODES, GuardPolicy

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
# For a pair with no direct model: M2M100 (MIT licence) covers 100 languages.
DEFAULT_FALLBACK_MODEL = "facebook/m2m100_418M"
# A news summariser (CNN/DailyMail) under the MIT licence, which allows commercial use.
DEFAULT_SUMMARISER_MODEL = "facebook/bart-large-cnn"
# An instruction model (Apache-2.0) that writes Ukrainian and Russian as well as English.
DEFAULT_INSTRUCT_MODEL = "Qwen/Qwen2.5-1.5B-Instruct"


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


class ConfigError(Exception):
    """The configuration file or an option is wrong; reported before any work is done."""


# Each setting's field declares how it enters an article's configuration hash, and so whether
# changing it re-runs articles: OUTPUT settings change what every article's files say (they are
# in Settings.fingerprint); BY_DEPENDENCY ones (models, prompts, backends) enter the hash of only
# the articles that use them, by what they are now (dependencies.py); OPERATIONAL ones say how a
# run works and never re-run an article.
OUTPUT = {"hash": "every article"}
BY_DEPENDENCY = {"hash": "articles that use it"}
OPERATIONAL = {"hash": "never"}


@dataclass(frozen=True)
class LanguageSettings:
    targets: tuple[str, ...] = field(default=("uk", "en"), metadata=OUTPUT)
    summary_languages: tuple[str, ...] = field(default=("uk", "en"), metadata=OUTPUT)
    source_languages: tuple[str, ...] = field(default=("uk", "en", "ru"), metadata=OUTPUT)


@dataclass(frozen=True)
class ModelSettings:
    """Which models and prompts write. They enter each article's hash by what they are (model
    revision, prompt content: dependencies.py), only for the articles that use them."""

    summariser: SummaryStrategy = field(default=SummaryStrategy.SEQ2SEQ, metadata=OUTPUT)
    translator: TranslationStrategy = field(default=TranslationStrategy.SEQ2SEQ, metadata=OUTPUT)
    summariser_model: str = field(default=DEFAULT_SUMMARISER_MODEL, metadata=BY_DEPENDENCY)  # the seq2seq one
    # The one instruction model of a run, for each task whose strategy is "instruct".
    instruct_model: str = field(default=DEFAULT_INSTRUCT_MODEL, metadata=BY_DEPENDENCY)
    translation_models: dict[str, str] = field(
        default_factory=lambda: dict(DEFAULT_TRANSLATION_MODELS), metadata=BY_DEPENDENCY
    )
    fallback_model: str = field(default=DEFAULT_FALLBACK_MODEL, metadata=BY_DEPENDENCY)
    # "" = the prompts/ folder that ships with newsbrief
    prompts: str = field(default="", metadata=BY_DEPENDENCY)


@dataclass(frozen=True)
class DecodingSettings:
    num_beams: int = field(default=4, metadata=OUTPUT)
    batch_tokens: int = field(default=2048, metadata=OUTPUT)
    max_segment_chars: int = field(default=600, metadata=OUTPUT)
    # Translations; None = the model's own generation config.
    length_penalty: float | None = field(default=None, metadata=OUTPUT)
    no_repeat_ngram_size: int | None = field(default=None, metadata=OUTPUT)
    # A translation's tokens at most this many times its source's.
    max_output_ratio: float = field(default=MAX_OUTPUT_RATIO, metadata=OUTPUT)
    # Instruction models.
    instruct_max_new_tokens: int = field(default=512, metadata=OUTPUT)
    context_tokens: int = field(default=4096, metadata=OUTPUT)
    temperature: float = field(default=0.0, metadata=OUTPUT)
    seed: int = field(default=0, metadata=OUTPUT)
    # 1.0 = off, whatever the checkpoint asks (it would penalise the prompt's quotes and figures
    # that the answer must copy).
    repetition_penalty: float = field(default=1.0, metadata=OUTPUT)

    def overrides(self) -> dict[str, float]:
        """Decoding overrides for translation models; what is unset stays the model's own."""
        chosen = {"length_penalty": self.length_penalty, "no_repeat_ngram_size": self.no_repeat_ngram_size}
        return {name: value for name, value in chosen.items() if value is not None}


@dataclass(frozen=True)
class GuardSettings:
    figures: str = field(default="verbatim", metadata=OUTPUT)  # or "localise" (target-language separators)
    unverified: str = field(default="best", metadata=OUTPUT)  # or "source": what an unverifiable line holds
    quotes: str = field(default="translated", metadata=OUTPUT)  # or "original", or "both"
    # Beam candidates the figure guard searches when a translation loses a figure; 0 = flag only.
    figure_candidates: int = field(default=4, metadata=OUTPUT)
    # A glossary file (glossary.py); it enters the hash by its content (dependencies.py).
    glossary: str = field(default="", metadata=BY_DEPENDENCY)


@dataclass(frozen=True)
class SummarySettings:
    summariser_language: str = field(default="en", metadata=OUTPUT)  # the language seq2seq writes
    other_summaries: OtherSummaries = field(default=OtherSummaries.PROJECT, metadata=OUTPUT)
    summary_max_tokens: int = field(default=160, metadata=OUTPUT)
    summary_max_words: int = field(default=100, metadata=OUTPUT)  # asked of an instruction model
    extractive_sentences: int = field(default=4, metadata=OUTPUT)
    # summary.<lang>.docx (or .odt) beside summary.<lang>.md, for a Word (OpenDocument) source.
    summary_documents: bool = field(default=False, metadata=OUTPUT)


@dataclass(frozen=True)
class RunControl:
    """How a run works. The backend, its compute type and quantisation do change the bits
    written; they enter each article's hash through the backend label each model actually ran
    on (dependencies.py), so `auto` on the same machine re-runs nothing."""

    backend: str = field(default="auto", metadata=BY_DEPENDENCY)  # auto = the registry's first that fits
    compute_type: str = field(default="auto", metadata=BY_DEPENDENCY)  # CTranslate2: int8 on a CPU
    quantize: str = field(default="none", metadata=BY_DEPENDENCY)  # transformers: "int8" = torch dynamic int8
    threads: int = field(default=0, metadata=OPERATIONAL)  # 0 = every core this process may use
    device: str = field(default="auto", metadata=OPERATIONAL)
    engine: Engine = field(default=Engine.LOCAL, metadata=OPERATIONAL)
    ray_address: str = field(default="", metadata=OPERATIONAL)  # "" = start Ray on this machine
    ray_actors: int = field(default=0, metadata=OPERATIONAL)  # 0 = one per GPU, or one per two CPUs
    exclude: tuple[str, ...] = field(default=DEFAULT_EXCLUDE, metadata=OPERATIONAL)
    feeds: tuple[str, ...] = field(default=(), metadata=OPERATIONAL)  # RSS/Atom URLs or files (feeds.py)
    chunk_words: int = field(
        default=20000, metadata=OPERATIONAL
    )  # articles read ahead and translated together
    max_file_mb: float = field(default=64.0, metadata=OPERATIONAL)  # a larger file is skipped unread
    article_timeout: float = field(default=900.0, metadata=OPERATIONAL)  # seconds per article; 0 = no limit
    max_attempts: int = field(default=3, metadata=OPERATIONAL)  # failed runs of a source before it is parked
    retry_parked: bool = field(default=False, metadata=OPERATIONAL)
    review: bool = field(default=True, metadata=OPERATIONAL)  # write or update the review pages (_review/)


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

    @classmethod
    def from_sources(
        cls, config_file: Path | None, overrides: dict[str, object], models: list[str] = ()
    ) -> Settings:
        """Defaults, then the config file, then command-line values by setting name (None =
        not given); `models` are ROLE=MODEL strings, and a strategy given as `instruct:MODEL`
        also names its model. `exclude` adds to the configured globs rather than replacing
        them. ConfigError names the setting and the value."""
        settings = load_settings(config_file)
        given = {name: value for name, value in overrides.items() if value is not None}
        roles = dict(parse_model_option(m) for m in models)
        strategies = {task: str(given.pop(task)) for task in ("summariser", "translator") if task in given}
        given.update(split_strategies(strategies, roles))
        for name in ("prompts", "glossary"):
            if isinstance(given.get(name), Path):
                given[name] = str(given[name])
        if "exclude" in given:
            given["exclude"] = (*settings.control.exclude, *given["exclude"])  # type: ignore[misc]
        return apply_models(apply_options(settings, **given), roles)

    def flat(self) -> dict[str, object]:
        """Every setting by its name, as the config file names it."""
        return {name: value for group in GROUPS for name, value in asdict(getattr(self, group)).items()}

    def translation_model_for(self, source: str, target: str) -> str:
        models = self.models
        if models.translator == TranslationStrategy.INSTRUCT:
            return models.instruct_model
        return models.translation_models.get(f"{source}-{target}", models.fallback_model)

    def summariser_model_ref(self) -> str:
        models = self.models
        instruct = models.summariser == SummaryStrategy.INSTRUCT
        return models.instruct_model if instruct else models.summariser_model

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


def _affects_output(group: str, name: str) -> bool:
    return GROUPS[group].__dataclass_fields__[name].metadata["hash"] == OUTPUT["hash"]


# Setting name -> its group ("num_beams" -> "decoding").
GROUP_OF = {name: group for group, kind in GROUPS.items() for name in kind.__dataclass_fields__}


def load_settings(config_file: Path | None) -> Settings:
    """Defaults overlaid with a TOML file: top-level keys as in Settings, models under [models].
    Every value is checked against the type of its setting before anything runs; relative paths
    are taken from the file's folder, wherever newsbrief is started from (cron starts in /)."""
    settings = Settings()
    if config_file is None:
        return settings
    try:
        data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"cannot read config file {config_file}: {err}") from err
    origin = f"{config_file}: "
    models = _model_table(data.pop("models", {}), origin)
    strategies = {task: data.pop(task) for task in ("summariser", "translator") if task in data}
    for task, value in strategies.items():
        _check_type(task, value, str, origin)
    data.update(split_strategies(strategies, models))
    for name in ("prompts", "glossary"):
        if isinstance(data.get(name), str) and data[name]:
            data[name] = str(_from_folder(data[name], config_file.parent))
    settings = apply_options(settings, origin=origin, **data)
    return apply_models(settings, models, config_file.parent, origin)


def apply_options(settings: Settings, origin: str = "", **options: object) -> Settings:
    """Override settings by name; unknown names, values of the wrong type and bad values are a
    ConfigError naming the setting and the value. `origin` names where they came from."""
    unknown = sorted(set(options) - set(GROUP_OF))
    if unknown:
        hints = [_did_you_mean(name, set(GROUP_OF)) for name in unknown]
        raise ConfigError(f"{origin}unknown setting(s): {', '.join(hints)}")
    changed: dict[str, dict[str, object]] = {}
    for name, value in options.items():
        if value is None:
            continue
        expected = typing.get_type_hints(GROUPS[GROUP_OF[name]])[name]
        _check_type(name, value, expected, origin)
        changed.setdefault(GROUP_OF[name], {})[name] = _as_field_type(name, value, expected, origin)
    groups = {group: replace(getattr(settings, group), **values) for group, values in changed.items()}
    settings = replace(settings, **groups)
    _validate(settings)
    return settings


def apply_models(
    settings: Settings, models: dict[str, str], base: Path | None = None, origin: str = ""
) -> Settings:
    """`{"uk-en": ref, "summariser": ref, "fallback": ref}`. Each ref must be a folder, a .gguf
    file or a well-formed hub id (ConfigError otherwise); relative folders are taken from `base`
    (the config file's folder), or from the working directory when `base` is None."""
    translation = dict(settings.models.translation_models)
    roles = {
        "summariser": settings.models.summariser_model,
        "instruct": settings.models.instruct_model,
        "fallback": settings.models.fallback_model,
    }
    for role, ref in models.items():
        if role not in roles and not _is_pair(role):
            raise ConfigError(
                f"{origin}unknown model role {role!r}: use SRC-TGT (e.g. uk-en), 'summariser', 'instruct' "
                "or 'fallback'"
            )
        ref = model_reference(role, ref, base, origin)
        if role in roles:
            roles[role] = ref
        else:
            translation[role] = ref
    models_ = replace(
        settings.models,
        translation_models=translation,
        summariser_model=roles["summariser"],
        instruct_model=roles["instruct"],
        fallback_model=roles["fallback"],
    )
    return replace(settings, models=models_)


def model_reference(role: str, ref: str, base: Path | None, origin: str = "") -> str:
    """A model as configured: an existing folder (a relative one from `base`, returned as an
    absolute path), a .gguf file, or a well-formed hub id; anything else is a ConfigError now,
    before the run, rather than a confusing failure at the first article that needs it."""
    shown = f"{origin}{role} = {json.dumps(ref, ensure_ascii=False)}"
    ref = ref.strip()
    path = Path(ref).expanduser()
    candidate = path if base is None or path.is_absolute() else base / path
    in_place = str(candidate.resolve()) if base is not None else ref
    if ref.lower().endswith(".gguf"):
        if candidate.is_file():
            return in_place
        if not looks_like_path(ref) and _is_hub_id(ref.rpartition("/")[0]):
            return ref
        raise ConfigError(f"{shown}: no such GGUF file {candidate} (on the hub: OWNER/REPO/FILE.gguf)")
    if candidate.is_dir():
        return in_place
    if candidate.exists():
        raise ConfigError(
            f"{shown}: {candidate} is a file; a model is a folder with config.json, or a .gguf file"
        )
    if not looks_like_path(ref) and _is_hub_id(ref):
        return ref
    raise ConfigError(
        f"{shown}: neither a model folder (there is no {candidate}) nor a hub id such as "
        "Helsinki-NLP/opus-mt-uk-en"
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


def _from_folder(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _is_hub_id(ref: str) -> bool:
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(ref)
    except HFValidationError:
        return False
    return bool(ref)


def _model_table(table: object, origin: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f'{origin}models must be a table ([models] with ROLE = "MODEL" lines)')
    for role, ref in table.items():
        if not isinstance(ref, str):
            raise ConfigError(
                f"{origin}[models] {role} = {_shown(ref)}: expected a model as a string "
                "(a hub id, a folder or a .gguf file)"
            )
    return dict(table)


def _check_type(name: str, value: object, expected: object, origin: str) -> None:
    if not _matches(value, expected):
        raise ConfigError(f"{origin}{name} = {_shown(value)}: expected {_describe(expected)}")


def _matches(value: object, expected: object) -> bool:
    """TOML's types against a setting's annotation; a bool is never taken for a number."""
    if isinstance(expected, types.UnionType):
        options = [option for option in typing.get_args(expected) if option is not type(None)]
        return any(_matches(value, option) for option in options)
    origin = typing.get_origin(expected)
    if origin is tuple:
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if isinstance(expected, type) and issubclass(expected, StrEnum):
        return isinstance(value, str)  # which words: _as_field_type
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)  # type: ignore[arg-type]


def _describe(expected: object) -> str:
    if isinstance(expected, types.UnionType):
        return " or ".join(_describe(o) for o in typing.get_args(expected) if o is not type(None))
    origin = typing.get_origin(expected)
    if origin is tuple:
        return 'a list of strings, e.g. ["uk", "en"]'
    if origin is dict:
        return "a table of strings"
    names = {int: "a whole number", float: "a number", bool: "true or false", str: "a string (in quotes)"}
    return names.get(expected, str(expected))  # type: ignore[call-overload]


def _as_field_type(name: str, value: object, expected: object, origin: str) -> object:
    """Lists as tuples; a whole number given for a float setting as a float, so `2` and `2.0`
    give one configuration hash; a strategy's word as its enum."""
    if isinstance(expected, type) and issubclass(expected, StrEnum):
        if value not in set(expected):
            choices = ", ".join(expected)
            raise ConfigError(f"{origin}{name} must be one of {choices}, not {value!r}")
        return expected(value)
    if isinstance(value, list):
        return tuple(value)
    if expected is float or (isinstance(expected, types.UnionType) and float in typing.get_args(expected)):
        return float(value) if isinstance(value, int) else value
    return value


def _shown(value: object) -> str:
    """A value as it is written in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False, default=str)


def _did_you_mean(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"{name} (did you mean {close[0]}?)" if close else name


def _is_pair(role: str) -> bool:
    parts = role.split("-")
    return len(parts) == 2 and all(len(p) in (2, 3) and p.isalpha() for p in parts)


def _validate(settings: Settings) -> None:
    flat = settings.flat()
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
        if int(flat[name]) < 1:  # type: ignore[call-overload]
            raise ConfigError(f"{name} must be at least 1")
    for name, choices in (
        ("backend", BACKENDS),
        ("compute_type", COMPUTE_TYPES),
        ("quantize", ("none", "int8")),
        ("figures", FIGURE_MODES),
        ("unverified", UNVERIFIED_MODES),
        ("quotes", QUOTE_MODES),
    ):
        if flat[name] not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {flat[name]!r}")
    control, decoding = settings.control, settings.decoding
    if min(int(control.threads), int(settings.guard.figure_candidates), int(control.ray_actors)) < 0:
        raise ConfigError("threads, figure_candidates and ray_actors must be 0 or more")
    if float(decoding.max_output_ratio) <= 0:
        raise ConfigError("max_output_ratio must be above 0")
    if float(control.max_file_mb) <= 0:
        raise ConfigError("max_file_mb must be above 0")
    if float(control.article_timeout) < 0:
        raise ConfigError("article_timeout must be 0 (no limit) or more seconds")
    if not 1.0 <= float(decoding.repetition_penalty) <= 2.0:
        raise ConfigError("repetition_penalty must be between 1.0 (off, the default) and 2.0")
    if not 0 <= float(decoding.temperature) <= 2:
        raise ConfigError("temperature must be between 0 (greedy, the default) and 2")
    languages = settings.languages
    for lang in (*languages.targets, *languages.summary_languages, *languages.source_languages):
        if not (lang.isalpha() and len(lang) in (2, 3)):
            raise ConfigError(f"{lang!r} is not a language code such as uk, en or ru")
