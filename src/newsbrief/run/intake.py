"""Each input file as a run takes it in: read (within the size limit), passed over when it is
up to date, skipped or parked, otherwise read into an Article, segmented and planned, with the
id it keeps across runs."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from newsbrief.article import SegmentedArticle
from newsbrief.errors import (
    ArticleFailed,
    ArticleSkipped,
)
from newsbrief.generation.chunk_work import ArticleWork
from newsbrief.generation.plan import Routing, plan_article
from newsbrief.input.gate import MEGABYTE, InputLimits, TooLarge, read_file
from newsbrief.input.readers import read_article
from newsbrief.limits import OverTimeLimit, time_limit
from newsbrief.output.article_json import standing_fidelity
from newsbrief.output.folder import allocate_id
from newsbrief.output.manifest import ArticleRow
from newsbrief.run.batch_run import BatchRun, Pending
from newsbrief.run.outcomes import Outcome, State
from newsbrief.settings.groups import Settings
from newsbrief.text.segmenting import segment_article


def read_one(run: BatchRun, path: Path, redo: bool = False) -> Pending | None:
    """Read, segment and plan one file, unless it is up to date or parked (`redo` reads it
    anyway); None when there is nothing to do."""
    source_path = str(path.resolve())
    known = run.manifest.lookup(source_path)
    article_id = known.id if known else _new_id(run, path)
    if (read := _read_bytes(run, path, article_id)) is None:
        return None
    row, data = read
    if known is not None and known.source_hash == row.source_hash:
        row.attempts = known.attempts if known.status == State.FAILED else 0
        if not redo and _passed_over(run, path, known):
            return None
    run.identifier()  # loaded once per run, before any article's clock starts
    began = time.monotonic()
    try:
        limit = run.settings.control.article_timeout
        with time_limit(limit, limit, "reading"):
            doc, read_seconds = _read_and_segment(path, data, run)
    except ArticleSkipped as problem:
        run.record(row, path, State.SKIPPED, str(problem))
        return None
    except (ArticleFailed, OverTimeLimit) as problem:
        run.record(row, path, State.FAILED, str(problem))
        return None
    except Exception as error:  # a reader's or detector's bug on strange input costs this file only
        run.record(row, path, State.FAILED, f"cannot read: {type(error).__name__}: {error}")
        return None
    pending = _planned(run, doc, row, began, read_seconds)
    # A chunk redone after a kill is redone whole: its batches make every bit of its outputs.
    if (
        not redo
        and known is not None
        and known.dependencies is None
        and _confirmed(run, path, known, pending.row)
    ):
        return None
    return pending


def input_limits(settings: Settings) -> InputLimits:
    """The input gate's limits as the settings give them (max_file_mb, feed_timeout)."""
    control = settings.control
    return InputLimits(int(control.max_file_mb * MEGABYTE), control.feed_timeout)


def _read_bytes(run: BatchRun, path: Path, article_id: str) -> tuple[ArticleRow, bytes] | None:
    """The file's bytes through the input gate and its manifest row, or None when it cannot be
    read, is not a regular file, or is far too large for an article (a dump, a disk image:
    skipped unread)."""
    source_path = str(path.resolve())
    no_dependencies = run.hasher.hash([])
    try:
        data = read_file(path, input_limits(run.settings))
    except OSError as error:
        row = ArticleRow(article_id, source_path, "", no_dependencies, State.DONE)
        run.record(row, path, State.FAILED, f"cannot read: {error}")
        return None
    except TooLarge as refused:
        row = ArticleRow(article_id, source_path, f"size:{refused.size}", no_dependencies, State.DONE)
        run.record(row, path, State.SKIPPED, str(refused))
        return None
    except ArticleSkipped as refused:
        row = ArticleRow(article_id, source_path, "", no_dependencies, State.DONE)
        run.record(row, path, State.SKIPPED, str(refused))
        return None
    source_hash = hashlib.sha256(data).hexdigest()
    return ArticleRow(article_id, source_path, source_hash, no_dependencies, State.DONE), data


def _passed_over(run: BatchRun, path: Path, known: ArticleRow) -> bool:
    """An unchanged source that is up to date, skipped before, or parked: reported as it stands
    (a flagged article with its fidelity record, a skipped file with its reason), and not read."""
    if _is_up_to_date(known, run):
        if known.status == State.SKIPPED:
            run.report.add(Outcome(path, known.id, State.SKIPPED, known.error))
        else:
            fidelity = standing_fidelity(run.out_dir / known.id)
            done_before = Outcome(path, known.id, State.UP_TO_DATE, words=known.words, fidelity=fidelity)
            done_before.lang = known.lang
            run.report.add(done_before)
        return True
    if known.parked and not run.settings.control.retry_parked:
        outcome = Outcome(path, known.id, State.PARKED, known.error, known.words, lang=known.lang)
        outcome.attempts = known.attempts
        run.report.add(outcome)
        return True
    return False


def _planned(run: BatchRun, doc: SegmentedArticle, row: ArticleRow, began: float, read: float) -> Pending:
    doc.article.id = row.id
    row.lang = doc.lang
    row.words = doc.word_count()
    plan = plan_article(doc, Routing.of(run.settings))
    # Hashing resolves the article's models: a missing one stops the run here, before any writing.
    row.dependencies = plan.dependencies()
    row.config_hash = run.hasher.hash(row.dependencies)
    segment = time.monotonic() - began - read  # language detection, sentences, spans, the plan
    row.timings = {"read": round(read, 3), "segment": round(segment, 3)}  # the later stages add theirs
    return Pending(ArticleWork(doc, plan, row.timings, row.words, row.config_hash), row, began)


def _confirmed(run: BatchRun, path: Path, known: ArticleRow, row: ArticleRow) -> bool:
    """A row rebuilt from its article.json knows the configuration hash but not what it covered:
    planned again, an article with the same source, the same hash and its folder is up to date
    (recorded now with what the hash covers)."""
    same = (row.source_hash, row.config_hash) == (known.source_hash, known.config_hash)
    if not same or not (run.out_dir / known.id).is_dir():
        return False
    row.status, row.timings = State.DONE, known.timings
    run.manifest.record(row, run.run_id)
    fidelity = standing_fidelity(run.out_dir / known.id)
    up_to_date = Outcome(path, known.id, State.UP_TO_DATE, words=row.words, fidelity=fidelity, lang=row.lang)
    run.report.add(up_to_date)
    return True


def _new_id(run: BatchRun, path: Path) -> str:
    """From the path in the input folder, or a feed entry's in OUTPUT_DIR/_feeds/."""
    if path == run.input_dir:
        relative = Path(path.name)
    elif path.is_relative_to(run.input_dir):
        relative = path.relative_to(run.input_dir)
    else:
        relative = path.relative_to(run.feeds_dir)
    return allocate_id(relative, run.taken_ids)


def _is_up_to_date(known: ArticleRow, run: BatchRun) -> bool:
    """Done (or skipped) with this very source, and with the models and prompts it used as they
    are now; a skipped file costs a quiet night nothing either, not even the language models."""
    if known.status == State.DONE and not (run.out_dir / known.id).is_dir():
        return False
    settled = known.status in (State.DONE, State.SKIPPED) and known.dependencies is not None
    return settled and known.config_hash == run.hasher.hash(known.dependencies)


def _read_and_segment(path: Path, data: bytes, run: BatchRun) -> tuple[SegmentedArticle, float]:
    """The segmented article, and the seconds its reading took (the rest is segmenting's)."""
    settings = run.settings
    identifier = run.identifier()
    began = time.monotonic()
    article = read_article(path, data)
    read = time.monotonic() - began
    accepted = set(settings.languages.source_languages)
    lang, shares = identifier.article_language([article.title, *article.paragraphs], accepted)
    if lang is None:
        raise ArticleSkipped("no language could be detected (no letters in the text)")
    if lang not in accepted:
        targets = "/".join(t for t in settings.languages.targets if t != lang)
        sentences = ", ".join(f"{code} {share:.0%}" for code, share in list(shares.items())[:3])
        raise ArticleSkipped(
            f"unsupported language {lang} (its sentences: {sentences}): no model for {lang}→{targets} "
            f"(add '{lang}' to source_languages, and a model for it or a fallback_model)"
        )
    return segment_article(article, lang, identifier, accepted, settings.decoding.max_segment_chars), read
