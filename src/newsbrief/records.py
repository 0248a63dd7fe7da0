"""article.json: what an editor or an auditor needs to know about how an article was made."""

from __future__ import annotations

from collections import Counter

from newsbrief import __version__
from newsbrief.config import Settings
from newsbrief.layout import ArticleResult
from newsbrief.models import ResolvedModel
from newsbrief.translating import TranslatorPool


def article_record(
    result: ArticleResult,
    settings: Settings,
    pool: TranslatorPool,
    summariser_model: ResolvedModel | None,
    timings: dict[str, float],
    config_hash: str,
) -> dict[str, object]:
    doc = result.doc
    article = doc.article
    summariser: dict[str, object] = {
        "strategy": result.summariser,
        "written_in": result.summary_written_in,
        "chunks": result.summary_chunks,
    }
    if summariser_model is not None:
        summariser.update(model=summariser_model.ref, revision=summariser_model.revision)
    return {
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
        "translations": {lang: f"translation.{lang}.txt" for lang in result.translation_languages},
        "summaries": {
            lang: {
                "file": f"summary.{lang}.md",
                "written_by": result.summary_sources.get(lang, result.summariser),
            }
            for lang in result.summaries
        },
        "summariser": summariser,
        "models": _translation_models(result, settings, pool),
        "settings": {
            "targets": list(settings.targets),
            "summary_languages": list(settings.summary_languages),
            "num_beams": settings.num_beams,
            "max_segment_chars": settings.max_segment_chars,
        },
        "config_hash": config_hash,
        "warnings": article.warnings,
        "fidelity": result.fidelity,
        "timings": timings,
        "newsbrief": __version__,
    }


def _translation_models(
    result: ArticleResult, settings: Settings, pool: TranslatorPool
) -> dict[str, dict[str, str]]:
    doc = result.doc
    pairs = {
        (s.lang, target)
        for s in doc.sentences
        for target in settings.needed_languages(doc.lang)
        if s.lang != target
    }
    pairs |= {(result.summary_written_in, lang) for lang in result.summary_sources}
    models = {}
    for source, target in sorted(pairs):
        resolved = pool.resolve(source, target)
        models[f"{source}-{target}"] = {"model": resolved.ref, "revision": resolved.revision}
    return models
