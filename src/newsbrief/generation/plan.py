"""What a configuration does with one article, decided once, in one place.

An `ArticlePlan` is made when the article has been read and segmented. The chunk's jobs (which
lines go into which language, which summaries and titles are translated), the article's
dependencies (and so its configuration hash), the prompts and the models all read it; nothing
else decides. So the hash always describes what ran: if a rule changes here, it changes for all
of them at once.

The rules: an article's lines are translated into every target and every language a summary is
written in from the lines (the seq2seq summariser's language, or each summary language for the
extractive and instruction summarisers), except its own. A summary language the summariser does
not write is translated from the summary it did write, or, with `other_summaries = "project"`
and where the article has lines in that language, projected: made of the lines the written
summary was traced to (fidelity/provenance.py). A translated summary's title is translated too when that
language has no translation of the lines to take the title from.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsbrief.article import SegmentedArticle
from newsbrief.settings.groups import (
    ModelSettings,
    OtherSummaries,
    Settings,
    SummaryStrategy,
    TranslationStrategy,
)


@dataclass(frozen=True)
class Routing:
    """What the plan reads of the settings, and nothing else: the languages, the two strategies
    and where summaries the summariser does not write come from."""

    targets: tuple[str, ...]
    summary_languages: tuple[str, ...]
    source_languages: tuple[str, ...]
    summariser: SummaryStrategy
    translator: TranslationStrategy
    summariser_language: str  # the language the seq2seq summariser writes
    other_summaries: OtherSummaries

    @classmethod
    def of(cls, settings: Settings) -> Routing:
        languages, models = settings.languages, settings.models
        return cls(
            tuple(languages.targets),
            tuple(languages.summary_languages),
            tuple(languages.source_languages),
            models.summariser,
            models.translator,
            settings.summaries.summariser_language,
            settings.summaries.other_summaries,
        )


@dataclass(frozen=True)
class ArticlePlan:
    lang: str  # the article's language
    line_languages: tuple[str, ...]  # its lines are translated into these (sorted)
    translation_files: tuple[str, ...]  # translation.<lang>.txt written (targets but its own)
    summaries_written: tuple[str, ...]  # languages the summariser writes itself
    summaries_translated: tuple[str, ...]  # translated from summaries_written[0], in this order
    summaries_projected: tuple[str, ...]  # the article's lines summaries_written[0] was traced to
    titles_translated: tuple[str, ...]  # summary titles translated on their own (no lines there)
    pairs: tuple[tuple[str, str], ...]  # (source, target) of every translation made (sorted)
    summariser_used: bool  # a summariser model (not the extractive one) is used
    prompts: tuple[str, ...]  # prompt templates used: "summarise.uk", "translate.en"

    @property
    def summary_source(self) -> str:
        """The language the translated summaries are translated from."""
        return self.summaries_written[0]

    def dependencies(self) -> list[str]:
        """The models and prompts the article's outputs depend on, as run/config_hash.py hashes them."""
        models = [f"translate:{source}-{target}" for source, target in self.pairs]
        if self.summariser_used:
            models.append("summarise")
        return models + [f"prompt:{name}" for name in self.prompts]


def plan_article(doc: SegmentedArticle, routing: Routing) -> ArticlePlan:
    written = summariser_languages(routing)
    routes = _routes(doc.lang, {s.lang for s in doc.sentences}, bool(doc.article.title), routing)
    prompts: set[str] = set()
    if routing.summariser == SummaryStrategy.INSTRUCT:
        prompts |= {f"summarise.{lang}" for lang in routing.summary_languages}
    if routing.translator == TranslationStrategy.INSTRUCT:
        prompts |= {f"translate.{target}" for _, target in routes.pairs}
    return ArticlePlan(
        lang=doc.lang,
        line_languages=tuple(sorted(routes.lines)),
        translation_files=tuple(sorted(set(routing.targets) - {doc.lang})),
        summaries_written=written,
        summaries_translated=routes.translated,
        summaries_projected=routes.projected,
        titles_translated=routes.titles,
        pairs=tuple(sorted(routes.pairs)),
        summariser_used=routing.summariser != SummaryStrategy.EXTRACTIVE,
        prompts=tuple(sorted(prompts)),
    )


@dataclass(frozen=True)
class _Routes:
    """Where an article's text goes: the rules of the module's docstring, for one language."""

    lines: set[str]
    projected: tuple[str, ...]
    translated: tuple[str, ...]
    titles: tuple[str, ...]
    pairs: set[tuple[str, str]]


def _routes(lang: str, segment_languages: set[str], has_title: bool, routing: Routing) -> _Routes:
    written = summariser_languages(routing)
    lines = line_languages(lang, routing)
    others = [other for other in routing.summary_languages if other not in written]
    projecting = routing.other_summaries == OtherSummaries.PROJECT
    projected = tuple(other for other in others if projecting and other in {*lines, lang})
    translated = tuple(other for other in others if other not in projected)
    titles = tuple(other for other in translated if has_title and other not in {*lines, lang})
    pairs = {(source, target) for source in segment_languages for target in lines if source != target}
    pairs |= {(written[0], other) for other in translated}
    pairs |= {(lang, other) for other in titles}
    return _Routes(lines, projected, translated, titles, pairs)


def run_pairs(routing: Routing) -> set[tuple[str, str]]:
    """Every pair some article of this configuration may translate: an article may be in any
    accepted language, and so may any of its segments."""
    accepted = set(routing.source_languages)
    return {pair for lang in accepted for pair in _routes(lang, accepted, True, routing).pairs}


def unserved_pairs(routing: Routing, models: ModelSettings) -> list[str]:
    """The pairs ("en-de") some article of this run may need and no configured model of its
    own translates (seq2seq translation only: an instruction model translates every pair)."""
    if models.translator != TranslationStrategy.SEQ2SEQ:
        return []
    pairs = {f"{source}-{target}" for source, target in run_pairs(routing)}
    return sorted(pairs - set(models.translation_models))


def summariser_languages(routing: Routing) -> tuple[str, ...]:
    """The languages the summariser writes itself; the others are translated summaries."""
    if routing.summariser == SummaryStrategy.SEQ2SEQ:
        return (routing.summariser_language,)
    return routing.summary_languages


def line_languages(article_lang: str, routing: Routing) -> set[str]:
    """Languages an article's lines must be translated into (files and summaries)."""
    needed = set(routing.targets)
    if routing.summariser == SummaryStrategy.SEQ2SEQ:
        needed.add(routing.summariser_language)
    else:
        needed |= set(routing.summary_languages)
    return needed - {article_lang}


def run_prompts(routing: Routing) -> list[tuple[str, str]]:
    """(task, language) of every prompt template some article of this run may use: checked
    before anything runs, so a broken one is a usage error at once."""
    wanted = []
    if routing.summariser == SummaryStrategy.INSTRUCT:
        wanted += [("summarise", lang) for lang in routing.summary_languages]
    if routing.translator == TranslationStrategy.INSTRUCT:
        targets = {
            *routing.targets,
            *routing.summary_languages,
            routing.summariser_language,
        }
        wanted += [("translate", lang) for lang in sorted(targets)]
    return wanted


def model_roles(routing: Routing, models: ModelSettings) -> dict[str, str]:
    """Role -> model for what a run with this configuration may use: the pairs it may translate
    (not every pair configured), the summariser or instruction model, and the fallback only
    when a pair it may translate has no direct model."""
    configured = models.translation_models
    by_pair = models.translator == TranslationStrategy.SEQ2SEQ
    pairs = sorted(f"{source}-{target}" for source, target in run_pairs(routing)) if by_pair else []
    roles = {pair: configured[pair] for pair in pairs if pair in configured}
    if models.summariser == SummaryStrategy.SEQ2SEQ:
        roles["summariser"] = models.summariser_model
    if SummaryStrategy.INSTRUCT in (models.summariser, models.translator):
        roles["instruct"] = models.instruct_model
    if models.fallback_model and unserved_pairs(routing, models):
        roles["fallback"] = models.fallback_model
    return roles
