"""`newsbrief check`: the fidelity record recomputed from an output folder's files alone, for
outputs edited by hand or made by an older version. It reads the text files back and runs the
same verification as `newsbrief run`; article.json only supplies the settings it was made with."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.fidelity.glossary import glossary_of_record
from newsbrief.fidelity.guard import GuardPolicy, is_note
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.fidelity.verify import (
    Record,
    flag_identical_summaries,
    totals,
    unsupported_problem,
    verify_summary,
    verify_translation,
)
from newsbrief.output.article_json import no_summary_reason
from newsbrief.output.folder import (
    ALIGNMENT_JSONL,
    ARTICLE_JSON,
    SUMMARIES_GLOB,
    TRANSLATIONS_GLOB,
    source_name,
    summary_body,
    summary_name,
    translation_name,
)
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.quotes import looks_like_narration
from newsbrief.text.spans import line_quotes


@dataclass
class CheckedArticle:
    folder: Path
    fidelity: Record = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # one line each, naming file and line
    # What the translator and the guard did (a beam candidate taken, a figure's form repaired, a
    # line copied), as the run noted it: history that the files alone cannot show again.
    notes: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)  # the source's quotes, whole


def check_output(out_dir: Path) -> list[CheckedArticle]:
    """Every article folder of an output folder (those with an article.json), in name order."""
    identifier = LanguageIdentifier()
    return [check_article(p.parent, identifier) for p in sorted(out_dir.glob(f"*/{ARTICLE_JSON}"))]


def check_article(folder: Path, identifier: LanguageIdentifier | None = None) -> CheckedArticle:
    checked = CheckedArticle(folder)
    record = json.loads((folder / ARTICLE_JSON).read_text(encoding="utf-8"))
    lang = record["language"]
    settings = record.get("settings", {})
    policy = GuardPolicy(figures=settings.get("figures", "verbatim"))
    glossary = glossary_of_record(record.get("glossary", {}).get("terms", []))
    checks = OutputChecks(identifier or LanguageIdentifier(), frozenset(_languages(record)), glossary)
    guard_flags, readings = _run_notes(folder / ALIGNMENT_JSONL)
    source = _lines(folder / source_name(lang))
    checked.quotes = line_quotes(source)
    translations: dict[str, Record] = {}
    for path in sorted(folder.glob(TRANSLATIONS_GLOB)):
        target = path.name.split(".")[1]
        lines = _lines(path)
        if len(lines) != len(source):
            checked.problems.append(f"{path.name}: {len(lines)} lines, the source has {len(source)}")
            continue
        done = guard_flags.get(target, {})
        flags = {i: [flag for flag in found if is_note(flag)] for i, found in done.items()}
        read = readings.get(target, {})
        translations[target] = verify_translation(
            source, lines, lang, target, policy, flags, checks, done, read
        )
        for i, found in sorted(flags.items()):
            for flag in found:
                kind = checked.notes if is_note(flag) else checked.problems
                kind.append(f"{path.name} line {i + 1}: {flag}")
    summaries: dict[str, Record] = {}
    written = record.get("fidelity", {}).get("summaries", {})
    bodies = {path.name.split(".")[1]: _summary_body(path) for path in sorted(folder.glob(SUMMARIES_GLOB))}
    for summary_lang, body in bodies.items():
        in_lang = folder / translation_name(summary_lang)
        lines = _lines(in_lang) if in_lang.is_file() else source if summary_lang == lang else None
        texts = ["\n".join(lines if lines is not None else source), "\n".join(source)]
        repairs = written.get(summary_lang, {}).get("repairs", [])  # what the summary guard did
        summaries[summary_lang] = verify_summary(body, texts, repairs, summary_lang, checks, lines)
    flag_identical_summaries(bodies, summaries)
    for summary_lang, result in summaries.items():
        path = folder / summary_name(summary_lang)
        checked.problems += [
            f"{path.name}: figure not in the article: {f}" for f in result["figures"]["not_in_article"]
        ]
        checked.problems += [
            f"{path.name}: quote not verbatim: {q}" for q in result["quotes"]["not_verbatim"]
        ]
        if result["empty"]:
            why = no_summary_reason(record, summary_lang)
            checked.problems.append(f"{path.name}: {f'no summary: {why}' if why else 'empty summary'}")
        checked.problems += [f"{path.name}: {unsupported_problem(s)}" for s in result["unsupported"]]
        checked.problems += [f"{path.name}: {problem}" for problem in result["problems"]]
        checked.notes += [f"{path.name}: {repair}" for repair in result["repairs"]]
    checked.fidelity = {
        "translations": translations,
        "summaries": summaries,
        "totals": totals(translations, summaries),
    }
    return checked


def _run_notes(path: Path) -> tuple[dict[str, dict[int, list[str]]], dict[str, dict[int, dict[str, str]]]]:
    """Each language's flags by segment as the run wrote them (what its guard did to a line
    cannot be read from the text), and each line's quotes as the run read them back (a model's
    work, which `check` has no model to redo); none when the file is gone."""
    flags: dict[str, dict[int, list[str]]] = {}
    readings: dict[str, dict[int, dict[str, str]]] = {}
    if not path.is_file():
        return flags, readings
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        for lang, found in entry.get("flags", {}).items():
            flags.setdefault(lang, {})[entry["segment"]] = found
        for lang, read in entry.get("quotes_read_back", {}).items():
            readings.setdefault(lang, {})[entry["segment"]] = read
    return flags, readings


def _languages(record: dict) -> set[str]:
    """The languages the run told lines apart among (as OutputChecks of the run had them)."""
    settings = record.get("settings", {})
    named = [*settings.get("source_languages", []), *settings.get("targets", [])]
    return {record["language"], *named, *settings.get("summary_languages", [])}


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def _summary_body(path: Path) -> str:
    return summary_body(path.read_text(encoding="utf-8"))


def summary_lines(checked: list[CheckedArticle]) -> list[str]:
    """What `check` says of the folder as a whole: the articles flagged, the quote spans that
    read like narration (each named), and the glossary's terms (where one was used)."""
    flagged = [c for c in checked if c.problems]
    return [
        f"{len(checked)} article(s) checked, {len(flagged)} flagged",
        *_narration_lines(checked),
        *_term_lines(checked),
    ]


def _narration_lines(checked: list[CheckedArticle]) -> list[str]:
    """The share of the sources' quote spans that begin or end like a reporting clause ("it
    said.", "He said:"): narration taken for a quote. It should be 0; each one is named."""
    quotes = [(c.folder.name, q) for c in checked for q in c.quotes]
    suspects = [(name, q) for name, q in quotes if looks_like_narration(q)]
    share = 100 * len(suspects) / max(1, len(quotes))
    return [
        f"{len(quotes)} quote(s) in the sources, {len(suspects)} ({share:.1f}%) like narration",
        *(f"  {name}: quote looks like narration: {quote[:80]}" for name, quote in suspects),
    ]


def _term_lines(checked: list[CheckedArticle]) -> list[str]:
    """The glossary's terms over the articles that were made with one (none: nothing said)."""
    totals = [c.fidelity["totals"] for c in checked if "terms_total" in c.fidelity["totals"]]
    if not totals:
        return []
    total, kept, again, missing = (
        sum(t[f"terms_{name}"] for t in totals) for name in ("total", "kept", "re_searched", "missing")
    )
    found = f"{kept} kept ({again} found by re-search), {missing} missing"
    return [f"{total} glossary term(s) in the sources: {found}"]
