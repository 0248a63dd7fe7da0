"""A draft made into what is written: summaries guarded, the fidelity record, article.json.

This runs in the process that writes (never on a Ray worker), on drafts that came back whole,
so that verification always sees exactly what will be written.
"""

from __future__ import annotations

from dataclasses import fields, replace

from newsbrief.article import ArticleDraft, ArticleResult
from newsbrief.fidelity.glossary import Glossary
from newsbrief.fidelity.guard import guard_summary
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.fidelity.verify import article_texts, verify_article
from newsbrief.output.article_json import Dependency, article_record
from newsbrief.settings.groups import Settings


def finish(
    draft: ArticleDraft,
    settings: Settings,
    checks: OutputChecks,
    dependencies: list[Dependency],
    config_hash: str,
    glossary: Glossary,
) -> ArticleResult:
    """Guard → verify → record. Raises whatever a bug on strange text raises: the caller fails
    that article only."""
    drafted = {field.name: getattr(draft, field.name) for field in fields(draft)}
    result = ArticleResult(**{**drafted, "summaries": dict(draft.summaries)})
    for lang, sentences in draft.summaries.items():
        guarded = guard_summary(sentences, article_texts(result, lang))
        result.summaries[lang], result.summary_repairs[lang] = guarded
    result = replace(result, fidelity=verify_article(result, settings.guard_policy(), checks))
    record = article_record(result, settings, dependencies, config_hash, glossary)
    return replace(result, record=record)
