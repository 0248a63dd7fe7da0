"""One run over a folder: read -> segment -> translate (pooled) -> summarise -> verify -> write.

Each article either ends as a complete output folder and a `done` manifest row, or as a
`skipped`/`failed` row with a one-line reason; no article's problem stops the others.
"""

from __future__ import annotations

import fnmatch
import hashlib
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from newsbrief import __version__
from newsbrief.article import SegmentedArticle
from newsbrief.backends.seq2seq import Seq2SeqModel
from newsbrief.config import Settings
from newsbrief.errors import ArticleFailed, ArticleSkipped
from newsbrief.ids import unique_id
from newsbrief.language import LanguageIdentifier
from newsbrief.layout import ArticleResult, article_files
from newsbrief.manifest import ArticleRow, Manifest
from newsbrief.models import resolve_model
from newsbrief.readers import read_article, supported_suffixes
from newsbrief.segmenting import segment_article
from newsbrief.summarising import (
    ExtractiveSummariser,
    Seq2SeqSummariser,
    Summariser,
    Summary,
    SummaryInput,
)
from newsbrief.translating import Job, PooledResult, TranslatorPool, translate_jobs
from newsbrief.verifying import as_dict, verify_summary, verify_translation
from newsbrief.writing import recover_interrupted, write_article_folder

MANIFEST_NAME = "manifest.sqlite"


class ProgressSink(Protocol):
    def phase(self, description: str, total: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class NoProgress:
    def phase(self, description: str, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass


@dataclass
class Outcome:
    """What happened to one input file in this run."""

    path: Path
    article_id: str
    status: str  # done, up-to-date, skipped, failed
    reason: str = ""
    words: int = 0


@dataclass
class RunReport:
    outcomes: list[Outcome] = field(default_factory=list)
    words: int = 0
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")


@dataclass
class Pending:
    """An article read and segmented, waiting for models."""

    doc: SegmentedArticle
    row: ArticleRow
    started: float
    timings: dict[str, float] = field(default_factory=dict)


def discover(input_dir: Path, exclude: tuple[str, ...]) -> list[Path]:
    """Article files under `input_dir`, recursively, in a stable order."""
    if input_dir.is_file():
        return [input_dir]
    suffixes = supported_suffixes()
    found = []
    for path in sorted(input_dir.rglob("*")):
        relative = path.relative_to(input_dir)
        if any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in exclude):
            continue
        if path.is_file() and path.suffix.lower() in suffixes:
            found.append(path)
    return found


def run_batch(
    input_dir: Path, out_dir: Path, settings: Settings, progress: ProgressSink | None = None
) -> RunReport:
    """Process every article under `input_dir` into `out_dir`. Raises ModelUnavailable (before
    any article is written) when a model the batch needs cannot be loaded."""
    progress = progress or NoProgress()
    started = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    recover_interrupted(out_dir)
    manifest = Manifest(out_dir / MANIFEST_NAME)
    config_hash = settings.fingerprint()
    run_id = manifest.start_run(str(input_dir.resolve()), config_hash)
    report = RunReport()
    pool = TranslatorPool(settings)
    try:
        files = discover(input_dir, settings.exclude)
        progress.phase("reading", len(files))
        pending = _read_all(files, input_dir, out_dir, manifest, settings, run_id, report, progress)
        if pending:
            _process(pending, out_dir, manifest, settings, pool, run_id, report, progress)
    finally:
        pool.close()
        report.seconds = time.monotonic() - started
        counts = Counter(o.status for o in report.outcomes)
        counts["skipped"] += counts["up-to-date"]
        manifest.finish_run(run_id, counts, report.words, report.seconds)
        manifest.close()
    return report


def _read_all(
    files: list[Path],
    input_dir: Path,
    out_dir: Path,
    manifest: Manifest,
    settings: Settings,
    run_id: int,
    report: RunReport,
    progress: ProgressSink,
) -> list[Pending]:
    config_hash = settings.fingerprint()
    taken = manifest.taken_ids()
    identifier: LanguageIdentifier | None = None
    pending: list[Pending] = []
    for path in files:
        began = time.monotonic()
        source_path = str(path.resolve())
        known = manifest.lookup(source_path)
        relative = path.relative_to(input_dir) if path != input_dir else Path(path.name)
        article_id = known.id if known else unique_id(relative, taken)
        taken.add(article_id)
        source_hash = hashlib.sha256(path.read_bytes()).hexdigest()
        row = ArticleRow(article_id, source_path, source_hash, config_hash, "done")
        progress.advance()
        if (
            known is not None
            and known.status == "done"
            and (known.source_hash, known.config_hash) == (source_hash, config_hash)
            and (out_dir / article_id).is_dir()
        ):
            report.outcomes.append(Outcome(path, article_id, "up-to-date"))
            continue
        try:
            identifier = identifier or LanguageIdentifier()
            doc = _read_and_segment(path, identifier, settings)
        except (ArticleSkipped, ArticleFailed) as problem:
            status = "skipped" if isinstance(problem, ArticleSkipped) else "failed"
            _finish(manifest, report, row, run_id, path, status, str(problem))
            continue
        except OSError as error:
            _finish(manifest, report, row, run_id, path, "failed", f"cannot read: {error}")
            continue
        doc.article.id = article_id
        row.lang = doc.lang
        row.words = doc.word_count()
        pending.append(Pending(doc, row, began, {"read": time.monotonic() - began}))
    return pending


def _read_and_segment(path: Path, identifier: LanguageIdentifier, settings: Settings) -> SegmentedArticle:
    article = read_article(path)
    lang, _confidence = identifier.detect(" ".join([article.title, *article.paragraphs])[:3000])
    if lang is None:
        raise ArticleSkipped("no language could be detected (no letters in the text)")
    if lang not in settings.source_languages:
        targets = "/".join(t for t in settings.targets if t != lang)
        raise ArticleSkipped(
            f"unsupported language {lang}: no model for {lang}→{targets} (add '{lang}' to "
            f"source_languages to use the multilingual fallback {settings.fallback_model})"
        )
    accepted = set(settings.source_languages)
    return segment_article(article, lang, identifier, accepted, settings.max_segment_chars)


def _process(
    pending: list[Pending],
    out_dir: Path,
    manifest: Manifest,
    settings: Settings,
    pool: TranslatorPool,
    run_id: int,
    report: RunReport,
    progress: ProgressSink,
) -> None:
    jobs = [job for item in pending for job in _segment_jobs(item.doc, settings)]
    summariser_model = _resolve_all(jobs, pool, settings)
    total_words = sum(len(job.text.split()) for job in jobs)
    progress.phase("translating", total_words)
    began = time.monotonic()
    translated = translate_jobs(jobs, pool, settings.batch_tokens, progress.advance)
    translate_seconds = time.monotonic() - began
    report.words += translated.words
    for item in pending:
        share = item.row.words / max(1, sum(p.row.words for p in pending))
        item.timings["translate"] = round(translate_seconds * share, 3)

    progress.phase("summarising", len(pending))
    summariser = _summariser(settings, summariser_model)
    results: list[ArticleResult] = []
    summary_jobs: list[Job] = []
    for item in pending:
        progress.advance()
        reason = translated.failures.get(item.doc.article.id)
        if reason:
            _finish(manifest, report, item.row, run_id, item.doc.article.path, "failed", reason)
            continue
        began = time.monotonic()
        try:
            result, missing = _summarise(item, translated, summariser, settings)
        except Exception as error:  # a model error costs this article, not the run
            _finish(
                manifest, report, item.row, run_id, item.doc.article.path, "failed", f"summarising: {error}"
            )
            continue
        item.timings["summarise"] = round(time.monotonic() - began, 3)
        results.append(result)
        summary_jobs.extend(missing)

    progress.phase("translating summaries", len(summary_jobs))
    summary_translations = translate_jobs(summary_jobs, pool, settings.batch_tokens)
    report.words += summary_translations.words
    progress.phase("writing", len(results))
    by_id = {item.doc.article.id: item for item in pending}
    for result in results:
        item = by_id[result.doc.article.id]
        progress.advance()
        _write(
            result,
            item,
            summary_translations,
            out_dir,
            manifest,
            settings,
            pool,
            run_id,
            report,
            summariser_model,
        )


def _segment_jobs(doc: SegmentedArticle, settings: Settings) -> list[Job]:
    return [
        Job((doc.article.id, target, segment.index), segment.text, segment.lang, target)
        for target in sorted(settings.needed_languages(doc.lang))
        for segment in doc.sentences
    ]


def _resolve_all(jobs: list[Job], pool: TranslatorPool, settings: Settings):
    """Every model the batch needs, found (or downloaded) before any work: a missing one is a
    clear error now, not a failure halfway through the night."""
    for source, target in sorted({(j.source, j.target) for j in jobs if j.source != j.target}):
        pool.resolve(source, target)
    for lang in settings.summary_languages:
        if settings.summariser == "seq2seq" and lang != settings.summariser_language:
            pool.resolve(settings.summariser_language, lang)
    if settings.summariser == "seq2seq":
        return resolve_model(settings.summariser_model)
    return None


def _summariser(settings: Settings, resolved) -> Summariser:
    if settings.summariser == "extractive":
        return ExtractiveSummariser(settings.extractive_sentences, settings.summary_languages)
    return Seq2SeqSummariser(
        Seq2SeqModel(resolved, settings.device),
        settings.summariser_language,
        settings.num_beams,
        settings.summary_max_tokens,
    )


def _summarise(
    item: Pending, translated: PooledResult, summariser: Summariser, settings: Settings
) -> tuple[ArticleResult, list[Job]]:
    doc = item.doc
    article_id = doc.article.id
    lines = {doc.lang: [s.text for s in doc.segments]}
    flags: dict[str, dict[int, list[str]]] = {}
    for lang in sorted(settings.needed_languages(doc.lang)):
        lines[lang] = [
            translated.translations[(article_id, lang, s.index)] if s.text else "" for s in doc.segments
        ]
        flags[lang] = {
            s.index: list(translated.flags.get((article_id, lang, s.index), [])) for s in doc.sentences
        }
    summary: Summary = summariser.summarise(SummaryInput(doc, lines))
    summaries = dict(summary.sentences)
    titles = {lang: lines[lang][0] for lang in lines if doc.article.title}
    missing: list[Job] = []
    written = next(iter(summaries))
    for lang in settings.summary_languages:
        if lang in summaries:
            continue
        channel = f"summary:{lang}"
        missing += [
            Job((article_id, channel, i), text, written, lang) for i, text in enumerate(summaries[written])
        ]
        if doc.article.title and lang not in titles:
            missing.append(Job((article_id, channel, -1), doc.article.title, doc.lang, lang))
    result = ArticleResult(
        doc=doc,
        lines=lines,
        flags=flags,
        summaries=summaries,
        summary_titles=titles,
        translation_languages=sorted(set(settings.targets) - {doc.lang}),
        summariser=summariser.name,
        summary_written_in=written,
        summary_chunks=summary.chunks,
    )
    return result, missing


def _write(
    result: ArticleResult,
    item: Pending,
    summary_translations: PooledResult,
    out_dir: Path,
    manifest: Manifest,
    settings: Settings,
    pool: TranslatorPool,
    run_id: int,
    report: RunReport,
    summariser_model,
) -> None:
    doc = result.doc
    article_id = doc.article.id
    failure = summary_translations.failures.get(article_id)
    if failure:
        _finish(manifest, report, item.row, run_id, doc.article.path, "failed", failure)
        return
    began = time.monotonic()
    summary_sources: dict[str, str] = {}
    for lang in settings.summary_languages:
        if lang in result.summaries:
            continue
        channel = f"summary:{lang}"
        written = result.summary_written_in
        count = len(result.summaries[written])
        result.summaries[lang] = [
            summary_translations.translations[(article_id, channel, i)] for i in range(count)
        ]
        summary_sources[lang] = f"translated from {written}"
        if (article_id, channel, -1) in summary_translations.translations:
            result.summary_titles[lang] = summary_translations.translations[(article_id, channel, -1)]
    result.record = _article_record(result, item, settings, pool, summary_sources, summariser_model)
    item.timings["write"] = round(time.monotonic() - began, 3)
    try:
        write_article_folder(out_dir, article_id, article_files(result))
    except OSError as error:
        _finish(manifest, report, item.row, run_id, doc.article.path, "failed", f"writing: {error}")
        return
    item.row.seconds = round(time.monotonic() - item.started, 3)
    _finish(manifest, report, item.row, run_id, doc.article.path, "done", "")


def _article_record(
    result: ArticleResult,
    item: Pending,
    settings: Settings,
    pool: TranslatorPool,
    summary_sources: dict[str, str],
    summariser_model,
) -> dict[str, object]:
    doc = result.doc
    article = doc.article
    fidelity_translations = {
        lang: as_dict(verify_translation(doc, result.lines[lang], result.flags.setdefault(lang, {})))
        for lang in result.lines
        if lang != doc.lang
    }
    fidelity_summaries = {
        lang: as_dict(
            verify_summary(
                " ".join(sentences),
                ["\n".join(result.lines.get(lang, [])), "\n".join(result.lines[doc.lang])],
            )
        )
        for lang, sentences in result.summaries.items()
    }
    models = {
        f"{source}-{target}": {"model": m.ref, "revision": m.revision}
        for (source, target) in sorted(
            {(s.lang, t) for s in doc.sentences for t in settings.needed_languages(doc.lang) if s.lang != t}
        )
        for m in [pool.resolve(source, target)]
    }
    summariser: dict[str, object] = {
        "strategy": result.summariser,
        "written_in": result.summary_written_in,
        "chunks": result.summary_chunks,
    }
    if summariser_model is not None:
        summariser.update(model=summariser_model.ref, revision=summariser_model.revision)
    segment_languages = Counter(s.lang for s in doc.sentences)
    return {
        "id": article.id,
        "title": article.title,
        "language": doc.lang,
        "segment_languages": dict(segment_languages),
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
                "written_by": summary_sources.get(lang, summariser["strategy"]),
            }
            for lang in result.summaries
        },
        "summariser": summariser,
        "models": models,
        "settings": {
            "targets": list(settings.targets),
            "summary_languages": list(settings.summary_languages),
            "num_beams": settings.num_beams,
            "max_segment_chars": settings.max_segment_chars,
        },
        "config_hash": settings.fingerprint(),
        "warnings": article.warnings,
        "fidelity": {"translations": fidelity_translations, "summaries": fidelity_summaries},
        "timings": item.timings,
        "newsbrief": __version__,
    }


def _finish(
    manifest: Manifest,
    report: RunReport,
    row: ArticleRow,
    run_id: int,
    path: Path,
    status: str,
    reason: str,
) -> None:
    row.status = status
    row.error = reason
    manifest.record(row, run_id)
    report.outcomes.append(Outcome(path, row.id, status, reason, row.words))
