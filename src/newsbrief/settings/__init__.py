"""The settings of a run: every option, its default, its bounds and how it enters an article's
hash (groups.py), read from defaults, a TOML file and command-line options (sources.py).

May import: models (backend names, the output ratio), fidelity (the guard's modes), errors.
"""

from newsbrief.settings.groups import (
    BACKENDS,
    COMPUTE_TYPES,
    DEFAULT_SUMMARISER_MODEL,
    DEFAULT_TRANSLATION_MODELS,
    GROUP_OF,
    GROUPS,
    SUMMARISERS,
    TRANSLATORS,
    Engine,
    OtherSummaries,
    Settings,
    SummarySettings,
    SummaryStrategy,
    TranslationStrategy,
    default_of,
)
from newsbrief.settings.sources import apply_models, apply_options, load_settings, parse_model_option

__all__ = [
    "BACKENDS",
    "COMPUTE_TYPES",
    "DEFAULT_SUMMARISER_MODEL",
    "DEFAULT_TRANSLATION_MODELS",
    "GROUPS",
    "GROUP_OF",
    "SUMMARISERS",
    "TRANSLATORS",
    "Engine",
    "OtherSummaries",
    "Settings",
    "SummarySettings",
    "SummaryStrategy",
    "TranslationStrategy",
    "apply_models",
    "apply_options",
    "default_of",
    "load_settings",
    "parse_model_option",
]
