"""Every module newsbrief imports is a dependency it declares, so that `pip install -e .` works
with the pip that Python ships (23.2 for 3.11), which does not install what a dependency names
only as an extra (trafilatura's lxml HTML cleaner was one).
"""

from __future__ import annotations

import ast
import ensurepip
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import ARTICLES, ROOT

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


def test_a_fresh_venv_with_pythons_own_pip_installs_and_runs_newsbrief(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    version = subprocess.run([*pip, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith(f"pip {ensurepip.version()} "), version  # not upgraded
    subprocess.run([*pip, "install", "-q", "torch==2.13.0"], check=True)  # the CPU wheel, as `make install`
    subprocess.run([*pip, "install", "-q", "-e", str(ROOT)], check=True)
    source = tmp_path / "in"
    source.mkdir()
    (source / "en-kirby-dprk-arms.txt").write_bytes((ARTICLES / "en-kirby-dprk-arms.txt").read_bytes())
    no_models = ("--to", "en", "--summary-languages", "en", "--summariser", "extractive")
    run = [str(venv / "bin" / "newsbrief"), "run", str(source), "--out", str(tmp_path / "out"), *no_models]
    result = subprocess.run(
        run, capture_output=True, text=True, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "en-kirby-dprk-arms" / "article.json").is_file()
    readers = [str(venv / "bin" / "python"), "-c", "import newsbrief.readers.html, trafilatura"]
    assert subprocess.run(readers, capture_output=True, text=True).returncode == 0
