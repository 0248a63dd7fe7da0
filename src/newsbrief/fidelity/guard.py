"""What happens to a translation whose figures or quotes did not come through.

Order of remedies, cheapest first: put back the source form of a figure whose value the model
kept but whose form it changed (12.4 for 12,4); then look among the model's other beam
candidates for one that keeps every figure; then, when nothing works, keep the best candidate
or the source text, as the user chose. Every action leaves a flag on the segment: nothing is
changed silently. Reporting what is still wrong is fidelity/verify.py's job, on the final text.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from newsbrief.article import Span
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.fidelity.policy import GuardPolicy
from newsbrief.text.figures import Figure, compare_figures, figures_in, in_figures, localise, repair_forms
from newsbrief.text.quotes import is_quoted
from newsbrief.text.spans import find_spans, line_quotes, quotes_of

# What the translator and the guard did to a line: notes in alignment.jsonl and the record, which
# reading the text back cannot find again (fidelity/verify.py finds everything else), so `check`
# takes them from alignment.jsonl. Every note begins with one of NOTE_BEGINNINGS.
COPIED = "already in target language; copied"
IN_PARTS = "longer than the model's window: translated in parts"
NOTHING_RETURNED = "model returned nothing: source text kept"
SOURCE_KEPT = "figures could not be verified: source text kept"
BEST_KEPT = "figures could not be verified: best candidate kept (unverified)"
NOTE_BEGINNINGS = (
    COPIED,
    IN_PARTS,
    NOTHING_RETURNED,
    "figures could not be verified",
    "figures kept by beam candidate ",
    "beam candidate ",
    "figure form repaired: ",
    "quote runs over several lines",
    "quotes not paired ",
    "quotes in the original language ",
)


def is_note(flag: str) -> bool:
    return flag.startswith(NOTE_BEGINNINGS)


# The summary guard's last repair when it dropped every sentence, each for failing the checks
# (the checks failed follow it); the summary's files then say there is none, and why.
NOTHING_LEFT = "every sentence was dropped"
# How close a summary's quote must be to one of the article's to be replaced by it.
QUOTE_SIMILARITY = 0.6
# What is wrong with a text as a segment's translation, besides its figures (fidelity/output_checks.py).
ProblemsOf = Callable[[str], list[str]]


@dataclass
class Guarded:
    text: str
    flags: list[str] = field(default_factory=list)


def expected_figures(source: str, source_lang: str, target_lang: str, policy: GuardPolicy) -> list[Figure]:
    """The figures a translation of `source` must contain, in the form it must contain them (a
    scale word may be translated, but its scale must stay)."""
    figures = figures_in(source)
    if policy.figures == "localise":
        return [Figure(localise(f.text, source_lang, target_lang), f.scale) for f in figures]
    return figures


def needs_candidates(output: str, expected: list[Figure], problems: ProblemsOf = lambda text: []) -> bool:
    """Whether the first translation loses a figure even after its forms are repaired, or has
    another problem (a loop, a cut, the wrong language: fidelity/output_checks.py)."""
    return bool(_shortcomings(_with_forms_repaired(output, expected).text, expected, problems))


def guard_translation(
    source: str,
    output: str,
    expected: list[Figure],
    candidates: list[str],
    policy: GuardPolicy,
    problems: ProblemsOf = lambda text: [],
) -> Guarded:
    """The translation to keep for one segment, with a flag for every action taken.
    `candidates`: the model's other beams, best first (empty when not needed or not possible);
    `problems`: what else is wrong with a text as this segment's translation (fidelity/output_checks.py). The
    first text that keeps every figure and has no problem is taken."""
    result = _with_forms_repaired(output, expected)
    wrong = _shortcomings(result.text, expected, problems)
    if not wrong:
        return result
    for rank, candidate in enumerate(candidates, start=1):
        repaired = _with_forms_repaired(candidate, expected)
        if not _shortcomings(repaired.text, expected, problems):
            return Guarded(repaired.text, [*repaired.flags, _taken_instead(rank, wrong)])
    if expected and compare_figures(expected, result.text).missing:
        if policy.unverified == "source":
            return Guarded(source, [*result.flags, SOURCE_KEPT])
        result.flags.append(BEST_KEPT)
    return result  # what is still wrong is flagged by fidelity/verify.py, on the final text


def _shortcomings(text: str, expected: list[Figure], problems: ProblemsOf) -> list[str]:
    missing = ["figures missing"] if expected and compare_figures(expected, text).missing else []
    return [*missing, *problems(text)]


def _taken_instead(rank: int, wrong: list[str]) -> str:
    if wrong == ["figures missing"]:
        return f"figures kept by beam candidate {rank}"
    return f"beam candidate {rank} taken: the best one had {'; '.join(wrong)}"


def _with_forms_repaired(output: str, expected: list[Figure]) -> Guarded:
    changed = compare_figures(expected, output).changed
    if not changed:
        return Guarded(output)
    flags = [f"figure form repaired: {out.text} → {src.text}" for src, out in changed]
    return Guarded(repair_forms(output, changed), flags)


def apply_quote_mode(
    source: str, output: str, mode: str, article_quotes: list[Span] | None = None
) -> Guarded:
    """`original`: the translated quotes replaced by the source's words; `both`: the source's
    words added in brackets after each translated quote. Quotes are paired in order, and only
    when the translation has as many quotes as the source (otherwise flagged, left as is).
    `article_quotes`: the segment's quotes as found over the whole article; a piece of a quote
    that runs over several lines cannot be paired within the line, and is flagged."""
    source_quotes = [s for s in find_spans(source) if s.kind == "quote"]
    if mode == "translated" or not (source_quotes or article_quotes):
        return Guarded(output)
    if article_quotes is not None and [q.text for q in article_quotes] != [q.text for q in source_quotes]:
        return Guarded(output, [f"quote runs over several lines: left translated, not {mode}"])
    output_quotes = [s for s in find_spans(output) if s.kind == "quote"]
    if len(output_quotes) != len(source_quotes):
        return Guarded(
            output, [f"quotes not paired ({len(source_quotes)} in source, {len(output_quotes)} here)"]
        )
    text = output
    for translated, original in reversed(list(zip(output_quotes, source_quotes, strict=True))):
        if mode == "original":
            text = text[: translated.start] + original.text + text[translated.end :]
        else:
            opening, closing = source[original.start - 1], source[original.end]
            after = translated.end + 1  # past the closing mark
            text = f"{text[:after]} ({opening}{original.text}{closing}){text[after:]}"
    return Guarded(text, [f"quotes in the original language ({mode})"])


def guard_summary(
    sentences: list[str], article_texts: list[str], lang: str = "", checks: OutputChecks | None = None
) -> tuple[list[str], list[str]]:
    """Repairs a summary: a figure written in another form than the article's gets the
    article's form, a paraphrased quote is replaced by the article's own words, and a sentence
    with a figure or a quote that is not in the article at all is dropped. `article_texts`: the
    article in the summary's language first (quotes must be verbatim there), then its source.
    A sentence that fails the output checks a translated line gets (a loop, too short or long to
    be a sentence, not in `lang`: OutputChecks.sentence_problem), or repeats one kept before it,
    is dropped too. Returns the sentences to keep and what was done. When no sentence would be
    left, those dropped for a figure or a quote are kept as written and say so (the fidelity
    record then flags them: a reader can judge them); sentences that failed the output checks
    are never kept, and with nothing else the summary is empty (NOTHING_LEFT), which its files
    say (output/folder.py)."""
    checks = checks or OutputChecks()
    lines = [line for text in article_texts for line in text.split("\n")]
    article_figures = [f for line in lines for f in figures_in(line)]
    article_quotes = line_quotes(article_texts[0].split("\n"))
    kept: list[str] = []
    repairs: list[str] = []
    unrepaired: list[str] = []  # dropped for a figure or a quote: kept if nothing else is left
    failed: dict[str, None] = {}  # the output checks failed, each once
    for sentence in sentences:
        wrong = checks.sentence_problem(sentence, lang)
        if not wrong and " ".join(sentence.split()) in [" ".join(s.split()) for s in kept]:
            wrong = "repeats an earlier sentence"
        if wrong:
            repairs.append(f"sentence dropped: {wrong}: {sentence[:60]}")
            failed[wrong] = None
            continue
        repaired, problem = _repair_sentence(sentence, article_figures, article_quotes, repairs)
        if problem:
            repairs.append(f"sentence dropped: {problem}")
            unrepaired.append(sentence)
        else:
            kept.append(repaired)
    if sentences and not kept and unrepaired:
        return unrepaired, [*repairs, "could not be repaired: no sentence was left, so it is kept as written"]
    if sentences and not kept:
        return [], [*repairs, f"{NOTHING_LEFT}: {'; '.join(failed)}"]
    return kept, repairs


def _repair_sentence(
    sentence: str,
    article_figures: list[Figure],
    article_quotes: list[str],
    repairs: list[str],
) -> tuple[str, str]:
    """The sentence with forms and quotes repaired, or a reason to drop it."""
    for figure in figures_in(sentence):
        if in_figures(figure, article_figures):
            continue
        same = next((f for f in article_figures if f.same_value(figure)), None)
        if same is None:
            return sentence, f"figure {figure} is not in the article"
        sentence = repair_forms(sentence, [(same, figure)])
        repairs.append(f"figure form: {figure.text} → {same.text}")
    for quote in quotes_of(find_spans(sentence)):
        if is_quoted(quote, article_quotes):
            continue
        closest = difflib.get_close_matches(quote, article_quotes, n=1, cutoff=QUOTE_SIMILARITY)
        if not closest:
            return sentence, f"quote not in the article: {quote[:60]}"
        sentence = sentence.replace(quote, closest[0], 1)
        repairs.append(f"quote replaced by the article's words: {quote[:60]}")
    return sentence, ""
