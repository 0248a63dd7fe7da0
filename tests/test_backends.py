"""The translation backends: transformers (fp32 or int8) and CTranslate2 behind one interface, run
end to end with the same checks, the conversion cache, and the backend in each article's hash."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from support.corpus import ARTICLES, input_folder
from typer.testing import CliRunner

from newsbrief.cli import EXIT_FLAGGED, EXIT_MODEL_UNAVAILABLE, EXIT_OK, app
from newsbrief.generation.translation import Pooling, Seq2SeqTranslator, translate_jobs
from newsbrief.generation.translation_jobs import Job, JobKey, batches_by_tokens
from newsbrief.input.readers import read_article
from newsbrief.models.backends import ct2
from newsbrief.models.backends.ct2 import CTranslate2Model
from newsbrief.models.backends.seq2seq import Seq2SeqModel
from newsbrief.models.resolve import resolve_model

pytestmark = pytest.mark.skipif(not ct2.available(), reason="ctranslate2 has no wheel for this platform")
ARTICLE_NAMES = ("uk-power-grid.txt", "en-imf-budget.md", "ru-sanctions-trade.txt")


def folder_of(tmp_path: Path, names: tuple[str, ...] = ARTICLE_NAMES) -> Path:
    return input_folder(tmp_path, *names)


def run(source: Path, out: Path, config: Path, *options: str):
    result = CliRunner().invoke(app, ["run", str(source), "--out", str(out), "-c", str(config), *options])
    assert result.exit_code in (EXIT_OK, EXIT_MODEL_UNAVAILABLE), result.output
    return result


def records(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/article.json")}


@pytest.mark.parametrize(
    ("options", "backend"),
    [
        (("--backend", "transformers"), "transformers"),
        (("--backend", "transformers", "--quantize", "int8"), "transformers/int8"),
        (("--backend", "ctranslate2"), "ctranslate2/int8"),
    ],
)
def test_every_backend_passes_the_same_end_to_end_checks(
    tiny_config: Path, tmp_path: Path, options: tuple[str, ...], backend: str
) -> None:
    out = tmp_path / "out"
    result = run(folder_of(tmp_path), out, tiny_config, *options)
    assert result.exit_code == EXIT_OK
    made = records(out)
    assert sorted(made) == ["en-imf-budget", "ru-sanctions-trade", "uk-power-grid"]
    for article_id, record in made.items():
        folder = out / article_id
        source = (folder / f"source.{record['language']}.txt").read_text(encoding="utf-8").split("\n")
        for lang in record["translations"]:
            translation = (folder / f"translation.{lang}.txt").read_text(encoding="utf-8").split("\n")
            assert len(translation) == len(source), (article_id, lang)  # line N is line N
            assert [bool(line) for line in translation] == [bool(line) for line in source]
        assert {m["backend"] for m in record["models"].values()} == {backend}
        totals = record["fidelity"]["totals"]
        assert (
            totals["figures_kept"] + totals["figures_changed"] + totals["figures_missing"]
            == totals["figures_total"]
        )
    checked = CliRunner().invoke(app, ["check", str(out), "--json"])
    rechecked = json.loads(checked.stdout)
    for article_id, record in made.items():  # what the files alone can tell (as test_cli_fidelity)
        for key in ("figures_total", "figures_kept", "figures_changed", "figures_missing", "quotes_total"):
            assert rechecked[article_id]["totals"][key] == record["fidelity"]["totals"][key], article_id
    flagged = any(r["fidelity"]["totals"]["flagged"] for r in made.values())
    assert checked.exit_code == (EXIT_FLAGGED if flagged else EXIT_OK)


def test_the_conversion_is_cached_and_the_backend_enters_the_hash(tiny_config: Path, tmp_path: Path) -> None:
    source, out = folder_of(tmp_path, ("en-imf-budget.md",)), tmp_path / "out"
    run(source, out, tiny_config, "--backend", "ctranslate2")
    # Only the pair the batch needs is converted: English goes to Ukrainian alone.
    en_uk = resolve_model(str(Path(tiny_config).parent / "marian-en-uk"))
    converted = ct2.converted(en_uk, quantization="int8")  # as the run stores it for int8
    stamp = (converted / "model.bin").stat().st_mtime_ns
    again = run(source, out, tiny_config)  # auto picks CTranslate2 here: nothing to redo
    assert " 1 up-to-date," in again.stdout
    switched = run(source, out, tiny_config, "--backend", "transformers")
    assert " 0 up-to-date," in switched.stdout
    assert records(out)["en-imf-budget"]["models"]["en-uk"]["backend"] == "transformers"
    run(source, out, tiny_config, "--backend", "ctranslate2")
    assert (converted / "model.bin").stat().st_mtime_ns == stamp  # converted once, reused


# The real CLI in a child Python that says, as it exits, which of the heavy libraries it imported.
IMPORT_REPORT = """
import atexit, runpy, sys
heavy = {"torch", "transformers"}
atexit.register(lambda: print("imported:", *sorted(heavy & set(sys.modules)), file=sys.stderr))
sys.argv = ["newsbrief", *sys.argv[1:]]
runpy.run_module("newsbrief", run_name="__main__")
"""


def test_a_ctranslate2_run_with_extractive_summaries_never_imports_torch(
    tiny_config: Path, tmp_path: Path
) -> None:
    """torch and transformers cost 2 s and 250 MB a run; the conversion imports them in a child."""
    source, out = folder_of(tmp_path, ("en-imf-budget.md",)), tmp_path / "out"
    command = [
        sys.executable,
        "-c",
        IMPORT_REPORT,
        "run",
        str(source),
        "--out",
        str(out),
        "-c",
        str(tiny_config),
    ]
    options = ["--backend", "ctranslate2", "--summariser", "extractive", "--to", "uk"]
    env = {**os.environ, "NEWSBRIEF_CACHE": str(tmp_path / "cache")}  # empty: this run converts
    done = subprocess.run([*command, *options], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    assert done.stderr.strip().splitlines()[-1] == "imported:"
    assert list((tmp_path / "cache" / "ctranslate2").glob("marian-en-uk-*/model.bin"))
    assert (out / "en-imf-budget" / "translation.uk.txt").is_file()


def test_ctranslate2_refuses_a_model_it_cannot_run(tiny_config: Path, tmp_path: Path) -> None:
    chat = Path(tiny_config).parent / "chat-llm"  # a Qwen2: neither Marian nor BART
    source = folder_of(tmp_path, ("uk-power-grid.txt",))
    result = run(source, tmp_path / "out", tiny_config, "--backend", "ctranslate2", "-m", f"uk-en={chat}")
    assert result.exit_code == EXIT_MODEL_UNAVAILABLE
    assert "Marian" in result.output and "--backend transformers" in result.output


def test_tokenisation_matches_marians_and_hypotheses_come_n_per_input(tiny_models: Path) -> None:
    resolved = resolve_model(str(tiny_models / "marian-uk-en"))
    fast, reference = CTranslate2Model(resolved, "cpu"), Seq2SeqModel(resolved, "cpu")
    sentences = [
        s for p in sorted(ARTICLES.glob("uk-*.txt")) for s in read_article(p).paragraphs if s.strip()
    ]
    assert fast.count_tokens(sentences) == reference.count_tokens(sentences)
    outputs = fast.generate(sentences[:3], num_beams=4, max_new_tokens=40, num_return_sequences=3)
    assert len(outputs) == 9


def test_a_summarisers_saved_truncation_never_cuts_its_input(tiny_models: Path, tmp_path: Path) -> None:
    """A tokenizer.json saved after training with `truncation=True` keeps that setting, and the
    `tokenizers` library honours it: CTranslate2 was fed the first 16 tokens of each article,
    and counted 16, while transformers (which sets truncation per call) counted them all."""
    from newsbrief.models.backends.ct2_summariser import CTranslate2SummaryModel

    folder = tmp_path / "bart"
    shutil.copytree(tiny_models / "bart-summariser", folder)
    saved = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    saved["truncation"] = {"direction": "Right", "max_length": 16, "strategy": "LongestFirst", "stride": 0}
    saved["padding"] = {"strategy": {"Fixed": 24}, "direction": "Right", "pad_to_multiple_of": None,
                        "pad_id": 1, "pad_type_id": 0, "pad_token": "<pad>"}  # fmt: skip
    (folder / "tokenizer.json").write_text(json.dumps(saved), encoding="utf-8")
    resolved = resolve_model(str(folder))
    fast, reference = CTranslate2SummaryModel(resolved, "cpu"), Seq2SeqModel(resolved, "cpu")
    texts = [" ".join(read_article(ARTICLES / "en-imf-budget.md").paragraphs), "Kyiv."]
    assert fast.count_tokens(texts) == reference.count_tokens(texts)
    assert fast.count_tokens(texts)[0] > 100


def test_the_pad_ban_becomes_a_suppression_with_the_same_outputs(tiny_models: Path) -> None:
    model = Seq2SeqModel(resolve_model(str(tiny_models / "marian-uk-en")), "cpu")
    config, pad = model.model.generation_config, model.tokenizer.pad_token_id
    assert (config.bad_words_ids, config.suppress_tokens) == (None, [pad])  # the checkpoint bans pad
    with torch.no_grad():
        model.model.final_logits_bias[0, pad] = 100.0  # unbanned, pad would win every step
    sentences = [s for s in read_article(ARTICLES / "uk-power-grid.txt").paragraphs if s.strip()][:6]
    suppressed = model.generate(sentences, num_beams=4, max_new_tokens=30)
    config.suppress_tokens, config.bad_words_ids = None, [[pad]]
    assert model.generate(sentences, num_beams=4, max_new_tokens=30) == suppressed
    config.bad_words_ids = None
    assert model.generate(sentences, num_beams=4, max_new_tokens=30) != suppressed


class OnePair:
    """A pool of one translator, as translate_jobs asks for it."""

    def __init__(self, translator: Seq2SeqTranslator) -> None:
        self._translator = translator

    def translator(self, source: str, target: str) -> Seq2SeqTranslator:
        return self._translator


def test_two_batches_in_flight_give_what_one_batch_at_a_time_gives(tiny_models: Path) -> None:
    """Two translators each take whole batches; every result must come back to its own segment,
    and no batch may be lost when the last ones are drained."""
    resolved = resolve_model(str(tiny_models / "marian-uk-en"))
    sentences = [
        s for p in sorted(ARTICLES.glob("uk-*.txt")) for s in read_article(p).paragraphs if s.strip()
    ]
    jobs = [Job(JobKey(f"article-{i % 4}", "en", i), text, "uk", "en") for i, text in enumerate(sentences)]
    results = {}
    for threads in (1, 2):
        model = CTranslate2Model(resolved, "cpu", threads=threads)
        assert model.parallel_batches == threads
        translator = Seq2SeqTranslator(model, "uk", "en", num_beams=1)
        assert len(batches_by_tokens(jobs, translator, 256)) > 4
        results[threads] = translate_jobs(jobs, OnePair(translator), Pooling(batch_tokens=256))
    assert set(results[2].translations) == {job.key for job in jobs}
    assert results[2].translations == results[1].translations
    assert results[2].flags == results[1].flags
    assert not results[2].failures


def test_a_run_under_a_memory_budget_releases_idle_models_and_writes_the_same_files(
    tiny_config: Path, tmp_path: Path
) -> None:
    """--max-memory 1 holds one model at a time: each model used after another reloads, and
    every file is what a run with every model loaded writes."""
    source = folder_of(tmp_path)
    unlimited, budgeted = tmp_path / "all", tmp_path / "one"
    run(source, unlimited, tiny_config, "--backend", "ctranslate2", "--max-memory", "0", "--no-review")
    tight = run(source, budgeted, tiny_config, "--backend", "ctranslate2", "--max-memory", "1", "--no-review")
    assert tight.exit_code == EXIT_OK
    assert "released to stay under --max-memory" in tight.stdout
    written = sorted(p.relative_to(unlimited) for p in unlimited.rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(budgeted) for p in budgeted.rglob("*") if p.is_file())
    texts = [name for name in written if name.suffix in (".txt", ".md")]  # json holds timings
    assert len(texts) >= 9
    for name in texts:
        assert (unlimited / name).read_bytes() == (budgeted / name).read_bytes(), name


def test_the_residency_releases_the_least_recently_used_idle_model_first() -> None:
    from newsbrief.models.residency import Residency

    class Weights:
        def __init__(self, size: int) -> None:
            self.weight_bytes, self.loaded = size, True

        def release(self) -> None:
            self.loaded = False

        def restore(self) -> None:
            self.loaded = True

    residency = Residency(capacity_bytes=25)
    first, second, third = Weights(10), Weights(10), Weights(10)
    for model in (first, second):
        residency.make_room(model.weight_bytes)
        residency.admit(model)
    with residency.using(first):  # first is now the most recently used, and busy
        residency.make_room(third.weight_bytes)
        residency.admit(third)
        assert (first.loaded, second.loaded) == (True, False)
    with residency.using(second):  # reloads, releasing first (idle, least recent)
        assert second.loaded and not first.loaded and third.loaded
    assert residency.releases == 2


def test_the_memory_budget_decides_how_many_articles_are_summarised_at_once(tiny_config: Path) -> None:
    """Two at once (one a translator) where the budget holds two summaries' decoding state;
    one where it does not; as many as there are translators with no budget."""
    from newsbrief.generation.model_pool import ModelOptions, ModelPool
    from newsbrief.models.residency import RUN_BASE_MB, SUMMARY_STATE_MB
    from newsbrief.settings import apply_options, load_settings

    settings = load_settings(tiny_config)

    def in_flight(max_memory: int) -> int:
        chosen = apply_options(settings, backend="ctranslate2", threads=2, max_memory=max_memory)
        return ModelPool(ModelOptions.of(chosen), {}).summariser().in_flight

    assert in_flight(0) == 2
    assert in_flight(RUN_BASE_MB + 2 * SUMMARY_STATE_MB + 10) == 2  # the tiny model's weights: < 1 MB
    assert in_flight(RUN_BASE_MB + SUMMARY_STATE_MB + 10) == 1
    assert in_flight(1) == 1
