"""The one place that compares source and outputs span by span: the per-article fidelity record.

It works on text lines only (the source file's lines, a translation's lines, a summary), so
`newsbrief run` and `newsbrief check` (which reads the files back) produce the same record.
Translations must carry every figure of their source line (verbatim, or in the localised form
when `--figures localise`) and every quote; summaries may only hold figures that the article
has and quotes that the article (in that language) has word for word.
"""

from __future__ import annotations

from typing import Any

from newsbrief.article import ArticleResult
from newsbrief.fidelity.glossary import TermUse, missing_term
from newsbrief.fidelity.guard import GuardPolicy, expected_figures
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.fidelity.provenance import trace
from newsbrief.fidelity.quote_meaning import changed_quotes, quote_changed, translated_quotes
from newsbrief.text.figures import compare_figures, figures_in, in_figures
from newsbrief.text.quotes import is_quoted
from newsbrief.text.segmenting import sentences_of
from newsbrief.text.spans import find_spans, line_quotes, line_spans, quotes_of

Record = dict[str, Any]


def verify_translation(
    source_lines: list[str],
    output_lines: list[str],
    source_lang: str,
    target_lang: str,
    policy: GuardPolicy,
    flags: dict[int, list[str]],
    checks: OutputChecks | None = None,
    guard_flags: dict[int, list[str]] | None = None,
    readings: dict[int, dict[str, str]] | None = None,
) -> Record:
    """Figures and quotes of each source line against its translation, the output checks
    (loops, length, a cut, the language) and the glossary's terms; findings are added to
    `flags[line index]` so alignment.jsonl shows them too. `guard_flags`: what the guard did to
    each line (default: `flags` as given, which in a run holds them; `check` reads them back
    from alignment.jsonl), from which a term found by re-search is told. `readings`: each
    line's translated quotes read back into the source's language (generation/quote_reading.py),
    compared with the source's quotes (fidelity/quote_meaning.py)."""
    checks = checks or OutputChecks()
    guard_flags = {i: list(f) for i, f in flags.items()} if guard_flags is None else guard_flags
    figures: Record = {"total": 0, "kept": 0, "changed": [], "missing": [], "invented": []}
    quotes: Record = {"total": 0, "kept": 0, "lost": [], "added": [], "read_back": 0, "changed": []}
    problems: list[Record] = []
    terms: Record = {"total": 0, "kept": 0, "re_searched": 0, "missing": []}
    spans_of = line_spans(source_lines)
    # Quotes over the output's own paragraphs too: a quote that runs on is unclosed in a line.
    output_spans = line_spans(output_lines)
    for index, (source, output) in enumerate(zip(source_lines, output_lines, strict=True)):
        if not source:
            continue
        found: list[str] = []
        expected = expected_figures(source, source_lang, target_lang, policy)
        comparison = compare_figures(expected, output)
        figures["total"] += len(expected)
        figures["kept"] += len(comparison.kept)
        # A figure missing where another appeared (231 -> 239) reads best as one change.
        replaced = list(zip(comparison.missing, comparison.invented, strict=False))
        changed = [(*pair, True) for pair in comparison.changed] + [(*pair, False) for pair in replaced]
        for wanted, written, same_value in changed:
            figures["changed"].append(
                {"segment": index, "source": str(wanted), "output": str(written), "same_value": same_value}
            )
            found.append(f"figure changed: {wanted} → {written}")
        for figure in comparison.missing[len(replaced) :]:
            figures["missing"].append({"segment": index, "figure": str(figure)})
            found.append(f"figure missing: {figure}")
        for figure in comparison.invented[len(replaced) :]:
            figures["invented"].append({"segment": index, "figure": str(figure)})
            found.append(f"figure not in source: {figure}")
        source_quotes, output_quotes = quotes_of(spans_of[index]), quotes_of(output_spans[index])
        kept = min(len(source_quotes), len(output_quotes))
        quotes["total"] += len(source_quotes)
        quotes["kept"] += kept
        for quote in source_quotes[kept:]:
            quotes["lost"].append({"segment": index, "quote": quote})
            found.append(f"quote lost: {_short(quote)}")
        for quote in output_quotes[kept:]:  # a model that puts words in someone's mouth
            quotes["added"].append({"segment": index, "quote": quote})
            found.append(f"quote added: {_short(quote)}")
        # A quote edited by hand since the run was read back as it was then: not compared.
        written_now = translated_quotes(source, output)
        read = {quote: r for quote, r in (readings or {}).get(index, {}).items() if quote in written_now}
        quotes["read_back"] += len(read)
        for written, reading, score in changed_quotes(source, read):
            quotes["changed"].append(
                {"segment": index, "quote": written, "reads_back_as": reading, "agreement": score}
            )
            found.append(quote_changed(written, reading))
        for problem in checks.problems(source, output, target_lang):
            problems.append({"segment": index, "problem": problem})
            found.append(problem)
        if checks.glossary:
            found += _verify_terms(
                terms,
                index,
                checks.glossary.uses(source, source_lang, target_lang),
                output,
                target_lang,
                guard_flags.get(index, []),
            )
        if found:
            flags.setdefault(index, []).extend(f for f in found if f not in flags.get(index, []))
    source_chars = sum(len(line) for line in source_lines)
    record = {
        "figures": figures,
        "quotes": quotes,
        "problems": problems,
        "flagged_segments": [{"segment": i, "flags": f} for i, f in sorted(flags.items()) if f],
        "length_ratio": round(sum(len(line) for line in output_lines) / max(1, source_chars), 3),
    }
    return {**record, "glossary": terms} if checks.glossary else record


def _verify_terms(
    terms: Record, index: int, uses: list[TermUse], output: str, target_lang: str, guard_flags: list[str]
) -> list[str]:
    """Count the line's glossary terms into `terms`; the flags of those its translation misses.
    A term is re-searched when the guard took a beam candidate because the best one missed it."""
    found = []
    for use in uses:
        terms["total"] += 1
        if not use.found_in(output, target_lang):
            terms["missing"].append({"segment": index, "term": use.label})
            found.append(missing_term(use.label))
            continue
        terms["kept"] += 1
        if any(flag.startswith("beam candidate") and missing_term(use.label) in flag for flag in guard_flags):
            terms["re_searched"] += 1
    return found


def verify_summary(
    summary: str,
    article_texts: list[str],
    repairs: list[str] | None = None,
    lang: str = "",
    checks: OutputChecks | None = None,
    traced_in: list[str] | None = None,
) -> Record:
    """`article_texts`: the article in the summary's language first, then in its source language.
    Quotes must be verbatim in the first; figures must occur in one of them; the summary must be
    in `lang` (when checks can tell languages). `traced_in`: the article's lines (one per
    segment) in the summary's language, when it has them: each summary sentence is traced to
    its sources there (fidelity/provenance.py), and one with none is unsupported."""
    spans = find_spans(summary)
    summary_figures, summary_quotes = figures_in(summary, spans), quotes_of(spans)
    article_figures = [f for text in article_texts for line in text.split("\n") for f in figures_in(line)]
    not_in_article = [str(f) for f in summary_figures if not in_figures(f, article_figures)]
    article_quotes = line_quotes(article_texts[0].split("\n"))
    not_verbatim = [q for q in summary_quotes if not is_quoted(q, article_quotes)]
    sentences = sentences_of(summary, lang or "en")
    traced = trace(sentences, traced_in) if traced_in is not None else []
    checks = checks or OutputChecks()
    language = [p for p in [checks.language_problem(summary, lang)] if p]
    # Each sentence as the summary guard judged it (one kept as written when nothing else was
    # left); its language only when the whole summary reads right (else that is said once).
    judged = [(s, checks.sentence_problem(s, "" if language else lang)) for s in sentences]
    wrong = [f"{problem}: {sentence[:60]}" for sentence, problem in judged if problem]
    return {
        "figures": {"total": len(summary_figures), "not_in_article": not_in_article},
        "quotes": {"total": len(summary_quotes), "not_verbatim": not_verbatim},
        "repairs": list(repairs or []),
        "empty": not summary.strip(),
        "problems": [*language, *wrong],
        "sentences": [t.as_record() for t in traced],
        "unsupported": [t.text for t in traced if not t.supported],
    }


def totals(translations: dict[str, Record], summaries: dict[str, Record]) -> Record:
    """The figures a run table and a cron alert need, summed over an article's outputs."""
    figures = [r["figures"] for r in translations.values()]
    quotes = [r["quotes"] for r in translations.values()]
    summary_problems = sum(
        len(r["figures"]["not_in_article"])
        + len(r["quotes"]["not_verbatim"])
        + int(r["empty"])
        + len(r.get("problems", []))
        + len(r.get("unsupported", []))
        for r in summaries.values()
    )
    glossaries = [r["glossary"] for r in translations.values() if "glossary" in r]
    result = {
        "figures_total": sum(f["total"] for f in figures),
        "figures_kept": sum(f["kept"] for f in figures),
        "figures_changed": sum(len(f["changed"]) for f in figures),
        "figures_missing": sum(len(f["missing"]) for f in figures),
        "figures_invented": sum(len(f["invented"]) for f in figures),
        "quotes_total": sum(q["total"] for q in quotes),
        "quotes_kept": sum(q["kept"] for q in quotes),
        "quotes_added": sum(len(q.get("added", [])) for q in quotes),
        "quotes_changed": sum(len(q.get("changed", [])) for q in quotes),
        "output_problems": sum(len(r.get("problems", [])) for r in translations.values()),
        "flagged_segments": sum(len(r["flagged_segments"]) for r in translations.values()),
        "summary_problems": summary_problems,
        "summary_repairs": sum(len(r["repairs"]) for r in summaries.values()),
    }
    if glossaries:  # a run with a glossary (fidelity/glossary.py)
        result["terms_total"] = sum(g["total"] for g in glossaries)
        result["terms_kept"] = sum(g["kept"] for g in glossaries)
        result["terms_re_searched"] = sum(g["re_searched"] for g in glossaries)
        result["terms_missing"] = sum(len(g["missing"]) for g in glossaries)
    result["flagged"] = bool(
        result.get("terms_missing", 0)
        + result["figures_changed"]
        + result["figures_missing"]
        + result["figures_invented"]
        + result["quotes_total"]
        - result["quotes_kept"]
        + result["quotes_added"]
        + result["quotes_changed"]
        + result["output_problems"]
        + summary_problems
    )
    return result


def unsupported_problem(sentence: str) -> str:
    return f"sentence with no source in the article: {_short(sentence)}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def verify_article(result: ArticleResult, policy: GuardPolicy, checks: OutputChecks | None = None) -> Record:
    """The fidelity record of a finished article; flags what it finds on the segments
    (`result.flags`), so alignment.jsonl shows them too."""
    doc = result.doc
    source = result.lines[doc.lang]
    translations = {
        lang: verify_translation(
            source,
            lines,
            doc.lang,
            lang,
            policy,
            result.flags.setdefault(lang, {}),
            checks,
            readings=result.quote_readings.get(lang, {}),
        )
        for lang, lines in result.lines.items()
        if lang != doc.lang
    }
    texts = {lang: " ".join(sentences) for lang, sentences in result.summaries.items()}
    summaries = {
        lang: verify_summary(
            texts[lang],
            article_texts(result, lang),
            result.summary_repairs.get(lang),
            lang,
            checks,
            result.lines.get(lang),
        )
        for lang in result.summaries
    }
    flag_identical_summaries(texts, summaries)
    return {"translations": translations, "summaries": summaries, "totals": totals(translations, summaries)}


def flag_identical_summaries(texts: dict[str, str], summaries: dict[str, Record]) -> None:
    """A summary that is word for word another language's was not written or translated."""
    for lang, text in texts.items():
        for other, other_text in texts.items():
            if other != lang and text.strip() and text.strip() == other_text.strip():
                summaries[lang]["problems"].append(f"identical to the {other} summary")


def article_texts(result: ArticleResult, lang: str) -> list[str]:
    """The article in `lang` (its translation, or the source), then in its source language."""
    source = "\n".join(result.lines[result.doc.lang])
    return ["\n".join(result.lines[lang]) if lang in result.lines else source, source]
