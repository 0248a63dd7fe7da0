"""Where settings come from: defaults, then the TOML config file, then command-line options, in
that order; every value checked against its setting's type and bounds before anything runs."""

from __future__ import annotations

import difflib
import json
import tomllib
import types
import typing
from dataclasses import fields, replace
from enum import StrEnum
from pathlib import Path

from newsbrief.errors import ConfigError, looks_like_path
from newsbrief.settings.groups import (
    GROUP_OF,
    GROUPS,
    MODEL_SETS,
    SUMMARISERS,
    TRANSLATORS,
    ModelSet,
    Settings,
)

MAX_VALUE_CHARS = 4096  # a path (PATH_MAX), a URL, a glob: none is longer
MAX_LIST_ITEMS = 10_000


def load_settings(
    config_file: Path | None, overrides: dict[str, object] | None = None, models: list[str] = ()
) -> Settings:
    """Defaults, then the config file, then command-line values by setting name (None =
    not given); `models` are ROLE=MODEL strings, and a strategy given as `instruct:MODEL`
    also names its model. `exclude` adds to the configured globs rather than replacing
    them. ConfigError names the setting and the value."""
    settings = _from_file(config_file)
    given = {name: value for name, value in (overrides or {}).items() if value is not None}
    roles = dict(parse_model_option(m) for m in models)
    strategies = {task: str(given.pop(task)) for task in ("summariser", "translator") if task in given}
    given.update(split_strategies(strategies, roles))
    for name in ("prompts", "glossary"):
        if isinstance(given.get(name), Path):
            given[name] = str(given[name])
    if "exclude" in given:
        given["exclude"] = (*settings.control.exclude, *given["exclude"])  # type: ignore[misc]
    return apply_models(apply_options(settings, **given), roles)


def _from_file(config_file: Path | None) -> Settings:
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
        _check_size(name, value, origin)
        _check_type(name, value, expected, origin)
        changed.setdefault(GROUP_OF[name], {})[name] = _as_field_type(name, value, expected, origin)
    if "model_set" in changed.get("models", {}):  # a set replaces every role; roles named after it win
        translation, summariser = MODEL_SETS[ModelSet(changed["models"]["model_set"])]
        changed["models"].update(translation_models=dict(translation), summariser_model=summariser)
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
        _check_size(_cut(role), ref, origin)
        if role not in roles and not _is_pair(role):
            raise ConfigError(
                f"{origin}unknown model role {_cut(role)!r}: use SRC-TGT (e.g. uk-en), 'summariser', "
                "'instruct' or 'fallback'"
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
    shown = f"{origin}{role} = {_shown(ref)}"
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
        raise ConfigError(
            f"{task} must be one of {', '.join(choices)} (optionally :MODEL), not {_cut(str(value))!r}"
        )
    if strategy == "extractive" and model:
        raise ConfigError("the extractive summariser uses no model")
    if task == "translator" and strategy == "seq2seq" and model:
        raise ConfigError("seq2seq translation models are set per pair: --model uk-en=MODEL")
    return strategy, model.strip()


def parse_model_option(value: str) -> tuple[str, str]:
    """`uk-en=Helsinki-NLP/opus-mt-uk-en` or `summariser=./my-model` from the command line."""
    role, sep, ref = value.partition("=")
    if not sep or not role or not ref:
        raise ConfigError(f"--model expects ROLE=MODEL (e.g. uk-en=./models/uk-en), got {_cut(str(value))!r}")
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
        _check_size(f"[models] {_cut(str(role))}", role, origin)
        _check_size(f"[models] {role}", ref, origin)
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
            raise ConfigError(f"{origin}{name} must be one of {choices}, not {_cut(str(value))!r}")
        return expected(value)
    if isinstance(value, list):
        return tuple(value)
    if expected is float or (isinstance(expected, types.UnionType) and float in typing.get_args(expected)):
        return float(value) if isinstance(value, int) else value
    return value


def _check_size(name: str, value: object, origin: str) -> None:
    """No setting holds a novel: a value (or a list item) over MAX_VALUE_CHARS, or a list over
    MAX_LIST_ITEMS, is refused naming the setting, before a glob or a path check chews on it
    (a 10 MB exclude glob took 82 s and 1.6 GB on a one-file folder)."""
    items = list(value.values()) if isinstance(value, dict) else value
    items = list(items) if isinstance(items, list | tuple) else [items]
    if len(items) > MAX_LIST_ITEMS:
        raise ConfigError(f"{origin}{name}: {len(items):,} values (at most {MAX_LIST_ITEMS:,})")
    for item in items:
        if isinstance(item, str) and len(item) > MAX_VALUE_CHARS:
            raise ConfigError(
                f"{origin}{name}: a value of {len(item):,} characters (at most {MAX_VALUE_CHARS:,}): "
                f"{_shown(item)}"
            )


def _shown(value: object) -> str:
    """A value as it is written in TOML, cut to a short prefix: a message quotes, never floods."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = json.dumps(list(value) if isinstance(value, tuple) else value, ensure_ascii=False, default=str)
    return _cut(text)


def _cut(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _did_you_mean(name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"{name} (did you mean {close[0]}?)" if close else name


def _is_pair(role: str) -> bool:
    parts = role.split("-")
    return len(parts) == 2 and all(len(p) in (2, 3) and p.isalpha() for p in parts)


def _validate(settings: Settings) -> None:
    """Every value against its field's bounds and choices (groups.setting), and the language
    codes; the message names the setting."""
    for group, kind in GROUPS.items():
        values = getattr(settings, group)
        for declared in fields(kind):
            _check_bounds(declared.name, getattr(values, declared.name), declared.metadata)
    languages = settings.languages
    for lang in (*languages.targets, *languages.summary_languages, *languages.source_languages):
        if not (lang.isalpha() and len(lang) in (2, 3)):
            raise ConfigError(f"{_cut(lang)!r} is not a language code such as uk, en or ru")


def _check_bounds(name: str, value: object, declared: typing.Mapping[str, object]) -> None:
    if value is None:
        return
    choices = declared.get("choices") or ()
    if choices and value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(map(str, choices))}, not {_cut(str(value))!r}")
    least, above, most = declared.get("least"), declared.get("above"), declared.get("most")
    number = float(value) if isinstance(value, int | float) else None
    if number is None:
        return
    if least is not None and most is not None and not least <= number <= most:
        raise ConfigError(f"{name} must be between {least:g} and {most:g}")
    if least is not None and number < least:
        raise ConfigError(f"{name} must be at least {least:g}" if least else f"{name} must be 0 or more")
    if above is not None and number <= above:
        raise ConfigError(f"{name} must be above {above:g}")
