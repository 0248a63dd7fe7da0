"""Run settings: defaults, then the TOML config file, then command-line options, in that order."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from newsbrief import __version__

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
SUMMARISERS = ("seq2seq", "extractive")
DEFAULT_EXCLUDE = (".*", "*.expected.json")


class ConfigError(Exception):
    """The configuration file or an option is wrong; reported before any work is done."""


@dataclass(frozen=True)
class Settings:
    targets: tuple[str, ...] = ("uk", "en")
    summary_languages: tuple[str, ...] = ("uk", "en")
    source_languages: tuple[str, ...] = ("uk", "en", "ru")
    summariser: str = "seq2seq"
    summariser_model: str = DEFAULT_SUMMARISER_MODEL
    summariser_language: str = "en"
    summary_max_tokens: int = 160
    translation_models: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_TRANSLATION_MODELS))
    fallback_model: str = DEFAULT_FALLBACK_MODEL
    num_beams: int = 4
    batch_tokens: int = 2048
    max_segment_chars: int = 600
    extractive_sentences: int = 4
    device: str = "auto"
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE

    def translation_model_for(self, source: str, target: str) -> str:
        return self.translation_models.get(f"{source}-{target}", self.fallback_model)

    def needed_languages(self, article_lang: str) -> set[str]:
        """Languages an article's segments must be translated into (files and summaries)."""
        needed = set(self.targets)
        if self.summariser == "seq2seq":
            needed.add(self.summariser_language)
        else:
            needed |= set(self.summary_languages)
        return needed - {article_lang}

    def fingerprint(self) -> str:
        """Hash of everything that changes an article's output; a change re-runs the article."""
        relevant = asdict(self)
        relevant.pop("device")
        relevant.pop("exclude")
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
    models = data.pop("models", {})
    settings = apply_options(settings, **data)
    return apply_models(settings, {str(k): str(v) for k, v in models.items()}, config_file.parent)


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
    summariser, fallback = settings.summariser_model, settings.fallback_model
    for role, ref in models.items():
        ref = _relative_to(ref, base)
        if role == "summariser":
            summariser = ref
        elif role == "fallback":
            fallback = ref
        elif _is_pair(role):
            translation[role] = ref
        else:
            raise ConfigError(
                f"unknown model role {role!r}: use SRC-TGT (e.g. uk-en), 'summariser' or 'fallback'"
            )
    return replace(
        settings, translation_models=translation, summariser_model=summariser, fallback_model=fallback
    )


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
    for name in (
        "num_beams",
        "batch_tokens",
        "max_segment_chars",
        "summary_max_tokens",
        "extractive_sentences",
    ):
        if int(getattr(settings, name)) < 1:
            raise ConfigError(f"{name} must be at least 1")
    for lang in (*settings.targets, *settings.summary_languages, *settings.source_languages):
        if not (lang.isalpha() and len(lang) in (2, 3)):
            raise ConfigError(f"{lang!r} is not a language code such as uk, en or ru")
