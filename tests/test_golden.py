"""Outputs byte for byte as a pinned earlier commit writes them, on this machine: the safety net
of a refactoring.

Every corpus, hard and quote article and the trained models' own articles go through the real
CLI twice (the default configuration with the trained models in every role, and one that takes
the other paths: transformers, extractive summaries, three languages, quotes both, figures
localised), once with the code of this checkout and once with the code of the base commit named
in `tests/data/golden/base-commit`, taken from this repository's history (`git archive`), with
the same models, the same inputs and the same environment. Every file each writes must be the
same, byte for byte; only the ledger (timestamps) and the lock file are left out.

Both runs are made here, so the comparison holds on any CPU: a stored digest would hold only on
the machine that trained the weights and wrote it (another CPU trains other weights, and rounds
otherwise). It never skips: where the base commit cannot be had (a shallow clone, no git), the
test fails and says why.

After a change meant to change outputs, commit it and write its commit into base-commit.
`NEWSBRIEF_GOLDEN_BASE=HEAD` compares the working tree with the last commit instead, while a
refactoring is under way.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASE_FILE = ROOT / "tests" / "data" / "golden" / "base-commit"
CORPUS = ROOT.parent / "shared" / "corpus" / "articles"
FOLDERS = (CORPUS, ROOT / "tests" / "data" / "hard", ROOT / "tests" / "data" / "quotes")
PAIRS = ("uk-en", "ru-en", "en-uk", "en-ru", "ru-uk", "uk-ru")
RUNS = {
    "default": (),
    "other-paths": (
        "--backend", "transformers", "--summariser", "extractive", "--to", "uk,en,ru",
        "--quotes", "both", "--figures", "localise", "--summary-languages", "uk,en,ru",
        "--beams", "1", "--figure-candidates", "0",
    ),
}  # fmt: skip
LEFT_OUT = ("manifest.sqlite", ".newsbrief.lock.json")


def base_commit() -> str:
    named = os.environ.get("NEWSBRIEF_GOLDEN_BASE") or BASE_FILE.read_text(encoding="utf-8").split()[0]
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{named}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        reason = f"the golden run's base commit {named} is not in this clone (a shallow clone?)"
        pytest.fail(f"{reason}: {found.stderr}")
    return found.stdout.strip()


def base_code(commit: str, folder: Path) -> Path:
    """The package and prompts of `commit`, as its own tree: src/ and prompts/ under `folder`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src", "prompts"],
        capture_output=True,
        check=True,
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def gather_inputs(trained: Path, folder: Path) -> Path:
    folder.mkdir(parents=True)
    for source in (*FOLDERS, trained / "articles"):
        for path in sorted(source.iterdir()):
            if not path.name.endswith(".expected.json"):
                shutil.copy(path, folder / path.name)
    return folder


def run_both_ways(trained: Path, work: Path, code: Path) -> dict[str, Path]:
    """Each run in `work`, the code's package first on the path: {run name: its output folder}.
    In a folder of its own with the same relative names, so that the paths the files hold are
    the same for both codes."""
    gather_inputs(trained, work / "in")
    roles = [arg for pair in PAIRS for arg in ("-m", f"{pair}={trained / 'newsmt'}")]
    roles += ["-m", f"summariser={trained / 'bart-lead'}"]
    env = {**os.environ, "PYTHONPATH": str(code)}
    where = subprocess.run(
        [sys.executable, "-c", "import newsbrief; print(newsbrief.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(code), where.stdout  # this code, not another
    for name, options in RUNS.items():
        command = [sys.executable, "-m", "newsbrief", "run", "in", "--out", name, *roles, *options]
        done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
        assert done.returncode in (0, 1, 4), f"{code}: {name}: exit {done.returncode}\n{done.stderr[-3000:]}"
    return {name: work / name for name in RUNS}


def written(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name not in LEFT_OUT
    }


def test_every_output_is_byte_for_byte_what_the_base_commit_writes(
    trained_models: Path, tmp_path: Path
) -> None:
    commit = base_commit()
    base = run_both_ways(trained_models, tmp_path / "base", base_code(commit, tmp_path / "base-code"))
    current = run_both_ways(trained_models, tmp_path / "current", ROOT / "src")
    inputs = len(list((tmp_path / "current" / "in").iterdir()))
    for name in RUNS:
        ours, theirs = written(current[name]), written(base[name])
        articles = [path for path in ours if path.endswith("/article.json")]
        assert len(articles) == inputs, f"{name}: {len(articles)} articles written of {inputs}"
        assert sorted(ours) == sorted(theirs), f"{name}: other files than {commit[:12]} writes"
        changed = [path for path in ours if ours[path] != theirs[path]]
        differ = f"{len(changed)} file(s) differ from what {commit[:12]} writes"
        assert not changed, f"{name}: {differ}: {changed[:12]}"
