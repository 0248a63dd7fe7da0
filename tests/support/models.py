"""The models the tests run, and how a test session gets them: tiny models of the real
architectures (random weights, real tokenizers: scripts/build_tiny_models.py, which `make
example` uses too), built once with every core; and models trained to a known answer
(trainer.py), trained in the background while the tests that need none run, each checked by the
trainer against every answer a test relies on (known_answers.py). Both are cached in
.pytest_cache by what makes them."""

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
from types import ModuleType

import pytest

from support.corpus import ARTICLES, ROOT

BUILDER = ROOT / "scripts" / "build_tiny_models.py"
TRAINER = ROOT / "tests" / "support" / "trainer.py"
ANSWERS = ROOT / "tests" / "support" / "known_answers.py"  # the trainer checks its models against these
TRAINER_PARTS = ("marian", "bart")
TRAINING_LIMIT_SECONDS = 1800


def load_builder() -> ModuleType:
    """scripts/build_tiny_models.py, the one builder of the tiny models (make example uses it)."""
    spec = importlib.util.spec_from_file_location("build_tiny_models", BUILDER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_tiny_models"] = module
    spec.loader.exec_module(module)
    return module


def tiny_models(config: pytest.Config) -> Path:
    """Tiny Marian, BART and chat models with real tokenizers, built once and cached by the
    builder's hash; the folder holds them and `newsbrief.toml`, the config a user would write."""
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


def training_settings() -> tuple[int | None, int]:
    """The trainer's first seed (None: its own) and its torch threads. Another CPU trains other
    weights; another seed or thread count stands in for one: `NEWSBRIEF_TRAINING_SEED=7
    NEWSBRIEF_TRAINING_THREADS=2 make test` must pass as the defaults do."""
    seed = os.environ.get("NEWSBRIEF_TRAINING_SEED")
    return (int(seed) if seed else None), int(os.environ.get("NEWSBRIEF_TRAINING_THREADS", "1"))


def trained_folder(config: pytest.Config) -> Path:
    """Cached by what makes the models: the trainer, its answers, the seed and the threads."""
    digest = hashlib.sha256(TRAINER.read_bytes() + ANSWERS.read_bytes())
    digest.update(repr(training_settings()).encode())
    return Path(config.cache.mkdir("trained-models")) / digest.hexdigest()[:12]


def start_training(config: pytest.Config, staging: Path) -> list[subprocess.Popen]:
    """One trainer process per part, in the background, its log in `staging`."""
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    seed, threads = training_settings()
    options = ["--threads", str(threads), *(["--seed", str(seed)] if seed is not None else [])]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": str(threads)}
    return [
        subprocess.Popen(
            [sys.executable, str(TRAINER), str(staging), "--part", part, *options],
            stdout=(staging / f"{part}.log").open("w"),
            stderr=subprocess.STDOUT,
            env=env,
        )
        for part in TRAINER_PARTS
    ]


def finish_training(config: pytest.Config, processes: list[subprocess.Popen], folder: Path) -> Path:
    """Wait for the trainers, telling each line of their logs (steps, answers checked) meanwhile;
    the models in `folder` once every part is trained, or the test fails with the logs."""
    staging = folder.with_name(folder.name + ".partial")
    _follow(config, processes, staging)
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


def _follow(config: pytest.Config, processes: list[subprocess.Popen], staging: Path) -> None:
    began, told = time.monotonic(), {}
    while True:
        running = any(process.poll() is None for process in processes)
        for log in sorted(staging.glob("*.log")):
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            for line in lines[told.get(log, 0) :]:
                if line.startswith("[") and line[1:3].isdigit():  # the trainer's own, timed lines
                    say(config, f"{log.stem}: {line}")
            told[log] = len(lines)
        if not running:
            return
        if time.monotonic() - began > TRAINING_LIMIT_SECONDS:
            for process in processes:
                process.kill()
            pytest.fail(f"training the test models took over {TRAINING_LIMIT_SECONDS} s: see {staging}")
        time.sleep(2)


def stop_training(processes: list[subprocess.Popen]) -> None:
    """A test run stopped early (Ctrl-C, -x) stops its trainers too."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def load_trainer() -> ModuleType:
    """The trainer as a module (its templates, test articles and corpus splitting)."""
    from support import trainer

    return trainer
