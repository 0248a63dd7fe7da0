"""End to end through the real CLI, with tiny real models loaded from disk like any user's."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from support.corpus import ARTICLES, BAD, expected_for, input_folder, is_article_folder
from typer.testing import CliRunner

from newsbrief.cli import EXIT_ARTICLES_FAILED, EXIT_MODEL_UNAVAILABLE, EXIT_OK, EXIT_USAGE, app

runner = CliRunner()


def run_cli(*args: str | Path):
    return runner.invoke(app, ["run", *map(str, args)], catch_exceptions=False)


def manifest_rows(out: Path) -> dict[str, tuple[str, str]]:
    db = sqlite3.connect(out / "manifest.sqlite")
    rows = db.execute("SELECT source_path, status, error FROM articles").fetchall()
    return {Path(p).name: (status, error) for p, status, error in rows}


@pytest.fixture(scope="module")
def articles_run(tmp_path_factory: pytest.TempPathFactory, tiny_config: Path):
    """One run over a copy of the corpus articles, shared by the tests that read its output."""
    base = tmp_path_factory.mktemp("articles")
    source = base / "in"
    shutil.copytree(ARTICLES, source)
    out = base / "out"
    result = run_cli(source, "--out", out, "--to", "uk,en", "--config", tiny_config)
    return source, out, result


def article_dirs(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if is_article_folder(p))


def test_run_succeeds_with_a_summary_table(articles_run) -> None:
    _, out, result = articles_run
    assert result.exit_code == EXIT_OK, result.output
    assert "done" in result.output and "words translated" in result.output
    assert "━" in result.output  # the table
    assert "translating" not in result.output  # no progress bar when stdout is not a terminal
    assert len(article_dirs(out)) == 10
    assert set(manifest_rows(out).values()) == {("done", "")}


def test_every_article_has_every_file(articles_run) -> None:
    _source, out, _ = articles_run
    for folder in article_dirs(out):
        record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
        lang = record["language"]
        expected_translations = {"uk", "en"} - {lang}
        names = {p.name for p in folder.iterdir()}
        assert names == {
            f"source.{lang}.txt",
            *(f"translation.{t}.txt" for t in expected_translations),
            "summary.uk.md",
            "summary.en.md",
            "alignment.jsonl",
            "article.json",
        }, folder.name
        for summary in ("summary.uk.md", "summary.en.md"):
            assert (folder / summary).read_text(encoding="utf-8").strip()


def test_translations_are_line_aligned_with_the_source(articles_run) -> None:
    _, out, _ = articles_run
    for folder in article_dirs(out):
        source_file = next(folder.glob("source.*.txt"))
        source_lines = source_file.read_text(encoding="utf-8").split("\n")
        for translation in folder.glob("translation.*.txt"):
            lines = translation.read_text(encoding="utf-8").split("\n")
            assert len(lines) == len(source_lines), translation
            for original, translated in zip(source_lines, lines, strict=True):
                assert (original == "") == (translated == ""), translation
        alignment = [json.loads(line) for line in (folder / "alignment.jsonl").open(encoding="utf-8")]
        assert [r["line"] for r in alignment] == [n + 1 for n, line in enumerate(source_lines[:-1]) if line]
        texts = {
            f.name.split(".")[1]: f.read_text(encoding="utf-8").split("\n")
            for f in (source_file, *folder.glob("translation.*.txt"))
        }
        for record in alignment:
            for lang, lines in texts.items():
                assert record["text"][lang] == lines[record["line"] - 1]


def test_titles_metadata_and_languages_match_expected(articles_run) -> None:
    _source, out, _ = articles_run
    by_source = {}
    for folder in article_dirs(out):
        record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
        by_source[Path(record["source"]["path"]).name] = (folder, record)
    for path in sorted(ARTICLES.iterdir()):
        if path.name.endswith(".expected.json"):
            continue
        expected = expected_for(path)
        folder, record = by_source[path.name]
        assert record["title"] == expected["title"]
        assert record["language"] == expected["lang"]
        for key, value in expected.get("metadata", {}).items():
            assert record["metadata"][key] == value
        first_line = (folder / f"source.{expected['lang']}.txt").read_text(encoding="utf-8")
        assert first_line.split("\n")[0] == expected["title"]


def test_cp1251_article_is_written_as_utf8(articles_run) -> None:
    _, out, _ = articles_run
    folder = out / "uk-min-wage.cp1251"
    text = (folder / "source.uk.txt").read_text(encoding="utf-8")
    assert "Кабмін підвищив мінімальну зарплату до 8 000 гривень" in text
    assert json.loads((folder / "article.json").read_text())["source"]["encoding"] == "cp1251"


def test_long_article_is_summarised_whole_in_chunks(articles_run) -> None:
    _, out, _ = articles_run
    record = json.loads((out / "en-black-sea-corridor-long" / "article.json").read_text())
    assert record["summariser"]["strategy"] == "seq2seq"
    assert record["summariser"]["chunks"] >= 2
    assert record["summaries"]["uk"]["written_by"].startswith("projected from en")


def test_english_quote_is_copied_not_translated_as_ukrainian(articles_run) -> None:
    _, out, _ = articles_run
    records = [json.loads(line) for line in (out / "uk-mixed-quote-en" / "alignment.jsonl").open()]
    quote = next(r for r in records if r["lang"] == "en")
    assert quote["text"]["en"] == quote["text"]["uk"]
    assert any("copied" in flag for flag in quote["flags"]["en"])


def test_second_run_does_nothing_and_says_so(articles_run, tiny_config: Path) -> None:
    source, out, _ = articles_run

    def outputs() -> dict[Path, int]:
        """Every article file; not the run's bookkeeping (the manifest, the lock)."""
        return {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.parent != out}

    before = outputs()
    result = run_cli(source, "--out", out, "--to", "uk,en", "--config", tiny_config)
    assert result.exit_code == EXIT_OK, result.output
    assert " 10 up-to-date," in result.output
    assert outputs() == before  # the review pages too
    articles = [p for p in before if is_article_folder(p.parent)]
    assert len(articles) == 61  # 10 articles of 6 files, the Russian one with 2 translations


def test_changed_source_or_option_reruns(articles_run, tiny_config: Path, tmp_path: Path) -> None:
    source, _, _ = articles_run
    work = tmp_path / "in"
    shutil.copytree(source, work)
    out2 = tmp_path / "out"
    first = run_cli(work, "--out", out2, "--to", "uk,en", "--config", tiny_config)
    assert first.exit_code == EXIT_OK
    again = run_cli(work, "--out", out2, "--to", "uk,en", "--config", tiny_config)
    assert " 10 up-to-date," in again.output
    (work / "uk-drones.json").write_text(
        (work / "uk-drones.json").read_text(encoding="utf-8").replace("30 дронів", "31 дрон"),
        encoding="utf-8",
    )
    changed = run_cli(work, "--out", out2, "--to", "uk,en", "--config", tiny_config)
    assert " 9 up-to-date," in changed.output
    assert "31 дрон" in (out2 / "uk-drones" / "source.uk.txt").read_text(encoding="utf-8")
    option = run_cli(work, "--out", out2, "--to", "uk,en", "--config", tiny_config, "--beams", "1")
    assert option.exit_code == EXIT_OK
    assert " 0 up-to-date," in option.output
    record = json.loads((out2 / "uk-drones" / "article.json").read_text())
    assert record["settings"]["num_beams"] == 1


def test_bad_inputs_each_get_their_outcome(tmp_path: Path, tiny_config: Path) -> None:
    source = tmp_path / "bad"
    shutil.copytree(BAD, source, ignore=shutil.ignore_patterns("README.md"))
    out = tmp_path / "out"
    result = run_cli(source, "--out", out, "--config", tiny_config)
    assert result.exit_code == EXIT_ARTICLES_FAILED
    rows = manifest_rows(out)
    expected = {
        "empty.txt": ("skipped", "empty"),
        "whitespace-only.txt": ("skipped", "empty"),
        "binary-garbage.txt": ("skipped", "not text"),
        "png-renamed.txt": ("skipped", "not text"),
        "unsupported-language-ja.txt": ("skipped", "no model for ja→uk/en"),
        "truncated.json": ("failed", "invalid JSON"),
        "json-no-body.json": ("failed", "missing field 'body'"),
        "bom-crlf.txt": ("done", ""),
        "huge-single-line.txt": ("done", ""),
        "mojibake.txt": ("done", ""),
        "invalid-utf8-byte.txt": ("done", ""),
        "Новини 2023 (копія).txt": ("done", ""),
    }
    assert set(rows) == set(expected)
    for name, (status, reason) in expected.items():
        assert rows[name][0] == status, name
        assert reason in rows[name][1], name
        if status != "done":
            assert f"{status}: {source / name}: " in result.output
    for folder in (p for p in out.iterdir() if is_article_folder(p)):
        assert all(c.isalnum() or c in "-." for c in folder.name), folder.name
        for file in folder.iterdir():
            data = file.read_bytes()
            assert b"\r" not in data and b"\xef\xbb\xbf" not in data, file
    assert (out / "новини-2023-копія" / "source.uk.txt").is_file()
    huge_words = (BAD / "huge-single-line.txt").read_text(encoding="utf-8").split()
    written = (out / "huge-single-line" / "source.uk.txt").read_text(encoding="utf-8").split()
    assert written == huge_words  # nothing truncated
    warnings = json.loads((out / "invalid-utf8-byte" / "article.json").read_text())["warnings"]
    assert any("invalid UTF-8" in w for w in warnings)


def test_extractive_summary_is_made_of_article_sentences(tmp_path: Path, tiny_config: Path) -> None:
    source = input_folder(tmp_path, "uk-grain-exports.txt")
    out = tmp_path / "out"
    result = run_cli(source, "--out", out, "--config", tiny_config, "--summariser", "extractive")
    assert result.exit_code == EXIT_OK, result.output
    folder = out / "uk-grain-exports"
    record = json.loads((folder / "article.json").read_text())
    assert record["summariser"]["strategy"] == "extractive"
    source_lines = set((folder / "source.uk.txt").read_text(encoding="utf-8").splitlines())
    summary = (folder / "summary.uk.md").read_text(encoding="utf-8").split("\n\n", 1)[1]
    picked = [line for line in source_lines if line and line in summary]
    assert len(picked) >= 2
    assert "«Попри постійні обстріли" in summary or "12,4 млн" in summary


def test_missing_model_is_a_clear_error(tmp_path: Path, tiny_config: Path) -> None:
    source = input_folder(tmp_path, "uk-grain-exports.txt")
    result = run_cli(
        source,
        "--out",
        tmp_path / "out",
        "--config",
        tiny_config,
        "--model",
        "uk-en=Helsinki-NLP/opus-mt-uk-en",
    )
    assert result.exit_code == EXIT_MODEL_UNAVAILABLE
    assert "Helsinki-NLP/opus-mt-uk-en" in result.output
    assert "newsbrief models fetch" in result.output
    assert not (tmp_path / "out").exists()  # it made the folder and took it back


def test_a_run_that_stops_before_its_first_article_leaves_the_output_folder_as_it_found_it(
    tmp_path: Path, tiny_config: Path
) -> None:
    """A fresh folder is taken back whole (no lock, ledger or review folder left); a folder that
    held an earlier run's articles keeps them, and its ledger records the stopped run."""
    source, out = input_folder(tmp_path, "uk-grain-exports.txt"), tmp_path / "out"
    stopped = run_cli(source, "--out", out, "--config", tiny_config, "-m", "uk-en=Helsinki-NLP/opus-mt-uk-en")
    assert stopped.exit_code == EXIT_MODEL_UNAVAILABLE
    assert not out.exists()
    assert run_cli(source, "--out", out, "--config", tiny_config).exit_code in (EXIT_OK, 4)
    input_folder(tmp_path, "ru-sanctions-trade.txt")  # added to the same folder
    stopped = run_cli(source, "--out", out, "--config", tiny_config, "-m", "ru-en=Helsinki-NLP/opus-mt-ru-en")
    assert stopped.exit_code == EXIT_MODEL_UNAVAILABLE
    assert (out / "uk-grain-exports" / "article.json").is_file()
    runs = sqlite3.connect(out / "manifest.sqlite").execute("SELECT count(*) FROM runs").fetchone()[0]
    assert runs == 2


@pytest.mark.parametrize(
    "args",
    [
        ("/does/not/exist",),
        ("{src}", "--summariser", "magic"),
        ("{src}", "--to", "english"),
        ("{src}", "--model", "nonsense"),
    ],
)
def test_bad_usage_exits_with_the_usage_code(tmp_path: Path, args: tuple[str, ...]) -> None:
    filled = [a.format(src=tmp_path) for a in args]
    result = run_cli(*filled, "--out", tmp_path / "out")
    assert result.exit_code == EXIT_USAGE, result.output
    assert "newsbrief:" in result.output or "Usage" in result.output


def test_quiet_run_prints_only_failures(tmp_path: Path, tiny_config: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(BAD / "empty.txt", source)
    shutil.copy(BAD / "truncated.json", source)
    result = run_cli(source, "--out", tmp_path / "out", "--config", tiny_config, "--quiet")
    assert result.exit_code == EXIT_ARTICLES_FAILED
    assert "failed: " in result.output and "truncated.json" in result.output
    assert "empty.txt" not in result.output
    (source / "truncated.json").unlink()
    clean = run_cli(source, "--out", tmp_path / "out", "--config", tiny_config, "--quiet")
    assert clean.exit_code == EXIT_OK
    assert clean.output == ""


def test_version_is_a_flag_and_a_command() -> None:
    from newsbrief import __version__

    for args in (["--version"], ["version"]):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_OK, result.output
        assert result.output == f"newsbrief {__version__}\n"


def test_a_target_no_model_serves_is_refused_before_any_work(tmp_path: Path, tiny_config: Path) -> None:
    """--to de with no model for it and no fallback configured: exit 2 before the output folder
    is made, naming the pairs the configuration serves and how to add one."""
    source = input_folder(tmp_path, "en-imf-budget.md")
    result = run_cli(source, "--out", tmp_path / "out", "--config", tiny_config, "--to", "de")
    assert result.exit_code == EXIT_USAGE, result.output
    assert "no model translates en→de, ru→de, uk→de" in result.output
    assert "The configuration translates en→ru, en→uk, ru→en, ru→uk, uk→en, uk→ru." in result.output
    assert "-m en-de=MODEL" in result.output and "-m fallback=" in result.output
    assert not (tmp_path / "out").exists()  # no ledger, lock or review folder


def test_a_configured_fallback_takes_the_pairs_no_model_serves_and_the_run_says_so(
    tmp_path: Path, tiny_config: Path
) -> None:
    source = input_folder(tmp_path, "en-imf-budget.md")
    fallback = Path(tiny_config).parent / "marian-en-uk"
    result = run_cli(
        source,
        "--out",
        tmp_path / "out",
        "--config",
        tiny_config,
        "--to",
        "de",
        "--summariser",
        "extractive",
        "--summary-languages",
        "en",
        "-m",
        f"fallback={fallback}",
    )
    assert result.exit_code in (EXIT_OK, 4), result.output
    assert f"en→de, ru→de, uk→de: no model of their own; the fallback {fallback} translates them" in (
        " ".join(result.output.split())
    )
    assert (tmp_path / "out" / "en-imf-budget" / "translation.de.txt").is_file()


def test_a_model_the_hub_cannot_send_fails_in_seconds_with_one_message(
    tmp_path: Path, tiny_config: Path
) -> None:
    """Without HF_HUB_OFFLINE and with no hub: one request decides, not five retries over 25 s."""
    import time

    source = input_folder(tmp_path, "en-imf-budget.md")
    began = time.monotonic()
    result = runner.invoke(
        app,
        [
            "run",
            str(source),
            "--out",
            str(tmp_path / "out"),
            "-c",
            str(tiny_config),
            "-m",
            "en-uk=Helsinki-NLP/x-y",
        ],
        env={"HF_HUB_OFFLINE": "", "HF_ENDPOINT": "http://127.0.0.1:9"},  # nothing listens on port 9
    )
    assert result.exit_code == EXIT_MODEL_UNAVAILABLE, result.output
    assert time.monotonic() - began < 10
    assert "the hub (http://127.0.0.1:9) cannot be reached" in result.output
    assert "Retrying" not in result.output and result.output.count("newsbrief: model") == 1
