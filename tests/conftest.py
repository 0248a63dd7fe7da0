"""Shared fixtures: the corpus beside the checkout, and tiny real models built once."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
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


def is_article_folder(path: Path) -> bool:
    """An output folder's article folders (not _review/, not a staging .tmp- folder)."""
    return path.is_dir() and not path.name.startswith(("_", "."))


def article_files() -> list[Path]:
    return sorted(p for p in ARTICLES.iterdir() if not p.name.endswith(".expected.json"))


def expected_for(path: Path) -> dict:
    import json

    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_tiny_models", BUILDER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_models(request: pytest.FixtureRequest) -> Path:
    """Tiny Marian and BART models with real tokenizers, built once and cached by builder hash.

    Returns the folder holding them and `newsbrief.toml`, the config a user would write.
    """
    builder_hash = hashlib.sha256(BUILDER.read_bytes()).hexdigest()[:12]
    folder = Path(request.config.cache.mkdir("tiny-models")) / builder_hash
    if not (folder / "newsbrief.toml").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        builder = _load_builder()
        models = builder.build_all(folder, ARTICLES)
        builder.write_config(models, folder / "newsbrief.toml")
    return folder


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
