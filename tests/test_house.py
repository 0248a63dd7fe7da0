"""The house keeps its shape (issue 31): rooms by stage, no module too long to read, no import
that runs in a circle, every error newsbrief raises carrying its exit code, and the scripts
reaching the package through its two faces only (`newsbrief` and `newsbrief.stages`), so that
moving a room does not break a benchmark nobody runs in CI.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import typer
from support.corpus import ROOT

import newsbrief
from newsbrief import stages
from newsbrief.errors import ExitCode, NewsbriefError

PACKAGE = ROOT / "src" / "newsbrief"
FACES = {"newsbrief", "newsbrief.stages"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_at_load(path: Path) -> set[str]:
    """The newsbrief modules a file imports when it is loaded (not those a function imports when
    it runs: a lazy import cannot close a circle at load time)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.startswith("newsbrief"):
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names if alias.name.startswith("newsbrief")}
    return names


def test_no_module_is_over_450_lines_and_the_top_level_holds_at_most_8() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert not long
    assert len(list(PACKAGE.glob("*.py"))) <= 8, sorted(p.name for p in PACKAGE.glob("*.py"))


def test_no_import_runs_in_a_circle() -> None:
    graph = {_module_name(path): _imports_at_load(path) for path in PACKAGE.rglob("*.py")}
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        assert module not in trail, " -> ".join((*trail[trail.index(module) :], module))
        if module in done:
            return
        for imported in graph.get(module, ()):
            if imported != module:
                visit(imported, (*trail, module))
        done.add(module)

    for module in sorted(graph):
        visit(module, ())


def test_every_exception_newsbrief_defines_carries_an_exit_code() -> None:
    errors = [
        value
        for path in sorted(PACKAGE.rglob("*.py"))
        for value in vars(importlib.import_module(_module_name(path))).values()
        if isinstance(value, type)
        and issubclass(value, Exception)
        and value.__module__.startswith("newsbrief")
    ]
    # cli.common.Stopped is typer's own way out of a command (typer.Exit), carrying its code.
    errors = [error for error in errors if not issubclass(error, typer.Exit)]
    assert len(errors) > 5, "found too few exception classes: the test reads the wrong folder"
    # limits.OverTimeLimit is a BaseException on purpose (no `except Exception` may swallow the
    # clock), so it is not among them.
    strays = sorted({error.__qualname__ for error in errors if not issubclass(error, NewsbriefError)})
    assert not strays, f"exceptions outside NewsbriefError, so without an exit code: {strays}"
    assert all(isinstance(error.exit_code, ExitCode) for error in errors)


def test_scripts_reach_the_package_through_its_two_faces() -> None:
    deep = {}
    for script in sorted((ROOT / "scripts").glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            imported = node.module if isinstance(node, ast.ImportFrom) else None
            if imported and imported.startswith("newsbrief") and imported not in FACES:
                deep[script.name] = imported
    assert not deep, f"scripts importing past newsbrief and newsbrief.stages: {deep}"


def test_every_name_the_faces_offer_exists() -> None:
    for face in (newsbrief, stages):
        missing = [name for name in face.__all__ if not hasattr(face, name)]
        assert not missing, (face.__name__, missing)


def test_the_stages_take_narrow_options_not_the_whole_settings() -> None:
    """Only the rooms that operate a run (settings, run, cli) and the faces hold a `Settings`;
    a stage receives the part it reads, made by its options' `of(settings)`. A function of a
    stage that takes `Settings` is one that could read any of its 48 fields."""
    operating = {"settings", "run", "cli"}
    wide = []
    for path in sorted(PACKAGE.rglob("*.py")):
        room = path.relative_to(PACKAGE).parts[0]
        if room in operating or path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef) or node.name == "of":
                continue
            annotations = [arg.annotation for arg in node.args.args + node.args.kwonlyargs]
            if any(isinstance(a, ast.Name) and a.id == "Settings" for a in annotations):
                wide.append(f"{_module_name(path)}.{node.name}")
    assert not wide, f"stage functions taking the whole Settings: {wide}"
