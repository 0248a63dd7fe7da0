"""The output folder: every name it holds, spelled here and nowhere else, the ids of the article
folders (allocate_id: never one of those names), and what goes into an article's folder
(docs/DESIGN.md, "Output of one article").

OUT/
  <article-id>/            one folder per article (written whole: output/atomic.py)
    source.<lang>.txt  translation.<lang>.txt (.docx .odt)  summary.<lang>.md (.docx .odt)
    alignment.jsonl  article.json
  _review/                 index.html, <article-id>.html, neighbours.json (output/review.py)
  _feeds/                  feed entries staged as articles (input/feeds.py)
  manifest.sqlite          the ledger (output/manifest.py), with SQLite's -wal, -shm, -journal
  manifest.sqlite.damaged-<time>   a damaged ledger kept aside when it was rebuilt
  .newsbrief.lock  .newsbrief.lock.json   one run at a time (output/lock.py)
  newsbrief.log  newsbrief.log.N         scripts/newsbrief-cron.sh's log
  .tmp-…  .old-…           an article folder while it is written or replaced
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from newsbrief.article import ArticleResult
from newsbrief.input.ids import slug_for

MANIFEST_NAME = "manifest.sqlite"
LOCK_NAME = ".newsbrief.lock"
LOCK_HOLDER_NAME = ".newsbrief.lock.json"  # who holds the lock, for the message of a run that waits
REVIEW_DIR = "_review"
REVIEW_INDEX = "index.html"
REVIEW_NEIGHBOURS = "neighbours.json"  # each page's previous and next article, as its links say
FEEDS_DIR = "_feeds"
LOG_NAME = "newsbrief.log"
STAGING_PREFIX = ".tmp-"  # an article folder being written, renamed into place when whole
RETIRED_PREFIX = ".old-"  # the folder it replaces, until the new one is in place
ARTICLE_JSON = "article.json"
ALIGNMENT_JSONL = "alignment.jsonl"
TRANSLATIONS_GLOB = "translation.*.txt"
SUMMARIES_GLOB = "summary.*.md"


MANIFEST_SIDE_FILES = ("-wal", "-shm", "-journal")  # SQLite's, beside the ledger
DAMAGED_SUFFIX = ".damaged-"  # manifest.sqlite.damaged-<time>: a ledger set aside, kept for a look
# Names of the output folder's top level an article id must never take, in any letter case (the
# folder may sit on a case-insensitive file system): each of newsbrief's own files and folders,
# and each name a file of its may take (the ledger's side files, a rotated log, a ledger set
# aside). `index` and `neighbours` are _review's pages beside each article's <id>.html.
RESERVED_PREFIXES = (MANIFEST_NAME, LOG_NAME, ".", "_")
RESERVED_NAMES = frozenset({REVIEW_INDEX.removesuffix(".html"), REVIEW_NEIGHBOURS.removesuffix(".json")})


def is_reserved(article_id: str) -> bool:
    """Whether an id would name (or could one day name) a file or folder newsbrief writes."""
    name = article_id.casefold()
    return name in RESERVED_NAMES or name.startswith(RESERVED_PREFIXES)


def allocate_id(relative_path: Path, taken: set[str]) -> str:
    """The article id for a file at `relative_path` (under the input folder or _feeds): its slug,
    never a reserved name, and unique among `taken` (compared case-folded) by construction: the
    slug, else the slug and a short hash of the path, else that hash lengthened until free. The
    ledger keeps each file's id, so the id is stable across runs; `taken` gains it."""
    slug = slug_for(relative_path)
    if is_reserved(slug):
        slug = f"article-{slug}"
    folded = {name.casefold() for name in taken}
    digest = hashlib.sha256(relative_path.as_posix().encode("utf-8")).hexdigest()
    legacy = hashlib.sha1(relative_path.as_posix().encode("utf-8")).hexdigest()[:8]
    candidates = [slug, f"{slug}-{legacy}", *(f"{slug}-{digest[:n]}" for n in range(12, 65, 4))]
    candidates += [f"{slug}-{digest}-{n}" for n in range(2, len(folded) + 3)]
    article_id = next(name for name in candidates if name.casefold() not in folded)
    taken.add(article_id)
    return article_id


def present_names(out_dir: Path) -> set[str]:
    """The names at the output folder's top level: a new article's id must take none of them (a
    folder someone put there is theirs, never replaced by an article's)."""
    try:
        return {entry.name for entry in os.scandir(out_dir)}
    except OSError:
        return set()


def holds_only_bookkeeping(out_dir: Path) -> bool:
    """Whether the folder holds nothing but a run's own bookkeeping (its lock, its ledger, review
    pages of no article): what a run that stopped before its first article leaves, and may take
    back. Staged feed entries, a log, an article folder or anything else: not only bookkeeping."""
    own = {LOCK_NAME, LOCK_HOLDER_NAME, MANIFEST_NAME, REVIEW_DIR}
    own |= {MANIFEST_NAME + side for side in MANIFEST_SIDE_FILES}
    review = out_dir / REVIEW_DIR
    pages = {p.name for p in review.iterdir()} if review.is_dir() else set()
    return {p.name for p in out_dir.iterdir()} <= own and pages <= {REVIEW_INDEX, REVIEW_NEIGHBOURS}


def source_name(lang: str) -> str:
    return f"source.{lang}.txt"


def translation_name(lang: str, suffix: str = ".txt") -> str:
    """`translation.en.txt`; with the source's document suffix, its translation in kind."""
    return f"translation.{lang}{suffix}"


def summary_name(lang: str, suffix: str = ".md") -> str:
    return f"summary.{lang}{suffix}"


NO_SUMMARY = "[No summary: "  # how a summary file begins that has none, before the reason
NOTHING_WRITTEN = "the summariser wrote nothing for this article"  # the reason where none is given


def summary_text(result: ArticleResult, lang: str) -> str:
    """A summary as its files hold it; where there is none, a line that says so and why (an
    empty file would leave a reader to guess, and the reason would be in article.json only)."""
    if sentences := result.summaries.get(lang):
        return " ".join(sentences)
    why = result.summary_missing.get(lang, NOTHING_WRITTEN)
    return f"{NO_SUMMARY}{why}]"


def summary_body(text: str) -> str:
    """A summary file's text without its "# title" heading; "" where the file says it has none."""
    if text.startswith("# "):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    text = text.strip()
    return "" if text.startswith(NO_SUMMARY) else text


def review_page_name(article_id: str) -> str:
    return f"{article_id}.html"


def is_output_folder(folder: Path) -> bool:
    """A folder newsbrief writes into: it holds the ledger. Never read back as input. A folder
    that cannot be looked into is not one (the walk then says it cannot read it)."""
    try:
        return (folder / MANIFEST_NAME).is_file()
    except OSError:
        return False


def article_files(result: ArticleResult) -> dict[str, str]:
    doc = result.doc
    files = {source_name(doc.lang): _lines_text(result.lines[doc.lang])}
    for lang in result.translation_languages:
        files[translation_name(lang)] = _lines_text(result.lines[lang])
    for lang in result.summaries:
        title = result.summary_titles.get(lang, "")
        heading = f"# {title}\n\n" if title else ""
        files[summary_name(lang)] = heading + summary_text(result, lang) + "\n"
    files[ALIGNMENT_JSONL] = jsonl_text(alignment_records(result))
    files[ARTICLE_JSON] = json_text(result.record)
    return files


def alignment_records(result: ArticleResult) -> list[dict[str, object]]:
    doc = result.doc
    languages = [doc.lang, *result.translation_languages]
    records: list[dict[str, object]] = []
    for segment in doc.sentences:
        flags = {
            lang: result.flags.get(lang, {}).get(segment.index, []) for lang in result.translation_languages
        }
        flags = {lang: f for lang, f in flags.items() if f}
        if segment.flags:
            flags["source"] = segment.flags
        record = {
            "segment": segment.index,
            "line": segment.index + 1,
            "paragraph": segment.paragraph,
            "lang": segment.lang,
            "text": {lang: result.lines[lang][segment.index] for lang in languages},
            "spans": [
                {"kind": s.kind, "start": s.start, "end": s.end, "text": s.text} for s in segment.spans
            ],
            "flags": flags,
        }
        read = {
            lang: found
            for lang in result.translation_languages
            if (found := result.quote_readings.get(lang, {}).get(segment.index))
        }
        records.append({**record, "quotes_read_back": read} if read else record)
    return records


def _lines_text(lines: list[str]) -> str:
    """One segment per line; a translation can never add a line break of its own."""
    return "".join(" ".join(line.split()) + "\n" for line in lines)


def json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def jsonl_text(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
