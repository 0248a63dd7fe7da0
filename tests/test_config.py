import re
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import pytest

from newsbrief.errors import ConfigError
from newsbrief.settings import GROUP_OF, GROUPS, Settings, apply_options, load_settings, parse_model_option


def test_config_file_overrides_defaults_and_models(tmp_path: Path) -> None:
    config = tmp_path / "newsbrief.toml"
    (tmp_path / "m").mkdir()
    config.write_text('targets = ["en"]\nsummariser = "extractive"\n[models]\n"uk-en" = "./m"\n')
    settings = load_settings(config)
    assert settings.languages.targets == ("en",)
    assert settings.models.summariser == "extractive"
    assert settings.translation_model_for("uk", "en") == str((tmp_path / "m").resolve())
    assert settings.translation_model_for("de", "uk") == settings.models.fallback_model


def test_fingerprint_changes_with_anything_that_changes_output() -> None:
    base = Settings()
    assert base.fingerprint() == Settings().fingerprint()
    assert apply_options(base, num_beams=1).fingerprint() != base.fingerprint()
    assert apply_options(base, device="cpu").fingerprint() == base.fingerprint()


@pytest.mark.parametrize(
    "options",
    [{"summariser": "magic"}, {"num_beams": 0}, {"targets": ("english",)}, {"colour": "red"}],
)
def test_bad_settings_are_refused(options: dict) -> None:
    with pytest.raises(ConfigError):
        apply_options(Settings(), **options)


def test_model_option_syntax() -> None:
    assert parse_model_option("uk-en=./x") == ("uk-en", "./x")
    with pytest.raises(ConfigError):
        parse_model_option("uk-en")


def _another_value(value: object) -> object:
    """A different value of the same kind (the fingerprint does not validate)."""
    if isinstance(value, StrEnum):
        return next(member for member in type(value) if member != value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 3
    if isinstance(value, tuple):
        return (*value, "xx")
    if isinstance(value, dict):
        return {**value, "xx-yy": "z"}
    return 3 if value is None else f"{value}-other"


@pytest.mark.parametrize("name", sorted(GROUP_OF))
def test_a_setting_re_runs_every_article_exactly_when_it_declares_so(name: str) -> None:
    """Each setting declares how it enters the hash: a new setting cannot be forgotten."""
    group = GROUP_OF[name]
    declared = GROUPS[group].__dataclass_fields__[name].metadata.get("hash")
    assert declared in ("every article", "articles that use it", "never")
    base = Settings()
    value = getattr(getattr(base, group), name)
    changed = replace(base, **{group: replace(getattr(base, group), **{name: _another_value(value)})})
    assert (changed.fingerprint() != base.fingerprint()) == (declared == "every article")


def test_every_run_option_is_a_setting_or_says_how_to_run_and_every_setting_declares_its_option() -> None:
    """As faster-whisper keeps its two entry points' signatures equal by a test: each option of
    `newsbrief run` is a setting of the same name or one of RUN_ONLY (how to run and report), and
    each setting has its option or declares it has none (option=False: the config file only)."""
    import inspect
    from dataclasses import fields

    from newsbrief.cli.options import RUN_ONLY
    from newsbrief.cli.run_command import run

    options = set(inspect.signature(run).parameters) - {"ctx"}
    assert options - set(GROUP_OF) == set(RUN_ONLY)
    declared = {f.name for kind in GROUPS.values() for f in fields(kind) if f.metadata["option"]}
    assert declared == options - set(RUN_ONLY)


def test_a_value_out_of_its_fields_bounds_or_choices_is_refused_naming_the_setting() -> None:
    """The bounds and choices are declared on each field and checked in one place."""
    for name, value, words in (
        ("num_beams", 0, "num_beams must be at least 1"),
        ("threads", -1, "threads must be 0 or more"),
        ("max_output_ratio", 0.0, "max_output_ratio must be above 0"),
        ("temperature", 2.5, "temperature must be between 0 and 2"),
        ("quotes", "both ways", "quotes must be one of translated, original, both, not 'both ways'"),
        ("backend", "onnx", "backend must be one of auto, "),
    ):
        with pytest.raises(ConfigError, match=re.escape(words)):
            apply_options(Settings(), **{name: value})


def test_the_fast_model_set_replaces_every_role_and_a_named_model_still_wins(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from newsbrief.cli import app
    from newsbrief.settings.groups import FAST_SUMMARISER_MODEL, FAST_TRANSLATION_MODELS

    fast = load_settings(None, {"model_set": "fast"})
    assert fast.models.translation_models == FAST_TRANSLATION_MODELS
    assert fast.models.summariser_model == FAST_SUMMARISER_MODEL
    (tmp_path / "m").mkdir()
    named = load_settings(None, {"model_set": "fast"}, [f"uk-en={tmp_path / 'm'}"])
    assert named.translation_model_for("uk", "en") == str(tmp_path / "m")
    assert named.translation_model_for("ru", "en") == FAST_TRANSLATION_MODELS["ru-en"]
    config = tmp_path / "newsbrief.toml"
    config.write_text('model_set = "fast"\n[models]\n"uk-en" = "./m"\n')
    from_file = load_settings(config)
    assert from_file.translation_model_for("uk", "en") == str((tmp_path / "m").resolve())
    assert from_file.models.summariser_model == FAST_SUMMARISER_MODEL
    listed = CliRunner().invoke(app, ["models", "--model-set", "fast"], env={"HF_HUB_OFFLINE": "1"})
    assert "Helsinki-NLP/opus-mt-uk-en" in listed.output and FAST_SUMMARISER_MODEL in listed.output
    with pytest.raises(ConfigError, match="model_set must be one of default, fast"):
        load_settings(None, {"model_set": "tiny"})


def test_newsbrief_models_names_hf_hub_offline_only_when_it_is_set(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from newsbrief.cli import app

    role = ["models", "-m", "uk-en=Helsinki-NLP/opus-mt-no-such-model"]
    looking = CliRunner().invoke(app, role, env={"HF_HUB_OFFLINE": ""})
    line = next(x for x in looking.output.splitlines() if "no-such-model" in x)
    assert "missing: not in the Hugging Face cache" in line and "HF_HUB_OFFLINE" not in line
    offline = CliRunner().invoke(app, role, env={"HF_HUB_OFFLINE": "1"})
    line = next(x for x in offline.output.splitlines() if "no-such-model" in x)
    assert "downloads are off (HF_HUB_OFFLINE)" in line
