"""The output folder: every name it holds, spelled here and nowhere else, and what goes into an
article's folder (docs/DESIGN.md, "Output of one article").

OUT/
  <article-id>/            one folder per article (written whole: output/atomic.py)
    source.<lang>.txt  translation.<lang>.txt (.docx .odt)  summary.<lang>.md (.docx .odt)
    alignment.jsonl  article.json
  _review/                 index.html, <article-id>.html, neighbours.json (output/review.py)
  _feeds/                  feed entries staged as articles (input/feeds.py)
  manifest.sqlite          the ledger (output/manifest.py), with SQLite's -wal, -shm, -journal
  .newsbrief.lock  .newsbrief.lock.json   one run at a time (output/lock.py)
  newsbrief.log  newsbrief.log.N         scripts/newsbrief-cron.sh's log
  .tmp-…  .old-…           an article folder while it is written or replaced
"""

from __future__ import annotations

import json
from pathlib import Path

from newsbrief.article import ArticleResult

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


def source_name(lang: str) -> str:
    return f"source.{lang}.txt"


def translation_name(lang: str, suffix: str = ".txt") -> str:
    """`translation.en.txt`; with the source's document suffix, its translation in kind."""
    return f"translation.{lang}{suffix}"


def summary_name(lang: str, suffix: str = ".md") -> str:
    return f"summary.{lang}{suffix}"


def review_page_name(article_id: str) -> str:
    return f"{article_id}.html"


def is_output_folder(folder: Path) -> bool:
    """A folder newsbrief writes into: it holds the ledger. Never read back as input."""
    return (folder / MANIFEST_NAME).is_file()


def article_files(result: ArticleResult) -> dict[str, str]:
    doc = result.doc
    files = {source_name(doc.lang): _lines_text(result.lines[doc.lang])}
    for lang in result.translation_languages:
        files[translation_name(lang)] = _lines_text(result.lines[lang])
    for lang, sentences in result.summaries.items():
        title = result.summary_titles.get(lang, "")
        heading = f"# {title}\n\n" if title else ""
        files[summary_name(lang)] = heading + " ".join(sentences) + "\n"
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
        records.append(
            {
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
        )
    return records


def _lines_text(lines: list[str]) -> str:
    """One segment per line; a translation can never add a line break of its own."""
    return "".join(" ".join(line.split()) + "\n" for line in lines)


def json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def jsonl_text(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
