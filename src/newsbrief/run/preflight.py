"""What a run reads and checks before any work, once, for the command line and a library caller
alike: the prompt templates (a broken one is a ConfigError now, not at the first article that
needs it), the glossary (likewise), Ray where the engine is Ray; and what reading and the guards
share: the language detector, built on first use (a run with nothing new never loads it), and
the output checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsbrief.errors import ConfigError
from newsbrief.fidelity.glossary import Glossary, load_glossary
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.generation.plan import Routing, unserved_pairs
from newsbrief.generation.prompts import PromptTemplate, load_prompts
from newsbrief.settings.groups import SUGGESTED_FALLBACK_MODEL, Engine, ModelSettings, Settings
from newsbrief.text.language import LanguageIdentifier


@dataclass
class Prepared:
    settings: Settings
    prompts: dict[str, PromptTemplate]  # "summarise.uk" -> template, as load_prompts reads them
    glossary: Glossary
    notes: tuple[str, ...] = ()  # what the run says before it starts (the fallback's pairs)
    _identifier: LanguageIdentifier | None = field(default=None, repr=False)

    def identifier(self) -> LanguageIdentifier:
        if self._identifier is None:
            self._identifier = LanguageIdentifier()
        return self._identifier

    def output_checks(self) -> OutputChecks:
        """What a translated line is checked for besides its figures, in the run's languages."""
        languages = self.settings.languages
        accepted = {*languages.source_languages, *languages.targets, *languages.summary_languages}
        return OutputChecks(self.identifier(), frozenset(accepted), self.glossary)


def prepare(settings: Settings) -> Prepared:
    """Everything a run needs read before it starts; a ConfigError names what is wrong."""
    routing = Routing.of(settings)
    notes = served_by_fallback(routing, settings.models)
    prompts = load_prompts(settings.models.prompts, routing)
    path = settings.guard.glossary
    glossary = load_glossary(Path(path)) if path else Glossary()
    if settings.control.engine == Engine.RAY:
        import_ray()
    return Prepared(settings, prompts, glossary, notes)


def served_by_fallback(routing: Routing, models: ModelSettings) -> tuple[str, ...]:
    """What the run says of the pairs no model of their own translates: the configured fallback
    takes them (one note), or, with none configured, the run is refused now (exit 2), naming
    the pairs the configuration does translate and how to add one."""
    unserved = unserved_pairs(routing, models)
    if not unserved:
        return ()
    shown = ", ".join(pair.replace("-", "→") for pair in unserved)
    if models.fallback_model:
        return (f"{shown}: no model of their own; the fallback {models.fallback_model} translates them",)
    served = ", ".join(pair.replace("-", "→") for pair in sorted(models.translation_models)) or "none"
    first = unserved[0]
    raise ConfigError(
        f"no model translates {shown}. The configuration translates {served}. Add one with "
        f"-m {first}=MODEL (a hub id or a folder; [models] in the configuration file), or a "
        f"fallback for every other pair: -m fallback={SUGGESTED_FALLBACK_MODEL}"
    )


def import_ray() -> Any:
    """Ray, imported only for a run on the Ray engine; a ConfigError where it is not installed."""
    try:
        import ray
    except ImportError as error:
        raise ConfigError("--engine ray needs Ray: pip install 'newsbrief[ray]'") from error
    return ray
