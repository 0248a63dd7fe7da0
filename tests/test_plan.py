"""An article's plan is what runs: the translations a chunk makes are exactly the plan's pairs,
so the configuration hash (built from the plan's dependencies) describes what ran."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.corpus import ARTICLES
from typer.testing import CliRunner

from newsbrief.cli import EXIT_MODEL_UNAVAILABLE, EXIT_OK, app
from newsbrief.generation.chunk_work import ArticleWork, ChunkOptions, process_chunk
from newsbrief.generation.model_pool import ModelOptions, ModelPool
from newsbrief.generation.plan import Routing, plan_article, run_pairs
from newsbrief.generation.translation import Translator
from newsbrief.input.readers import read_article
from newsbrief.run.preflight import prepare
from newsbrief.settings import Settings, apply_models, apply_options
from newsbrief.text.segmenting import segment_article

PAIRS = ("uk-en", "ru-en", "en-uk", "en-ru", "ru-uk", "uk-ru")
# An English article, a Ukrainian one with an English quote as a segment of its own, a Russian one.
ARTICLE_NAMES = ("en-imf-budget.md", "uk-mixed-quote-en.txt", "ru-sanctions-trade.txt")
CONFIGURATIONS = {
    "default": {},
    "other summaries translated": {"other_summaries": "translate"},
    "three summary languages": {"summary_languages": ("uk", "en", "ru")},
    "summaries in Russian only, targets uk": {"summary_languages": ("ru",), "targets": ("uk",)},
    "extractive in three languages": {"summariser": "extractive", "summary_languages": ("uk", "en", "ru")},
}


class RecordingPool:
    """The real pool, noting each pair a translator is asked for."""

    def __init__(self, pool: ModelPool) -> None:
        self.pool = pool
        self.pairs: set[tuple[str, str]] = set()

    def translator(self, source: str, target: str) -> Translator:
        self.pairs.add((source, target))
        return self.pool.translator(source, target)

    def __getattr__(self, name: str) -> object:
        return getattr(self.pool, name)


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_a_chunk_translates_exactly_the_pairs_its_articles_plans_name(
    trained_models: Path, name: str
) -> None:
    roles = {pair: str(trained_models / "newsmt") for pair in PAIRS}
    roles["summariser"] = str(trained_models / "bart-lead")
    options = {"num_beams": 1, "figure_candidates": 0, **CONFIGURATIONS[name]}
    settings = apply_models(apply_options(Settings(), **options), roles)
    pool, prepared = ModelPool(ModelOptions.of(settings), {}), prepare(settings)
    chunk = []
    for article_name in ARTICLE_NAMES:
        article = read_article(ARTICLES / article_name)
        article.id = article_name
        lang, _ = prepared.identifier().detect(" ".join([article.title, *article.paragraphs]))
        doc = segment_article(article, lang, prepared.identifier(), {"uk", "en", "ru"})
        chunk.append(ArticleWork(doc, plan_article(doc, Routing.of(settings)), {}, doc.word_count()))
    for item in chunk:  # one article a chunk, so that no article's pairs hide another's
        recording = RecordingPool(pool)
        work = process_chunk([item], recording, ChunkOptions.of(settings), prepared.output_checks())  # type: ignore[arg-type]
        assert not work.failures, work.failures
        (draft,) = work.drafts
        plan = item.plan
        # Same-language lines (a quote already in the target) are copied, never given to a model;
        # beyond the plan only a summary whose projection traced nothing is translated instead,
        # and translated quotes are read back with the reverse pair: each named in article.json.
        beyond = {tuple(name.split(":")[1].split("-")) for name in draft.extra_dependencies}
        assert recording.pairs == set(plan.pairs) | beyond, item.doc.article.id
        read_back = {
            (lang, s.lang)
            for lang, lines in draft.quote_readings.items()
            for s in item.doc.sentences
            if s.index in lines
        }
        for source, lang in beyond - read_back:
            assert draft.summary_sources[lang].startswith(f"translated from {source} (no sentence")
        assert list(draft.summaries) == [
            *plan.summaries_written,
            *plan.summaries_projected,
            *plan.summaries_translated,
        ]
        assert sorted(draft.lines) == sorted({item.plan.lang, *item.plan.line_languages})
        assert set(draft.summary_titles) == set(draft.lines) | set(item.plan.titles_translated)


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
def test_the_run_pairs_hold_every_pair_an_article_plans(name: str) -> None:
    """What `newsbrief models` lists is what runs can use: no article plans a pair outside it."""
    settings = apply_options(Settings(), **CONFIGURATIONS[name])
    identifier = prepare(settings).identifier()
    for article_name in ARTICLE_NAMES:
        article = read_article(ARTICLES / article_name)
        lang, _ = identifier.detect(" ".join([article.title, *article.paragraphs]))
        doc = segment_article(article, lang, identifier, {"uk", "en", "ru"})
        assert set(plan_article(doc, Routing.of(settings)).pairs) <= run_pairs(Routing.of(settings)), (
            article_name
        )


def test_models_lists_only_what_the_configuration_uses_and_exits_3_when_one_is_missing(
    tiny_config: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "-c", str(tiny_config)])
    assert listed.exit_code == EXIT_OK, listed.output
    roles = [line.split()[0] for line in listed.output.splitlines() if line.strip()]
    assert roles == ["en-uk", "ru-en", "ru-uk", "uk-en", "summariser"]  # no en-ru, uk-ru: --to uk,en
    config = tmp_path / "ru.toml"
    config.write_text('targets = ["uk", "en", "ru"]\n' + tiny_config.read_text(encoding="utf-8"))
    wider = runner.invoke(app, ["models", "-c", str(config)])
    assert wider.exit_code == EXIT_MODEL_UNAVAILABLE, wider.output  # en-ru, uk-ru: hub ids, not cached
    assert "en-ru" in wider.output and "uk-ru" in wider.output
    assert "2 missing: fetch them with: newsbrief models fetch" in wider.output
