"""A hostile or broken wire folder, and an output folder that stops taking writes: each row of
README's table "Bad input and faults", through the real CLI in a subprocess (or CliRunner where
nothing is run), with the exit code, the stderr line and what is on disk afterwards.

The inputs live in tests/data/hostile/; what cannot live in git (symbolic links, a file too deep
for JSON, a UTF-16 file) is made here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.corpus import ARTICLES, ROOT, is_article_folder
from typer.testing import CliRunner

from newsbrief.cli import (
    EXIT_ARTICLES_FAILED,
    EXIT_DISK_FULL,
    EXIT_MODEL_UNAVAILABLE,
    EXIT_OK,
    EXIT_USAGE,
    app,
)
from newsbrief.input.ids import WINDOWS_RESERVED, slug_for

HOSTILE = ROOT / "tests" / "data" / "hostile"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
# Ukrainian articles into Ukrainian only, extractive summaries: no model is needed, so these runs
# take seconds and test reading, writing and the ledger alone.
NO_MODELS_UK = ("--to", "uk", "--summary-languages", "uk", "--summariser", "extractive")
NO_MODELS_EN = ("--to", "en", "--summary-languages", "en", "--summariser", "extractive")
runner = CliRunner()


def newsbrief(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "newsbrief", *map(str, args)]
    return subprocess.run(command, env=ENV, capture_output=True, text=True, cwd=cwd, timeout=600)


def assert_one_line_no_traceback(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The line of stderr that names every word, and no traceback anywhere."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if all(w in line for w in words)]
    assert len(lines) == 1, (words, result.stderr)
    return lines[0]


def folder_with(tmp_path: Path, *files: Path) -> Path:
    source = tmp_path / "in"
    source.mkdir(exist_ok=True)
    for file in files:
        shutil.copy(file, source)
    return source


def record_of(out: Path, article_id: str) -> dict:
    return json.loads((out / article_id / "article.json").read_text(encoding="utf-8"))


def every_output_text(out: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in out.rglob("*") if p.suffix in (".txt", ".html", ".md")
    )


# Row 1 -----------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_json_is_replaced_and_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    source = folder_with(tmp_path, HOSTILE / "uk-lone-surrogate.json", ARTICLES / "uk-grain-exports.txt")
    out = tmp_path / "out"
    result = newsbrief("run", source, "--out", out, *NO_MODELS_UK)
    assert result.returncode == EXIT_OK, result.stderr
    assert "Traceback" not in result.stderr
    record = record_of(out, "uk-lone-surrogate")
    assert any("1 lone surrogate(s)" in warning for warning in record["warnings"]), record["warnings"]
    text = (out / "uk-lone-surrogate" / "source.uk.txt").read_text(encoding="utf-8")
    assert "Міністерство енергетики \ufffd України" in text
    assert (out / "uk-grain-exports" / "article.json").is_file()
    status = newsbrief("status", out)
    assert status.stdout.startswith("articles: 2 done, 0 skipped, 0 failed"), status.stdout


def test_a_front_matter_date_that_is_no_date_is_kept_as_written(tmp_path: Path) -> None:
    """PyYAML turned `date: 2023-13-45` into a ValueError that ended the whole run."""
    source = folder_with(tmp_path, HOSTILE / "en-impossible-date.md")
    out = tmp_path / "out"
    result = newsbrief("run", source, "--out", out, *NO_MODELS_EN)
    assert result.returncode == EXIT_OK, result.stderr
    assert record_of(out, "en-impossible-date")["metadata"]["date"] == "2023-13-45"


def test_json_nested_too_deeply_fails_that_article_and_is_parked(tmp_path: Path) -> None:
    source = folder_with(tmp_path, ARTICLES / "uk-grain-exports.txt")
    (source / "deep.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    out = tmp_path / "out"
    first = newsbrief("run", source, "--out", out, *NO_MODELS_UK, "--max-attempts", "2")
    assert first.returncode == EXIT_ARTICLES_FAILED, first.stderr
    assert_one_line_no_traceback(first, "failed:", "deep.json", "nested too deeply")
    assert (out / "uk-grain-exports" / "article.json").is_file()
    second = newsbrief("run", source, "--out", out, *NO_MODELS_UK, "--max-attempts", "2")
    assert "parked" in assert_one_line_no_traceback(second, "deep.json")
    third = newsbrief("run", source, "--out", out, *NO_MODELS_UK, "--max-attempts", "2")
    assert third.returncode == EXIT_OK, third.stderr
    assert "1 parked" in newsbrief("status", out).stdout


# Row 2 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "placeholder", ["{article:>999999999}", "{article!r:>99999999}", "{article:{title.__class__}}"]
)
def test_a_template_with_a_conversion_or_format_spec_is_refused_before_any_work(
    placeholder: str, tmp_path: Path
) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    template = prompts / "summarise.en.md"
    template.write_text(template.read_text(encoding="utf-8").replace("{article}", placeholder), "utf-8")
    out = tmp_path / "out"
    args = ["run", str(ARTICLES), "--out", str(out), "--summariser", "instruct", "--prompts", str(prompts)]
    result = runner.invoke(app, [*args, "--summary-languages", "en"])
    assert result.exit_code == EXIT_USAGE, result.output
    assert str(template) in result.output and placeholder in result.output
    assert not out.exists()


# Rows 3 and 4 ----------------------------------------------------------------------------------


@pytest.fixture
def linked_folder(tmp_path: Path) -> tuple[Path, Path]:
    """An input folder with links out of it, a broken one, a loop and a pipe; and a secret
    outside it that must never reach an output."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("Секретний документ\n\nПароль від сервера: ЖОВТИЙ-ОРЕЛ-42.\n", encoding="utf-8")
    source = folder_with(tmp_path, ARTICLES / "uk-grain-exports.txt")
    (source / "leak.txt").symlink_to(secret)
    (source / "passwd.txt").symlink_to("/etc/passwd")
    (source / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    (source / "loop.txt").symlink_to(source / "loop.txt")
    (source / "desk").symlink_to(outside, target_is_directory=True)
    (source / "same.txt").symlink_to(source / "uk-grain-exports.txt")
    os.mkfifo(source / "pipe.txt")
    return source, secret


def test_links_out_of_the_folder_broken_links_loops_and_pipes_are_passed_over_with_a_line(
    linked_folder: tuple[Path, Path], tmp_path: Path
) -> None:
    source, secret = linked_folder
    out = tmp_path / "out"
    result = newsbrief("run", source, "--out", out, *NO_MODELS_UK)
    assert result.returncode == EXIT_OK, result.stderr
    assert "outside the input folder" in assert_one_line_no_traceback(result, "leak.txt")
    assert str(secret) in assert_one_line_no_traceback(result, "leak.txt")
    assert "outside the input folder" in assert_one_line_no_traceback(result, "passwd.txt")
    assert "broken symbolic link" in assert_one_line_no_traceback(result, "broken.txt")
    assert "loop" in assert_one_line_no_traceback(result, "loop.txt")
    assert "not followed" in assert_one_line_no_traceback(result, f"{source / 'desk'}:")
    assert "the same file as" in assert_one_line_no_traceback(result, "same.txt")
    assert "not a regular file" in assert_one_line_no_traceback(result, "pipe.txt")
    assert [p.name for p in out.iterdir() if is_article_folder(p)] == ["uk-grain-exports"]
    written = every_output_text(out)
    assert "ЖОВТИЙ-ОРЕЛ-42" not in written and "root:" not in written


def test_the_output_folder_inside_the_input_folder_is_never_read_back(tmp_path: Path) -> None:
    source = folder_with(tmp_path, ARTICLES / "uk-grain-exports.txt", ARTICLES / "uk-power-grid.txt")
    out = source / "briefs"
    other = source / "old-briefs"  # another newsbrief output folder, moved in by someone
    assert newsbrief("run", source, "--out", other, *NO_MODELS_UK).returncode == EXIT_OK
    for night in range(2):
        result = newsbrief("run", source, "--out", out, *NO_MODELS_UK)
        assert result.returncode == EXIT_OK, result.stderr
        assert sorted(p.name for p in out.iterdir() if is_article_folder(p)) == [
            "uk-grain-exports",
            "uk-power-grid",
        ], f"night {night}"
    assert "2 done, 0 skipped" in newsbrief("status", out).stdout


def test_the_output_folder_cannot_be_the_input_folder(tmp_path: Path) -> None:
    source = folder_with(tmp_path, ARTICLES / "uk-grain-exports.txt")
    result = newsbrief("run", source, "--out", source, *NO_MODELS_UK)
    assert result.returncode == EXIT_USAGE
    assert "is the input folder" in assert_one_line_no_traceback(result, "newsbrief:")
    assert sorted(p.name for p in source.iterdir()) == ["uk-grain-exports.txt"]


def test_names_that_are_not_utf8_are_passed_over_with_a_line_in_either_log(tmp_path: Path) -> None:
    source = folder_with(tmp_path, ARTICLES / "en-imf-budget.md")
    (source / os.fsdecode(b"caf\xe9.txt")).write_bytes((ARTICLES / "en-kirby-dprk-arms.txt").read_bytes())
    (source / os.fsdecode(b"d\xe9sk")).mkdir()
    out = tmp_path / "out"
    result = newsbrief("run", source, "--out", out, *NO_MODELS_EN)
    assert result.returncode == EXIT_OK, result.stderr
    assert "not valid UTF-8" in assert_one_line_no_traceback(result, "caf\\xe9.txt")
    assert "not valid UTF-8" in assert_one_line_no_traceback(result, "d\\xe9sk")
    logged = newsbrief("run", source, "--out", tmp_path / "json", *NO_MODELS_EN, "--log-format", "json")
    events = [json.loads(line) for line in logged.stdout.splitlines()]
    assert logged.returncode == EXIT_OK, logged.stderr
    assert events[0]["event"] == "start"
    assert [(e.get("source", "").split("/")[-1], e["state"]) for e in events[1:]] == [
        ("d\\xe9sk", "skipped"),
        ("caf\\xe9.txt", "skipped"),
        ("en-imf-budget.md", "done"),
        ("", "finished"),
    ]


def test_a_file_too_large_for_an_article_is_skipped_unread(tmp_path: Path) -> None:
    source = folder_with(tmp_path, ARTICLES / "uk-grain-exports.txt")
    (source / "dump.txt").write_bytes(b"x " * 1_500_000)
    config = tmp_path / "newsbrief.toml"
    config.write_text("max_file_mb = 1\n", encoding="utf-8")
    result = newsbrief("run", source, "--out", tmp_path / "out", "-c", config, *NO_MODELS_UK)
    assert result.returncode == EXIT_OK, result.stderr
    assert "too large for an article: 3 MB" in assert_one_line_no_traceback(result, "dump.txt")


# Row 5 -----------------------------------------------------------------------------------------


def test_text_with_a_few_control_characters_is_text_without_them(tmp_path: Path) -> None:
    source = folder_with(tmp_path, HOSTILE / "uk-control-characters.txt", HOSTILE / "uk-nul-in-json.json")
    out = tmp_path / "out"
    result = newsbrief("run", source, "--out", out, *NO_MODELS_UK)
    assert result.returncode == EXIT_OK, result.stderr
    controls = {chr(c) for c in [*range(0, 9), 11, *range(14, 32), 127]}
    record = record_of(out, "uk-control-characters")
    assert record["warnings"] == ["3 control character(s) removed: U+0001 ×1, U+0008 ×1, U+000B ×1"]
    text = (out / "uk-control-characters" / "source.uk.txt").read_text(encoding="utf-8")
    assert "Опалювальний сезон почнеться 20 жовтня, повідомив прем'єр-міністр." in text
    record = record_of(out, "uk-nul-in-json")
    assert any("3 control character(s) removed: U+0000 ×3" in w for w in record["warnings"]), record
    assert record["title"] == "Уряд затвердив бюджет на 2024 рік"
    assert record["metadata"]["author"] == "Ірина Коваль"
    assert not controls & set(every_output_text(out) + json.dumps(record, ensure_ascii=False))


def test_a_utf16_file_with_its_byte_order_mark_is_text(tmp_path: Path) -> None:
    """Windows' "Unicode" text is full of NUL bytes, which read as binary data before."""
    source = tmp_path / "in"
    source.mkdir()
    text = (ARTICLES / "uk-grain-exports.txt").read_text(encoding="utf-8")
    (source / "uk-utf16.txt").write_bytes(text.encode("utf-16"))  # with its BOM
    out = tmp_path / "out"
    result = newsbrief("run", source, "--out", out, *NO_MODELS_UK)
    assert result.returncode == EXIT_OK, result.stderr
    assert record_of(out, "uk-utf16")["source"]["encoding"] == "utf-16"
    assert "12,4 млн тонн" in (out / "uk-utf16" / "source.uk.txt").read_text(encoding="utf-8")


# Rows 6 and 7 ----------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 320 KiB: enough to start a run, too little to finish one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mount)], check=False)
    if mounted.returncode != 0:
        pytest.skip("this machine does not let the tests mount a tmpfs")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def many_articles(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    body = (ARTICLES / "uk-grain-exports.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    for n in range(count):
        title = f"Україна експортувала {n + 1} млн тонн зерна: звіт номер {n + 1}"
        (folder / f"uk-{n:02d}.txt").write_text(f"{title}\n{body}", encoding="utf-8")
    return folder


def test_a_full_disk_stops_the_run_with_one_line_and_the_next_run_finishes(
    small_disk: Path, tmp_path: Path
) -> None:
    source = many_articles(tmp_path / "in", 30)
    out = small_disk / "out"
    result = newsbrief("run", source, "--out", out, *NO_MODELS_UK)
    assert result.returncode == EXIT_DISK_FULL, result.stderr
    line = assert_one_line_no_traceback(result, "disk full", str(out))
    assert "next run goes on" in line
    assert not [p for p in out.iterdir() if p.name.startswith((".tmp-", ".old-"))]
    written = [p for p in out.iterdir() if is_article_folder(p)]
    assert 0 < len(written) < 30
    for folder in written:  # whatever is there is whole
        assert {p.name for p in folder.iterdir()} >= {"source.uk.txt", "alignment.jsonl", "article.json"}
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    again = newsbrief("run", source, "--out", out, *NO_MODELS_UK)
    assert again.returncode == EXIT_OK, again.stderr
    clean = tmp_path / "clean"
    assert newsbrief("run", source, "--out", clean, *NO_MODELS_UK).returncode == EXIT_OK
    assert _article_files(out) == _article_files(clean)


def _article_files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for folder in out.iterdir()
        if is_article_folder(folder)
        for p in folder.iterdir()
    }


def test_a_read_only_output_folder_is_one_line_and_exit_2(small_disk: Path, tmp_path: Path) -> None:
    (small_disk / "out").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    source = folder_with(tmp_path, ARTICLES / "uk-grain-exports.txt")
    for out in (small_disk / "out", small_disk / "new" / "out"):
        result = newsbrief("run", source, "--out", out, *NO_MODELS_UK)
        assert result.returncode == EXIT_USAGE, result.stderr
        assert "Read-only file system" in assert_one_line_no_traceback(
            result, "cannot write", str(small_disk)
        )


# Rows 8 and 9 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('num_beams = "four"', ('num_beams = "four"', "whole number")),
        ("num_beams = 2.5", ("num_beams = 2.5", "whole number")),
        ('targets = "uk"', ('targets = "uk"', "list of strings")),
        ("review = 1", ("review = 1", "true or false")),
        ('[models]\n"en-uk" = 5', ("en-uk = 5", "as a string")),
        ('[models]\n"en-uk" = "./model.bin"', ("en-uk", "model.bin is a file")),
        ('[models]\n"en-uk" = "./models/none"', ("en-uk", "neither a model folder")),
        ('[models]\n"en-uk" = "a/b/c"', ("en-uk", "neither a model folder")),
        ("num_beam = 2", ("num_beam", "did you mean num_beams")),
    ],
)
def test_a_config_value_of_the_wrong_type_is_exit_2_naming_key_and_value(
    toml: str, words: tuple[str, ...], tmp_path: Path
) -> None:
    config = tmp_path / "newsbrief.toml"
    config.write_text(toml + "\n", encoding="utf-8")
    (tmp_path / "model.bin").write_bytes(b"\0")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(ARTICLES), "--out", str(out), "-c", str(config)])
    assert result.exit_code == EXIT_USAGE, result.output
    for word in words:
        assert word in result.output
    assert str(config) in result.output
    assert not out.exists()  # checked before anything runs


def test_a_relative_model_folder_in_a_config_file_is_taken_from_the_files_folder(
    tiny_models: Path, tmp_path: Path
) -> None:
    home = tmp_path / "srv"
    shutil.copytree(tiny_models / "marian-en-uk", home / "models" / "en-uk")
    config = home / "newsbrief.toml"
    config.write_text('[models]\n"en-uk" = "models/en-uk"\n', encoding="utf-8")
    source = folder_with(tmp_path, ARTICLES / "en-kirby-dprk-arms.txt")
    out = tmp_path / "out"
    only_en_uk = ("--to", "uk", "--summary-languages", "en", "--summariser", "extractive")
    no_conversion = ("--backend", "transformers")  # what is tested is where the folder is found
    result = newsbrief("run", source, "--out", out, "-c", config, *only_en_uk, *no_conversion, cwd=Path("/"))
    assert result.returncode == EXIT_OK, result.stderr
    used = record_of(out, "en-kirby-dprk-arms")["models"]["en-uk"]["model"]
    assert used == str((home / "models" / "en-uk").resolve())


def test_a_model_folder_without_a_config_is_exit_3_without_a_fetch_hint(tmp_path: Path) -> None:
    (tmp_path / "models" / "en-uk").mkdir(parents=True)
    config = tmp_path / "newsbrief.toml"
    config.write_text('[models]\n"en-uk" = "models/en-uk"\n', encoding="utf-8")
    source = folder_with(tmp_path, ARTICLES / "en-kirby-dprk-arms.txt")
    only_en_uk = ("--to", "uk", "--summary-languages", "en", "--summariser", "extractive")
    result = newsbrief("run", source, "--out", tmp_path / "out", "-c", config, *only_en_uk, cwd=Path("/"))
    assert result.returncode == EXIT_MODEL_UNAVAILABLE, result.stderr
    assert "has no config.json" in result.stderr
    assert "models fetch" not in result.stderr and "hf download" not in result.stderr


# Row 10 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["con.tar.txt", "aux.md", "NUL.json", "com1.backup.txt", "LPT9.txt"])
def test_names_windows_reserves_with_any_extension_are_not_ids(name: str) -> None:
    article_id = slug_for(Path(name))
    assert article_id.split(".")[0] not in WINDOWS_RESERVED, article_id
    assert slug_for(Path(name)) == article_id  # stable


def test_reserved_names_in_a_run_get_safe_folders(tmp_path: Path) -> None:
    source = folder_with(tmp_path, HOSTILE / "con.tar.txt", HOSTILE / "aux.md")
    out = tmp_path / "out"
    result = newsbrief("run", source, "--out", out, *NO_MODELS_EN)
    assert result.returncode == EXIT_OK, result.stderr
    folders = sorted(p.name for p in out.iterdir() if is_article_folder(p))
    assert folders == ["aux-article", "con-article.tar"]
