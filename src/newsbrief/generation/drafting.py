"""An article's draft: its lines in every language, and its summaries written, projected onto
the article's own lines, or translated; the translations a summary still needs are returned as
jobs, pooled across the chunk by generation/chunk_work.py."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsbrief.article import ArticleDraft, SegmentedArticle
from newsbrief.fidelity.provenance import projected_lines, trace
from newsbrief.generation.model_pool import ModelPool
from newsbrief.generation.plan import ArticlePlan
from newsbrief.generation.summaries import Summariser, Summary, SummaryInput
from newsbrief.generation.translation_jobs import TITLE, Job, JobKey, PooledResult


def line_jobs(doc: SegmentedArticle, plan: ArticlePlan) -> list[Job]:
    """Every line of the article, into every language its plan translates lines into."""
    return [
        Job(
            JobKey(doc.article.id, target, segment.index),
            segment.text,
            segment.lang,
            target,
            tuple(s for s in segment.spans if s.kind == "quote"),
        )
        for target in plan.line_languages
        for segment in doc.sentences
    ]


def draft_article(
    doc: SegmentedArticle,
    plan: ArticlePlan,
    timings: dict[str, float],
    translated: PooledResult,
    summariser: Summariser,
    pool: ModelPool,
) -> tuple[ArticleDraft, list[Job]]:
    """The article's lines in every language, its summary, and the summary translations it
    still needs."""
    article_id = doc.article.id
    lines = {doc.lang: [s.text for s in doc.segments]}
    flags: dict[str, dict[int, list[str]]] = {}
    readings: dict[str, dict[int, dict[str, str]]] = {}
    reverse_pairs: set[str] = set()
    for lang in plan.line_languages:
        keys = {s.index: JobKey(article_id, lang, s.index) for s in doc.segments}
        lines[lang] = [translated.translations[keys[s.index]] if s.text else "" for s in doc.segments]
        flags[lang] = {s.index: list(translated.flags.get(keys[s.index], [])) for s in doc.sentences}
        read = [s for s in doc.sentences if translated.readings.get(keys[s.index])]
        readings[lang] = {s.index: translated.readings[keys[s.index]] for s in read}
        # The reverse pairs that read the quotes back: models beyond the plan, named in article.json.
        reverse_pairs |= {f"translate:{lang}-{s.lang}" for s in read}
    summary: Summary = summariser.summarise(SummaryInput(doc, lines))
    written = plan.summary_source
    missing: list[Job] = []
    for lang in plan.summaries_translated:
        missing += _summary_jobs(article_id, summary.sentences[written], written, lang)
        if lang in plan.titles_translated:
            title = doc.article.title
            missing.append(Job(JobKey(article_id, summary_channel(lang), TITLE), title, doc.lang, lang))
    summaries = dict(summary.sentences)
    projection = SummaryProjection(written, {}, {})
    body = SummaryInput(doc, lines).body_indices()
    for lang in plan.summaries_projected:
        summaries[lang] = projected_summary(summary.sentences[written], lines[written], lines[lang], body)
        if summaries[lang]:
            projection.sources[lang] = f"projected from {written}"
        else:
            missing += projection.instead(lang, summary.sentences[written], article_id, pool)
    draft = ArticleDraft(
        doc=doc,
        lines=lines,
        flags=flags,
        summaries=summaries,
        summary_sources=projection.sources,
        summary_missing=projection.missing,
        extra_dependencies=sorted({*projection.pairs, *reverse_pairs}),
        quote_readings=readings,
        summary_titles={lang: lines[lang][0] for lang in lines if doc.article.title},
        translation_languages=list(plan.translation_files),
        summariser=summariser.name,
        summary_written_in=written,
        summary_chunks=summary.chunks,
        timings=timings,
    )
    return draft, missing


def projected_summary(
    written: list[str], traced_in: list[str], lines: list[str], body: list[int]
) -> list[str]:
    """The article's `body` lines in another language that the written summary's sentences were
    traced to: quotes and figures as that text has them, by construction."""
    return [lines[i] for i in projected_lines(trace(written, traced_in, body))]


@dataclass
class SummaryProjection:
    """Where the written summary was projected, and what was done where it traced nothing."""

    written: str
    sources: dict[str, str]  # language -> how its summary was made (article.json's written_by)
    missing: dict[str, str]  # language -> why it has no summary
    pairs: list[str] = field(default_factory=list)  # "translate:en-uk" where translated instead

    def instead(self, lang: str, sentences: list[str], article_id: str, pool: ModelPool) -> list[Job]:
        """A projection that traced nothing: the written summary translated instead (one
        translation deep, guarded like every summary), where the run has a model for it."""
        why_not = pool.unavailable(self.written, lang) if sentences else "it is empty"
        if why_not:
            self.sources[lang] = f"projected from {self.written} ({_untraced(self.written)})"
            self.missing[lang] = f"{_untraced(self.written)}, and it cannot be translated: {why_not}"
            return []
        self.sources[lang] = f"translated from {self.written} ({_untraced(self.written)})"
        self.pairs.append(f"translate:{self.written}-{lang}")
        return _summary_jobs(article_id, sentences, self.written, lang)


def is_instead(job: Job, plan: ArticlePlan) -> bool:
    """A job of a summary translated because its projection traced nothing."""
    return _summary_language(job) in plan.summaries_projected


def instead_failed(draft: ArticleDraft, plan: ArticlePlan, jobs: list[Job], reason: str) -> list[Job]:
    """The article's summary jobs without those of a translation instead of a projection that
    failed; each such summary says why it has none."""
    written = plan.summary_source
    for lang in {_summary_language(job) for job in jobs if is_instead(job, plan)}:
        draft.summary_sources[lang] = f"projected from {written} ({_untraced(written)})"
        draft.summary_missing[lang] = f"{_untraced(written)}, and its translation failed: {reason}"
    return [job for job in jobs if not is_instead(job, plan)]


def _untraced(written: str) -> str:
    """Why a projected summary has nothing to project."""
    return f"no sentence of the {written} summary traced to the article"


def summary_channel(lang: str) -> str:
    """JobKey.channel of a summary's sentences and title in `lang`."""
    return f"summary:{lang}"


def _summary_language(job: Job) -> str:
    return job.key.channel.removeprefix(summary_channel(""))


def _summary_jobs(article_id: str, sentences: list[str], written: str, lang: str) -> list[Job]:
    channel = summary_channel(lang)
    return [Job(JobKey(article_id, channel, i), text, written, lang) for i, text in enumerate(sentences)]


def add_translated_summaries(
    draft: ArticleDraft, plan: ArticlePlan, translations: PooledResult, jobs: list[Job]
) -> None:
    """The translated summaries, and those translated because their projection traced nothing."""
    article_id = draft.doc.article.id
    written = plan.summary_source
    count = len(draft.summaries[written])
    channels = {job.key.channel for job in jobs}
    instead = [lang for lang in plan.summaries_projected if summary_channel(lang) in channels]
    for lang in (*plan.summaries_translated, *instead):
        channel = summary_channel(lang)
        keys = [JobKey(article_id, channel, i) for i in range(count)]
        draft.summaries[lang] = [translations.translations[key] for key in keys]
        draft.summary_sources.setdefault(lang, f"translated from {written}")
        title = translations.translations.get(JobKey(article_id, channel, TITLE))
        if title is not None:
            draft.summary_titles[lang] = title
