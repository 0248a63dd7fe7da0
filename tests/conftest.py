"""Shared fixtures: the corpus beside the checkout, and tiny real models built once."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

# No test may reach the network; a mistake must fail loudly instead of downloading.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

ROOT = Path(__file__).resolve().parent.parent
# CTranslate2 conversions of the tiny models go to the pytest cache, not the user's home.
os.environ.setdefault("NEWSBRIEF_CACHE", str(ROOT / ".pytest_cache" / "newsbrief-cache"))
CORPUS = Path(os.environ.get("NEWSBRIEF_CORPUS", ROOT.parent / "shared" / "corpus"))
ARTICLES = CORPUS / "articles"
BAD = CORPUS / "bad"
BUILDER = ROOT / "scripts" / "build_tiny_models.py"
# What the trained models know (scripts/known_answers.py): the tests assert only these.
sys.path.insert(0, str(ROOT / "scripts"))
TRAINER = ROOT / "scripts" / "train_test_models.py"
ANSWERS = ROOT / "scripts" / "known_answers.py"  # the trainer checks its models against these
TRAINER_PARTS = ("marian", "bart")
# The trained models take minutes on 2 cores: they train in the background, one process per
# part and one thread each, while the tests that do not need them run; those that do run last.
TRAINED_FIXTURE = "trained_models"
TRAINING_LIMIT_SECONDS = 1800
TRAINING = pytest.StashKey[list]()  # the training processes of this session
THREADS = pytest.StashKey[tuple]()  # torch threads and OMP_NUM_THREADS before the training


def is_article_folder(path: Path) -> bool:
    """An output folder's article folders (not _review/, not a staging .tmp- folder)."""
    return path.is_dir() and not path.name.startswith(("_", "."))


def article_files() -> list[Path]:
    return sorted(p for p in ARTICLES.iterdir() if not p.name.endswith(".expected.json"))


def expected_for(path: Path) -> dict:
    import json

    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def load_trainer():
    """scripts/train_test_models.py as a module (its templates and corpus splitting)."""
    return importlib.import_module("train_test_models")


def load_builder():
    return importlib.import_module("build_tiny_models")


def _tiny_models(config: pytest.Config) -> Path:
    builder_hash = hashlib.sha256(BUILDER.read_bytes()).hexdigest()[:12]
    folder = Path(config.cache.mkdir("tiny-models")) / builder_hash
    if not (folder / "newsbrief.toml").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        say(config, f"building the tiny models into {folder} (a minute)")
        began = time.monotonic()
        from transformers.utils import logging

        logging.disable_progress_bar()  # a bar per saved model, between the lines that say what is done
        builder = load_builder()
        models = builder.build_all(folder, ARTICLES)
        builder.write_config(models, folder / "newsbrief.toml")
        say(config, f"built {len(models)} tiny models in {time.monotonic() - began:.0f} s")
    return folder


def say(config: pytest.Config, line: str) -> None:
    """A line on the terminal now, whatever pytest captures: the first minutes of a fresh
    clone's `make test` build and train models, and say so rather than stay silent."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is None:
        return
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        reporter.ensure_newline()
        reporter.write_line(f"[newsbrief tests] {line}")


@pytest.fixture(scope="session")
def tiny_models(request: pytest.FixtureRequest) -> Path:
    """Tiny Marian and BART models with real tokenizers, built once and cached by builder hash.

    Returns the folder holding them and `newsbrief.toml`, the config a user would write.
    """
    return _tiny_models(request.config)


@pytest.fixture(scope="session")
def tiny_config(tiny_models: Path) -> Path:
    return tiny_models / "newsbrief.toml"


@pytest.fixture(scope="session")
def chunked_config(tiny_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny models in 300-word chunks: a run over the corpus then has several chunks, so many
    write points (kill tests) and work for more than one Ray actor."""
    path = tmp_path_factory.mktemp("config") / "chunked.toml"
    path.write_text("chunk_words = 300\n" + tiny_config.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def training_settings() -> tuple[int | None, int]:
    """The trainer's first seed (None: its own) and its torch threads. Another CPU trains other
    weights; another seed or thread count stands in for one: `NEWSBRIEF_TRAINING_SEED=7
    NEWSBRIEF_TRAINING_THREADS=2 make test` must pass as the defaults do."""
    seed = os.environ.get("NEWSBRIEF_TRAINING_SEED")
    return (int(seed) if seed else None), int(os.environ.get("NEWSBRIEF_TRAINING_THREADS", "1"))


def _trained_folder(config: pytest.Config) -> Path:
    """Cached by what makes the models: the trainer, its answers, the seed and the threads."""
    digest = hashlib.sha256(TRAINER.read_bytes() + ANSWERS.read_bytes())
    digest.update(repr(training_settings()).encode())
    return Path(config.cache.mkdir("trained-models")) / digest.hexdigest()[:12]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    """Tests of what a trained model writes go last, and the training starts now, behind the
    others (if the models are not cached yet). The tiny models are built first, with every
    core: built beside the training, torch's threads waited on each other and it took 3× as
    long. (Starting the training first and nicing the rest made the Marian training 90 s
    shorter and the other tests 170 s longer: the suite took 56 s more.)"""
    needing = [item for item in items if TRAINED_FIXTURE in getattr(item, "fixturenames", ())]
    if not needing:
        return
    items[:] = [item for item in items if item not in needing] + needing
    folder = _trained_folder(config)
    if (folder / "done").is_file():
        return
    if any("tiny_models" in getattr(item, "fixturenames", ()) for item in items):
        _tiny_models(config)
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    seed, threads = training_settings()
    options = ["--threads", str(threads), *(["--seed", str(seed)] if seed is not None else [])]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": str(threads)}
    config.stash[TRAINING] = [
        subprocess.Popen(
            [sys.executable, str(TRAINER), str(staging), "--part", part, *options],
            stdout=(staging / f"{part}.log").open("w"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        for part in TRAINER_PARTS
    ]
    say(
        config,
        f"training the test models in the background ({', '.join(TRAINER_PARTS)}; logs in {staging}); "
        f"the {len(needing)} tests that need them run last",
    )
    _one_thread_while_training(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    """A test run stopped early (Ctrl-C, -x) stops its trainers too."""
    for process in config.stash.get(TRAINING, []):
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def _one_thread_while_training(config: pytest.Config) -> None:
    """The trainers hold a core or more: the tests' own torch (and that of the runs they start)
    takes one thread until they end, rather than two threads fighting over one core."""
    import torch

    config.stash[THREADS] = (torch.get_num_threads(), os.environ.get("OMP_NUM_THREADS"))
    torch.set_num_threads(1)
    os.environ["OMP_NUM_THREADS"] = "1"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every thread back once the training is over."""
    saved = item.config.stash.get(THREADS, None)
    if saved is None or any(p.poll() is None for p in item.config.stash.get(TRAINING, [])):
        return
    import torch

    threads, omp = saved
    torch.set_num_threads(threads)
    if omp is None:
        os.environ.pop("OMP_NUM_THREADS", None)
    else:
        os.environ["OMP_NUM_THREADS"] = omp
    del item.config.stash[THREADS]


@pytest.fixture(scope="session")
def trained_models(request: pytest.FixtureRequest) -> Path:
    """Models trained to a known right answer (scripts/train_test_models.py), each checked by the
    trainer against every answer a test may assert (scripts/known_answers.py): `newsmt` and its
    variants, the lead summarisers, and the test articles under `articles/`."""
    folder = _trained_folder(request.config)
    if (folder / "done").is_file():
        return folder
    staging = folder.with_name(folder.name + ".partial")
    processes = request.config.stash.get(TRAINING, [])
    _follow_training(request.config, processes, staging)
    for process in processes:
        if process.returncode != 0:
            logs = "\n".join(p.read_text(encoding="utf-8")[-3000:] for p in staging.glob("*.log"))
            pytest.fail(f"training the test models failed (exit {process.returncode}):\n{logs}")
    if {p.name for p in staging.glob("trained-*.json")} != {f"trained-{part}.json" for part in TRAINER_PARTS}:
        pytest.fail(f"the test models were not trained: see the logs in {staging}")
    (staging / "done").write_text("", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return folder


def _follow_training(config: pytest.Config, processes: list, staging: Path) -> None:
    """Wait for the trainers, telling each line of their logs (steps, answers checked) meanwhile."""
    began, told = time.monotonic(), {}
    while True:
        running = any(process.poll() is None for process in processes)
        for log in sorted(staging.glob("*.log")):
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            for line in lines[told.get(log, 0) :]:
                if line.startswith("["):
                    say(config, f"{log.stem}: {line}")
            told[log] = len(lines)
        if not running:
            return
        if time.monotonic() - began > TRAINING_LIMIT_SECONDS:
            for process in processes:
                process.kill()
            pytest.fail(f"training the test models took over {TRAINING_LIMIT_SECONDS} s: see {staging}")
        time.sleep(2)
