"""The fixtures every test may ask for: the tiny models and the trained ones (support/models.py
builds and trains them), and the order the tests run in: those that need trained models last,
the training started behind the others."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import models
from support.corpus import ROOT

# No test may reach the network; a mistake must fail loudly instead of downloading.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# CTranslate2 conversions of the test models go to the pytest cache, not the user's home.
os.environ.setdefault("NEWSBRIEF_CACHE", str(ROOT / ".pytest_cache" / "newsbrief-cache"))

# The trained models take minutes on 2 cores: they train in the background, one process per
# part and one thread each, while the tests that do not need them run; those that do run last.
TRAINED_FIXTURE = "trained_models"
TRAINING = pytest.StashKey[list]()  # the training processes of this session
THREADS = pytest.StashKey[tuple]()  # torch threads and OMP_NUM_THREADS before the training


@pytest.fixture(scope="session")
def tiny_models(request: pytest.FixtureRequest) -> Path:
    """Tiny Marian and BART models with real tokenizers, and the `newsbrief.toml` naming them."""
    return models.tiny_models(request.config)


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


@pytest.fixture(scope="session")
def trained_models(request: pytest.FixtureRequest) -> Path:
    """Models trained to a known right answer (support/trainer.py), each checked by the trainer
    against every answer a test may assert (support/known_answers.py): `newsmt` and its variants,
    the lead summarisers, and the test articles under `articles/`."""
    folder = models.trained_folder(request.config)
    if (folder / "done").is_file():
        return folder
    return models.finish_training(request.config, request.config.stash.get(TRAINING, []), folder)


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
    folder = models.trained_folder(config)
    if (folder / "done").is_file():
        return
    if any("tiny_models" in getattr(item, "fixturenames", ()) for item in items):
        models.tiny_models(config)
    staging = folder.with_name(folder.name + ".partial")
    config.stash[TRAINING] = models.start_training(config, staging)
    parts = ", ".join(models.TRAINER_PARTS)
    models.say(
        config,
        f"training the test models in the background ({parts}; logs in {staging}); "
        f"the {len(needing)} tests that need them run last",
    )
    _one_thread_while_training(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    models.stop_training(config.stash.get(TRAINING, []))


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
