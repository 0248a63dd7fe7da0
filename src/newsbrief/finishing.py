"""A draft made into what is written: summaries guarded, the fidelity record, article.json.

This runs in the process that writes (never on a Ray worker), on drafts that came back whole,
so that verification always sees exactly what will be written.
"""

from __future__ import annotations

from dataclasses import fields, replace

from newsbrief.checks import OutputChecks
from newsbrief.config import Settings
from newsbrief.dependencies import ConfigHasher
from newsbrief.guarding import guard_summary
from newsbrief.layout import ArticleDraft, ArticleResult
from newsbrief.records import article_record
from newsbrief.verifying import article_texts, verify_article


def finish(
    draft: ArticleDraft,
    settings: Settings,
    hasher: ConfigHasher,
    checks: OutputChecks,
    dependencies: list[str],
    config_hash: str,
) -> ArticleResult:
    """Guard → verify → record. Raises whatever a bug on strange text raises: the caller fails
    that article only."""
    drafted = {field.name: getattr(draft, field.name) for field in fields(draft)}
    result = ArticleResult(**{**drafted, "summaries": dict(draft.summaries)})
    for lang, sentences in draft.summaries.items():
        guarded = guard_summary(sentences, article_texts(result, lang))
        result.summaries[lang], result.summary_repairs[lang] = guarded
    result = replace(result, fidelity=verify_article(result, settings.guard_policy(), checks))
    return replace(result, record=article_record(result, settings, hasher, dependencies, config_hash))
