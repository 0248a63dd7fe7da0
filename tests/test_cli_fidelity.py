"""The fidelity promise end to end: on the corpus, nothing changed or lost goes unreported, and
`newsbrief check` recomputes the record from the files alone."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from support.corpus import ARTICLES, is_article_folder
from typer.testing import CliRunner

from newsbrief.cli import EXIT_FLAGGED, EXIT_OK, app
from newsbrief.text.figures import figures_in
from newsbrief.text.spans import figures_of, find_spans, line_spans, quotes_of

runner = CliRunner()


def invoke(*args: str | Path):
    return runner.invoke(app, list(map(str, args)), catch_exceptions=False)


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory, tiny_config: Path) -> Path:
    out = tmp_path_factory.mktemp("fidelity") / "out"
    result = invoke("run", ARTICLES, "--out", out, "--config", tiny_config)
    assert result.exit_code == EXIT_OK, result.output
    assert "figures kept" in result.output and "flagged" in result.output
    return out


def contains_figure(text: str, figure: str) -> bool:
    """Verbatim, and not as part of a longer number (12,4 is not kept by 112,45)."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d]|[.,]\d)", text) is not None


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def test_no_lost_figure_or_quote_goes_unreported(corpus_run: Path) -> None:
    """An oracle independent of verifying.py: every source figure not verbatim in its line's
    translation, every quote lost, every summary figure or quote not in the article, must be in
    the article's fidelity record."""
    for folder in sorted(p for p in corpus_run.iterdir() if is_article_folder(p)):
        record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
        fidelity = record["fidelity"]
        source = lines_of(folder / f"source.{record['language']}.txt")
        for lang, translation in fidelity["translations"].items():
            lines = lines_of(folder / f"translation.{lang}.txt")
            reported = {(m["segment"], m["figure"]) for m in translation["figures"]["missing"]}
            reported |= {(c["segment"], c["source"]) for c in translation["figures"]["changed"]}
            for i, (src, out) in enumerate(zip(source, lines, strict=True)):
                for figure in figures_in(src):  # a figure is reported with its scale word
                    if not contains_figure(out, figure.text):
                        assert (i, str(figure)) in reported, (folder.name, lang, i, figure)
            lost = {(q["segment"], q["quote"]) for q in translation["quotes"]["lost"]}
            for i, spans in enumerate(line_spans(source)):
                missing_quotes = len(quotes_of(spans)) - len(quotes_of(find_spans(lines[i])))
                if missing_quotes > 0:
                    assert len([q for q in lost if q[0] == i]) == missing_quotes, (folder.name, lang, i)
        for lang, summary in fidelity["summaries"].items():
            body = (folder / f"summary.{lang}.md").read_text(encoding="utf-8").split("\n", 2)[-1]
            in_lang = folder / f"translation.{lang}.txt"
            texts = "\n".join(lines_of(in_lang) if in_lang.is_file() else source) + "\n" + "\n".join(source)
            for figure in figures_in(body):
                if not contains_figure(texts, figure.text):
                    assert str(figure) in summary["figures"]["not_in_article"], (folder.name, lang, figure)
        totals = fidelity["totals"]
        assert totals["figures_kept"] <= totals["figures_total"]


def test_check_recomputes_the_same_record_from_the_files(corpus_run: Path) -> None:
    result = invoke("check", corpus_run, "--json")
    checked = json.loads(result.stdout)
    for folder in sorted(p for p in corpus_run.iterdir() if is_article_folder(p)):
        stored = json.loads((folder / "article.json").read_text(encoding="utf-8"))["fidelity"]
        again = checked[folder.name]
        for key in ("figures_total", "figures_kept", "figures_changed", "figures_missing", "quotes_total"):
            assert again["totals"][key] == stored["totals"][key], (folder.name, key)
    flagged = any(c["totals"]["flagged"] for c in checked.values())
    assert result.exit_code == (EXIT_FLAGGED if flagged else EXIT_OK)


def test_check_reports_exactly_a_figure_changed_by_hand(corpus_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(corpus_run, out)
    translation = out / "uk-grain-exports" / "translation.en.txt"
    lines = lines_of(translation)
    source = lines_of(out / "uk-grain-exports" / "source.uk.txt")
    # First a line that keeps every figure (the source line itself), whatever the model wrote...
    index = next(i for i, line in enumerate(source) if "12,4" in figures_of(find_spans(line)))
    lines[index] = source[index]
    translation.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = set(invoke("check", out).stdout.splitlines())
    # ... then one figure of it changed by hand.
    lines[index] = lines[index].replace("12,4", "12,7", 1)
    translation.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("check", out)
    after = set(result.stdout.splitlines())
    assert after - before == {
        f"uk-grain-exports: translation.en.txt line {index + 1}: figure changed: 12,4 млн → 12,7 млн"
    }
    assert before - after == set()
    assert result.exit_code == EXIT_FLAGGED
