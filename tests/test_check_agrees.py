"""`newsbrief check` says what the record says (issue 34, item 5): run on every trained variant
with the guard as users run it (beam candidates searched), every flag and every note of each
article.json (a beam candidate taken, a figure's form repaired, a line copied, a summary
sentence dropped) is in `check --json` for the same line, and `check`'s text names each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.corpus import ARTICLES, ROOT, is_article_folder
from support.trained import NEWSMT_VARIANTS, variant_runs
from typer.testing import CliRunner

from newsbrief.cli import app
from newsbrief.fidelity.guard import is_note

QUOTES = sorted((ROOT / "tests" / "data" / "quotes").glob("*.txt"))


@pytest.fixture(scope="module")
def runs(trained_models: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    options = ["--to", "uk,en", "--summariser", "extractive"]
    return variant_runs(trained_models, tmp_path_factory.mktemp("agree"), ARTICLES, QUOTES, options, (0, 4))


def _by_segment(translation: dict) -> dict[int, list[str]]:
    return {entry["segment"]: entry["flags"] for entry in translation["flagged_segments"]}


@pytest.mark.parametrize("variant", NEWSMT_VARIANTS)
def test_check_holds_every_flag_and_note_of_the_record(runs: dict[str, Path], variant: str) -> None:
    out = runs[variant]
    checked = json.loads(CliRunner().invoke(app, ["check", str(out), "--json"]).stdout)
    lines = set(CliRunner().invoke(app, ["check", str(out)]).stdout.splitlines())
    notes = 0
    for folder in sorted(p for p in out.iterdir() if is_article_folder(p)):
        stored = json.loads((folder / "article.json").read_text(encoding="utf-8"))["fidelity"]
        again = checked[folder.name]
        for lang, translation in stored["translations"].items():
            assert _by_segment(again["translations"][lang]) == _by_segment(translation), (folder.name, lang)
            for segment, flags in _by_segment(translation).items():
                for flag in flags:
                    said = f"translation.{lang}.txt line {segment + 1}: {flag}"
                    assert f"{folder.name}: {'note: ' if is_note(flag) else ''}{said}" in lines, said
                    notes += flag.startswith(("beam candidate", "figures kept by beam"))
        for lang, summary in stored["summaries"].items():
            for key in ("repairs", "problems", "unsupported", "figures", "quotes", "empty"):
                assert again["summaries"][lang][key] == summary[key], (folder.name, lang, key)
        assert again["totals"] == stored["totals"], folder.name
    print(f"{variant}: {notes} beam-candidate notes, all in check")
