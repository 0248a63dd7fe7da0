"""article.json: what an editor or an auditor needs to know about how an article was made."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from newsbrief._version import __version__
from newsbrief.article import ArticleResult
from newsbrief.fidelity.glossary import Glossary
from newsbrief.generation.prompts import PromptTemplate
from newsbrief.models.resolve import ResolvedModel
from newsbrief.output.folder import ARTICLE_JSON, summary_name, translation_name
from newsbrief.settings.groups import Settings


@dataclass(frozen=True)
class Dependency:
    """A model or prompt an article's outputs depend on, as the run has it now: what its
    configuration hash holds (run/config_hash.py), and what article.json says it was made with."""

    name: str  # "translate:uk-en", "summarise", "prompt:summarise.uk" (plan.ArticlePlan.dependencies)
    source: ResolvedModel | PromptTemplate | None  # None: no longer used
    backend: str = ""  # the engine a model ran on: "ctranslate2/int8", "transformers"…


@dataclass(frozen=True)
class RecordedSettings:
    """What article.json says of the run's settings: the few an editor asks about, taken from the
    settings once per run so that this module sees nothing else of them."""

    translator: str
    targets: tuple[str, ...]
    summary_languages: tuple[str, ...]
    source_languages: tuple[str, ...]
    num_beams: int
    max_segment_chars: int
    temperature: float

    @classmethod
    def of(cls, settings: Settings) -> RecordedSettings:
        languages, decoding = settings.languages, settings.decoding
        return cls(
            str(settings.models.translator),
            tuple(languages.targets),
            tuple(languages.summary_languages),
            tuple(languages.source_languages),
            decoding.num_beams,
            decoding.max_segment_chars,
            decoding.temperature,
        )


def article_record(
    result: ArticleResult,
    settings: RecordedSettings,
    dependencies: list[Dependency],
    config_hash: str,
    glossary: Glossary,
) -> dict[str, object]:
    doc = result.doc
    article = doc.article
    summariser: dict[str, object] = {
        "strategy": result.summariser,
        "written_in": result.summary_written_in,
        "chunks": result.summary_chunks,
    }
    models: dict[str, dict[str, str]] = {}
    prompts: dict[str, dict[str, str]] = {}
    for dependency in dependencies:
        source = dependency.source
        kind, _, name = dependency.name.partition(":")
        if isinstance(source, PromptTemplate):
            prompts[name] = {"file": str(source.path), "sha256": source.sha256}
        elif isinstance(source, ResolvedModel) and kind == "translate":
            models[name] = {**_model_entry(source), "backend": dependency.backend}
        elif isinstance(source, ResolvedModel):
            summariser.update({**_model_entry(source), "backend": dependency.backend})
    record = {
        "id": article.id,
        "title": article.title,
        "language": doc.lang,
        "segment_languages": dict(Counter(s.lang for s in doc.sentences)),
        "metadata": article.metadata,
        "source": {
            "path": str(article.path),
            "sha256": article.source_hash,
            "encoding": article.encoding,
            "format": article.path.suffix.lower().lstrip("."),
        },
        "segments": len(doc.sentences),
        "words": doc.word_count(),
        "translations": {lang: translation_name(lang) for lang in result.translation_languages},
        "summaries": {
            lang: {
                "file": summary_name(lang),
                "written_by": result.summary_sources.get(lang, result.summariser),
                **({"no_summary": result.summary_missing[lang]} if lang in result.summary_missing else {}),
            }
            for lang in result.summaries
        },
        "summariser": summariser,
        "translator": settings.translator,
        "models": models,
        "prompts": prompts,
        "settings": {
            "targets": list(settings.targets),
            "summary_languages": list(settings.summary_languages),
            "source_languages": list(settings.source_languages),
            "num_beams": settings.num_beams,
            "max_segment_chars": settings.max_segment_chars,
            "temperature": settings.temperature,
        },
        "config_hash": config_hash,
        "warnings": article.warnings,
        "quote_marks_unpaired": [
            {"line": index + 1, "character": offset + 1, "mark": mark}
            for index, offset, mark in doc.unpaired_marks
        ],
        "fidelity": result.fidelity,
        "newsbrief": __version__,
    }
    return {**record, "glossary": glossary_entry(glossary, result)} if glossary else record


def glossary_entry(glossary: Glossary, result: ArticleResult) -> dict[str, object]:
    """The glossary file and the terms of this article's source: what `check` verifies again."""
    source = "\n".join(result.lines[result.doc.lang])
    terms = [term.as_record() for term in glossary.found_in(source, result.doc.lang)]
    return {"file": glossary.path, "sha256": glossary.sha256, "terms": terms}


def _model_entry(model: ResolvedModel) -> dict[str, str]:
    entry = {"model": model.ref, "revision": model.revision}
    if model.gguf_file:
        entry["gguf_file"] = model.gguf_file
    return entry


def no_summary_reason(record: dict, lang: str) -> str:
    """Why an article.json's summary in `lang` has nothing in it ("" where it does not say)."""
    return record.get("summaries", {}).get(lang, {}).get("no_summary", "")


def standing_fidelity(folder: Path) -> dict[str, int]:
    """The fidelity totals of an article written by an earlier run, from its article.json (empty
    when it cannot be read: nothing is then claimed for the article)."""
    try:
        record = json.loads((folder / ARTICLE_JSON).read_text(encoding="utf-8"))
        return dict(record["fidelity"]["totals"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}
