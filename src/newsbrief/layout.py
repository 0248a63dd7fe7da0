"""What goes into an article's output folder (DESIGN.md, "Output of one article")."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsbrief.article import SegmentedArticle
from newsbrief.writing import json_text, jsonl_text


@dataclass
class ArticleDraft:
    """What the models made of one article, whole: every language's lines, every summary
    (translated ones included), and the seconds each stage took. Made where the models ran
    (here or on a Ray worker); finishing.finish guards, verifies and records it."""

    doc: SegmentedArticle
    lines: dict[str, list[str]]  # language -> one line per segment ("" for paragraph breaks)
    flags: dict[str, dict[int, list[str]]]  # language -> segment -> flags
    summaries: dict[str, list[str]]  # language -> summary sentences
    summary_titles: dict[str, str]
    translation_languages: list[str]  # the translation files to write
    summariser: str = ""
    summary_written_in: str = ""  # the language the summariser wrote; others are translations
    summary_chunks: int = 1
    summary_sources: dict[str, str] = field(default_factory=dict)  # language -> "translated from en"
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds


@dataclass
class ArticleResult(ArticleDraft):
    """A draft with its summaries guarded, its fidelity record and its article.json: everything
    produced for one article, ready to be written."""

    summary_repairs: dict[str, list[str]] = field(default_factory=dict)  # language -> what was repaired
    fidelity: dict[str, object] = field(default_factory=dict)  # from verifying.verify_article
    record: dict[str, object] = field(default_factory=dict)  # article.json


def article_files(result: ArticleResult) -> dict[str, str]:
    doc = result.doc
    files = {f"source.{doc.lang}.txt": _lines_text(result.lines[doc.lang])}
    for lang in result.translation_languages:
        files[f"translation.{lang}.txt"] = _lines_text(result.lines[lang])
    for lang, sentences in result.summaries.items():
        title = result.summary_titles.get(lang, "")
        heading = f"# {title}\n\n" if title else ""
        files[f"summary.{lang}.md"] = heading + " ".join(sentences) + "\n"
    files["alignment.jsonl"] = jsonl_text(alignment_records(result))
    files["article.json"] = json_text(result.record)
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
