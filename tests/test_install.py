"""Every module newsbrief imports is a dependency it declares, so that `pip install -e .` works
with the pip that Python ships (23.2 for 3.11), which does not install what a dependency names
only as an extra (trafilatura's lxml HTML cleaner was one). The install itself, into a fresh
venv with that pip, is scripts/check_fresh_install.sh, which CI runs before `make test` (it
takes a minute and a half, which the 15 minutes of `make test` cannot spare).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
from support.corpus import ROOT
from support.models import load_builder

from newsbrief.settings import load_settings

SOURCE = ROOT / "src" / "newsbrief"
# Imported only by `--engine ray`, declared as the extra `ray`.
OPTIONAL = {"ray"}


def third_party_imports() -> set[str]:
    """Top-level names of every module imported anywhere in the package, lazily or not."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {name for name in names if name not in sys.stdlib_module_names and name != "newsbrief"}


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["ray"]
    return {_normalise(re.split(r"[ <>=!~;\[]", requirement, maxsplit=1)[0]) for requirement in requirements}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_module_is_a_declared_dependency() -> None:
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for module in sorted(third_party_imports()):
        providers = {_normalise(d) for d in distributions.get(module, [module])}
        if not providers & declared():
            missing[module] = sorted(providers)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_trafilaturas_html_cleaner_is_declared_itself() -> None:
    """lxml.html.clean is the separate project lxml_html_clean since lxml 5.2."""
    assert "lxml-html-clean" in declared()


def test_the_tiny_models_config_works_from_wherever_it_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README's main job builds the tiny models into `.tiny-models` (a relative folder) and runs
    with its newsbrief.toml; the models must be found from the file's folder, as newsbrief reads
    relative model folders, from any working directory."""
    (tmp_path / "work" / ".tiny-models" / "marian-uk-en").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work")
    folder = Path(".tiny-models")
    load_builder().write_config({"uk-en": folder / "marian-uk-en"}, folder / "newsbrief.toml")
    monkeypatch.chdir(tmp_path)
    settings = load_settings(tmp_path / "work" / folder / "newsbrief.toml")
    assert settings.models.translation_models["uk-en"] == str(tmp_path / "work" / folder / "marian-uk-en")
