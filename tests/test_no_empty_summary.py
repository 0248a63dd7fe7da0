"""Never an empty summary file (issue 34, item 4): a projected summary that traces nothing is
the written summary translated instead (one translation deep, guarded like every summary), and
where nothing can be written the summary's files say there is no summary and why, article.json
says it, and the article is flagged, by the run and by `check`."""

from __future__ import annotations

from pathlib import Path

from support.corpus import segmented

from newsbrief.article import ArticleDraft
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.generation.chunk_work import (
    ArticleWork,
    ChunkOptions,
    ChunkRun,
    ChunkWork,
    translate_summaries,
)
from newsbrief.generation.drafting import SummaryProjection
from newsbrief.generation.model_pool import ModelOptions, ModelPool
from newsbrief.generation.plan import Routing, plan_article
from newsbrief.limits import TimeBudget
from newsbrief.output.atomic import write_article_folder
from newsbrief.output.folder import article_files
from newsbrief.output.recheck import check_article
from newsbrief.progress import NoProgress
from newsbrief.run.finish import Finishing, finish
from newsbrief.settings import Settings, apply_models

WRITTEN = ["Ukraine exported 12.4 million tonnes of grain in August."]


def pool_with(en_uk: Path) -> ModelPool:
    return ModelPool(ModelOptions.of(apply_models(Settings(), {"en-uk": str(en_uk)})), {})


def test_a_projection_that_traces_nothing_is_the_written_summary_translated(tiny_models: Path) -> None:
    projection = SummaryProjection("en", {}, {})
    jobs = projection.instead("uk", WRITTEN, "uk-grain", pool_with(tiny_models / "marian-en-uk"))
    assert [(job.text, job.source, job.target, job.key.channel) for job in jobs] == [
        (WRITTEN[0], "en", "uk", "summary:uk")
    ]
    assert (
        projection.sources["uk"] == "translated from en (no sentence of the en summary traced to the article)"
    )
    assert projection.missing == {}


def test_where_no_model_translates_it_the_reason_is_kept(tmp_path: Path) -> None:
    no_model = tmp_path / "no-such-model"
    no_model.mkdir()  # a folder, as configured, with no model in it
    projection = SummaryProjection("en", {}, {})
    assert projection.instead("uk", WRITTEN, "uk-grain", pool_with(no_model)) == []
    assert (
        projection.sources["uk"] == "projected from en (no sentence of the en summary traced to the article)"
    )
    why = projection.missing["uk"]
    assert why.startswith(
        "no sentence of the en summary traced to the article, and it cannot be translated: "
    )
    assert "no-such-model" in why
    empty = SummaryProjection("en", {}, {})
    assert empty.instead("uk", [], "uk-grain", pool_with(no_model)) == []
    assert empty.missing["uk"].endswith("it cannot be translated: it is empty")


def test_a_summary_with_nothing_in_it_says_so_in_its_file_and_is_flagged(tmp_path: Path) -> None:
    doc = segmented("uk-grain-exports.txt")
    doc.article.id = "uk-grain-exports"
    source = [s.text for s in doc.segments]
    why = "no sentence of the en summary traced to the article, and it cannot be translated: no model"
    draft = ArticleDraft(
        doc=doc,
        lines={"uk": source, "en": source},
        flags={},
        summaries={"en": [], "uk": []},
        summary_titles={"uk": doc.article.title},
        translation_languages=["en"],
        summary_written_in="en",
        summary_missing={"uk": why},
    )
    finishing = Finishing.of(Settings(), OutputChecks(), None)  # type: ignore[arg-type]
    result = finish(draft, finishing, [], "hash")
    folder = write_article_folder(tmp_path, doc.article.id, article_files(result))
    uk = (folder / "summary.uk.md").read_text(encoding="utf-8")
    assert uk == f"# {doc.article.title}\n\n[No summary: {why}]\n"
    en = (folder / "summary.en.md").read_text(encoding="utf-8")
    assert en == "[No summary: the summariser wrote nothing for this article]\n"
    assert result.record["summaries"]["uk"]["no_summary"] == why
    assert result.fidelity["summaries"]["uk"]["empty"] and result.fidelity["totals"]["flagged"]
    checked = check_article(folder)
    assert f"summary.uk.md: no summary: {why}" in checked.problems
    assert checked.fidelity["summaries"]["uk"]["empty"]


class FailingPool:
    """The real pool, whose model for one pair fails as a model can (out of memory)."""

    def __init__(self, pool: ModelPool, pair: tuple[str, str]) -> None:
        self.pool, self.pair = pool, pair

    def translator(self, source: str, target: str) -> object:
        translator = self.pool.translator(source, target)
        if (source, target) == self.pair:
            translator.translate = _out_of_memory  # type: ignore[method-assign]
        return translator

    def __getattr__(self, name: str) -> object:
        return getattr(self.pool, name)


def _out_of_memory(batch: list[str]) -> list[str]:
    raise RuntimeError("out of memory")


def test_a_translation_instead_of_a_projection_that_fails_costs_that_summary_not_the_article(
    tiny_models: Path,
) -> None:
    """The benchmark's random summariser wrote one 'word' longer than the translator's window:
    the translation standing in for its projection failed, and with it the whole article."""
    settings = apply_models(Settings(), {"en-uk": str(tiny_models / "marian-en-uk")})
    pool = FailingPool(ModelPool(ModelOptions.of(settings), {}), ("en", "uk"))
    doc = segmented("uk-grain-exports.txt")
    doc.article.id = "uk-grain-exports"
    plan = plan_article(doc, Routing.of(settings))
    assert plan.summaries_projected == ("uk",) and plan.summary_source == "en"
    source = [s.text for s in doc.segments]
    draft = ArticleDraft(doc, {"uk": source, "en": source}, {}, {"en": WRITTEN, "uk": []}, {}, ["en"])
    projection = SummaryProjection("en", {}, {})
    jobs = projection.instead("uk", WRITTEN, doc.article.id, pool)  # type: ignore[arg-type]
    draft.summary_sources, draft.summary_missing = projection.sources, projection.missing
    item = ArticleWork(doc, plan, {}, doc.word_count())
    run = ChunkRun(
        [item], pool, ChunkOptions.of(settings), OutputChecks(), NoProgress(), lambda: False, TimeBudget(0)
    )  # type: ignore[arg-type]
    work = ChunkWork()
    translate_summaries(run, [(draft, jobs)], work)
    assert work.failures == [] and work.drafts == [draft]
    assert draft.summaries["uk"] == []
    assert draft.summary_missing["uk"] == (
        "no sentence of the en summary traced to the article, and its translation failed: "
        "translation en→uk: out of memory"
    )
