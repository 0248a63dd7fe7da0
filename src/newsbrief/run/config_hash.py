"""The configuration hash of an article, built from what its outputs depend on.

An article records the models and prompts it was made with, as its plan names them
(plan.ArticlePlan.dependencies: "translate:uk-en", "summarise", "prompt:summarise.uk"). Its
configuration hash is the run settings plus, for each of those, the model id, revision and GGUF
file or the prompt's content hash as they are now. So editing `summarise.uk.md` re-runs the
articles that have a Ukrainian summary written from it, a new revision of opus-mt-ru-en re-runs
the Russian articles, and nothing else is touched.
"""

from __future__ import annotations

import hashlib

from newsbrief.fidelity.glossary import Glossary
from newsbrief.generation.model_pool import ModelPool
from newsbrief.generation.prompts import PromptTemplate
from newsbrief.models.resolve import ResolvedModel
from newsbrief.output.article_json import Dependency
from newsbrief.settings.groups import Settings


class ConfigHasher:
    """Configuration hashes for the run's articles; models are resolved (not loaded) once each."""

    def __init__(self, settings: Settings, pool: ModelPool, glossary: Glossary) -> None:
        self.settings = settings
        self.pool = pool
        # The glossary by its content: an edited term re-runs every article (a term's absence
        # is as much its output as its presence).
        self.base = settings.fingerprint() + glossary.sha256
        self._hashes: dict[tuple[str, ...], str] = {}

    def source_of(self, dependency: str) -> ResolvedModel | PromptTemplate | None:
        """The model or prompt behind a dependency as configured now (None: no longer used)."""
        kind, _, name = dependency.partition(":")
        if kind == "prompt":
            return self.pool.prompts.get(name)
        if kind == "translate":
            source, target = name.split("-")
            return self.pool.resolve(source, target)
        return self.pool.resolve_ref(self.settings.summariser_model_ref())

    def made_with(self, dependencies: list[str]) -> list[Dependency]:
        """Each dependency with its model or prompt as configured now, and a model's engine."""
        return [
            Dependency(name, source, self.backend_of(name) if isinstance(source, ResolvedModel) else "")
            for name, source in ((name, self.source_of(name)) for name in dependencies)
        ]

    def describe(self, dependency: str) -> str:
        source = self.source_of(dependency)
        if source is None:
            return "not used"
        if isinstance(source, PromptTemplate):
            return source.sha256
        return f"{source.ref} @ {source.revision} {source.gguf_file or ''} {self.backend_of(dependency)}"

    def backend_of(self, dependency: str) -> str:
        """The backend a model dependency runs on: int8 and CTranslate2 write other bits than fp32."""
        kind, _, name = dependency.partition(":")
        if kind == "translate":
            source, target = name.split("-")
            return self.pool.backend(source, target)
        return self.pool.summariser_backend()

    def hash(self, dependencies: list[str]) -> str:
        """Memoised: a folder of 10,000 articles has a handful of distinct dependency lists."""
        key = tuple(sorted(dependencies))
        if key not in self._hashes:
            digest = hashlib.sha256(self.base.encode())
            for dependency in key:
                digest.update(f"\n{dependency}={self.describe(dependency)}".encode())
            self._hashes[key] = digest.hexdigest()[:16]
        return self._hashes[key]
