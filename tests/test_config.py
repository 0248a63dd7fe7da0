from pathlib import Path

import pytest

from newsbrief.config import ConfigError, Settings, apply_options, load_settings, parse_model_option


def test_config_file_overrides_defaults_and_models(tmp_path: Path) -> None:
    config = tmp_path / "newsbrief.toml"
    (tmp_path / "m").mkdir()
    config.write_text('targets = ["en"]\nsummariser = "extractive"\n[models]\n"uk-en" = "./m"\n')
    settings = load_settings(config)
    assert settings.targets == ("en",)
    assert settings.summariser == "extractive"
    assert settings.translation_model_for("uk", "en") == str((tmp_path / "m").resolve())
    assert settings.translation_model_for("de", "uk") == settings.fallback_model


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
