"""Where the tests find the checkout and the shared corpus (articles with their expected figures
and quotes, bad inputs with the expected behaviour), and small readers of them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from newsbrief.article import Article, SegmentedArticle
from newsbrief.input.readers import read_article
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.segmenting import segment_article

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("NEWSBRIEF_CORPUS", ROOT.parent / "shared" / "corpus"))
ARTICLES = CORPUS / "articles"
BAD = CORPUS / "bad"
DATA = ROOT / "tests" / "data"


def is_article_folder(path: Path) -> bool:
    """An output folder's article folders (not _review/, not a staging .tmp- folder)."""
    return path.is_dir() and not path.name.startswith(("_", "."))


def input_folder(tmp_path: Path, *names: str) -> Path:
    """`tmp_path/in` holding copies of these corpus articles: a run's input folder."""
    source = tmp_path / "in"
    source.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(ARTICLES / name, source / name)
    return source


def article_files() -> list[Path]:
    return sorted(p for p in ARTICLES.iterdir() if not p.name.endswith(".expected.json"))


def expected_for(path: Path) -> dict:
    return json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))


def segmented(name: str) -> SegmentedArticle:
    """A corpus article read and segmented as a run does, in the language detected."""
    identifier = LanguageIdentifier()
    article: Article = read_article(ARTICLES / name)
    lang, _ = identifier.detect(" ".join(article.paragraphs))
    assert lang
    return segment_article(article, lang, identifier, {"uk", "en", "ru"}, 600)
