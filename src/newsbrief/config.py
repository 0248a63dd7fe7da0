"""Run settings: defaults, then the TOML config file, then command-line options, in that order."""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
import types
import typing
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from newsbrief import __version__
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
    "max_file_mb",
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
    # Instruction models: 1.0 = off, whatever the checkpoint asks (it would penalise the prompt's
    # quotes and figures that the answer must copy).
    repetition_penalty: float = 1.0
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
    max_file_mb: float = 64.0  # a larger file is skipped unread: no article is that long
    article_timeout: float = 900.0  # seconds per article; 0 = no limit
    max_attempts: int = 3  # failed runs of the same source before it is parked
    retry_parked: bool = False
    review: bool = True  # write or update the review pages (_review/) at the end of a run

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
        if isinstance(given.get("prompts"), Path):
            given["prompts"] = str(given["prompts"])
        if "exclude" in given:
            given["exclude"] = (*settings.exclude, *given["exclude"])  # type: ignore[misc]
        return apply_models(apply_options(settings, **given), roles)

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
    if isinstance(data.get("prompts"), str):
        data["prompts"] = str(_from_folder(data["prompts"], config_file.parent))
    settings = apply_options(settings, origin=origin, **data)
    return apply_models(settings, models, config_file.parent, origin)


def apply_options(settings: Settings, origin: str = "", **options: object) -> Settings:
    """Override settings by name; unknown names, values of the wrong type and bad values are a
    ConfigError naming the setting and the value. `origin` names where they came from."""
    known = set(Settings.__dataclass_fields__)
    unknown = sorted(set(options) - known)
    if unknown:
        hints = [_did_you_mean(name, known) for name in unknown]
        raise ConfigError(f"{origin}unknown setting(s): {', '.join(hints)}")
    hints = typing.get_type_hints(Settings)
    cleaned = {}
    for name, value in options.items():
        if value is None:
            continue
        _check_type(name, value, hints[name], origin)
        cleaned[name] = _as_field_type(value, hints[name])
    settings = replace(settings, **cleaned)
    _validate(settings)
    return settings


def apply_models(
    settings: Settings, models: dict[str, str], base: Path | None = None, origin: str = ""
) -> Settings:
    """`{"uk-en": ref, "summariser": ref, "fallback": ref}`. Each ref must be a folder, a .gguf
    file or a well-formed hub id (ConfigError otherwise); relative folders are taken from `base`
    (the config file's folder), or from the working directory when `base` is None."""
    translation = dict(settings.translation_models)
    roles = {
        "summariser": settings.summariser_model,
        "instruct": settings.instruct_model,
        "fallback": settings.fallback_model,
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
    return replace(
        settings,
        translation_models=translation,
        summariser_model=roles["summariser"],
        instruct_model=roles["instruct"],
        fallback_model=roles["fallback"],
    )


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


def _as_field_type(value: object, expected: object) -> object:
    """Lists as tuples; a whole number given for a float setting as a float, so `2` and `2.0`
    give one configuration hash."""
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
    if float(settings.max_file_mb) <= 0:
        raise ConfigError("max_file_mb must be above 0")
    if float(settings.article_timeout) < 0:
        raise ConfigError("article_timeout must be 0 (no limit) or more seconds")
    for name, choices in (
        ("figures", FIGURE_MODES),
        ("unverified", UNVERIFIED_MODES),
        ("quotes", QUOTE_MODES),
    ):
        if getattr(settings, name) not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {getattr(settings, name)!r}")
    if not 1.0 <= float(settings.repetition_penalty) <= 2.0:
        raise ConfigError("repetition_penalty must be between 1.0 (off, the default) and 2.0")
    if not 0 <= float(settings.temperature) <= 2:
        raise ConfigError("temperature must be between 0 (greedy, the default) and 2")
    for lang in (*settings.targets, *settings.summary_languages, *settings.source_languages):
        if not (lang.isalpha() and len(lang) in (2, 3)):
            raise ConfigError(f"{lang!r} is not a language code such as uk, en or ru")
