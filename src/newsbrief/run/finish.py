"""A draft made into what is written: summaries guarded, the fidelity record, article.json.

This runs in the process that writes (never on a Ray worker), on drafts that came back whole,
so that verification always sees exactly what will be written.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from newsbrief.article import ArticleDraft, ArticleResult
from newsbrief.fidelity.glossary import Glossary
from newsbrief.fidelity.guard import NOTHING_LEFT, GuardPolicy, guard_summary
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.fidelity.verify import article_texts, verify_article
from newsbrief.output.article_json import Dependency, RecordedSettings, article_record
from newsbrief.output.folder import NOTHING_WRITTEN
from newsbrief.settings.groups import Settings


@dataclass(frozen=True)
class Finishing:
    """What finishing an article needs of the run: the guard's policy, what article.json records
    of the settings, the output checks and the glossary. Made when an article is written (the
    output checks load the language detector, which a run with nothing new never needs)."""

    policy: GuardPolicy
    recorded: RecordedSettings
    checks: OutputChecks
    glossary: Glossary

    @classmethod
    def of(cls, settings: Settings, checks: OutputChecks, glossary: Glossary) -> Finishing:
        return cls(settings.guard_policy(), RecordedSettings.of(settings), checks, glossary)


def finish(
    draft: ArticleDraft, finishing: Finishing, dependencies: list[Dependency], config_hash: str
) -> ArticleResult:
    """Guard → verify → record. Raises whatever a bug on strange text raises: the caller fails
    that article only."""
    drafted = {field.name: getattr(draft, field.name) for field in fields(draft)}
    result = ArticleResult(**{**drafted, "summaries": dict(draft.summaries)})
    for lang, sentences in draft.summaries.items():
        guarded = guard_summary(sentences, article_texts(result, lang), lang, finishing.checks)
        result.summaries[lang], result.summary_repairs[lang] = guarded
        if not result.summaries[lang]:  # said in its files (output/folder.py) and flagged (empty)
            result.summary_missing.setdefault(lang, _why_empty(result, lang))
    result = replace(result, fidelity=verify_article(result, finishing.policy, finishing.checks))
    record = article_record(result, finishing.recorded, dependencies, config_hash, finishing.glossary)
    return replace(result, record=record)


def _why_empty(result: ArticleResult, lang: str) -> str:
    repairs = result.summary_repairs.get(lang, [])
    if repairs and repairs[-1].startswith(NOTHING_LEFT):
        return repairs[-1]
    written = result.summary_written_in
    if written and lang != written and not result.summaries.get(written):
        return f"the {written} summary it is made from is empty"
    return NOTHING_WRITTEN
