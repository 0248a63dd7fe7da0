"""Outputs byte for byte as a stored run wrote them: the safety net of a refactoring.

Every corpus, hard and quote article and the trained models' own articles go through the real
CLI twice (the default configuration with the trained models in every role, and one that takes
the other paths: transformers, extractive summaries, three languages, quotes both, figures
localised). Each output file's sha256 is compared with `tests/data/golden/runs.json`, written by
the code as it was before a change. The stored run is tied to the trained weights it was made
with: training is deterministic on one machine and torch, so another CPU or torch may train other
weights; then the comparison cannot mean anything and the test says so (skipped, with both
digests). Regenerate, after a change that is meant to change outputs, with
`NEWSBRIEF_GOLDEN_WRITE=1 pytest tests/test_golden.py`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsbrief.cli import app

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "data" / "golden" / "runs.json"
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
WEIGHTS = ("newsmt/model.safetensors", "bart-lead/model.safetensors")


def weights_digest(trained: Path) -> str:
    digest = hashlib.sha256()
    for name in WEIGHTS:
        digest.update((trained / name).read_bytes())
    return digest.hexdigest()[:16]


def gather_inputs(trained: Path, folder: Path) -> Path:
    for source in (*FOLDERS, trained / "articles"):
        for path in sorted(source.iterdir()):
            if not path.name.endswith(".expected.json"):
                shutil.copy(path, folder / path.name)
    return folder


def run_and_digest(trained: Path, work: Path, name: str) -> dict[str, str]:
    """The run in `work` (relative paths, so that article.json does not name the tmp folder);
    each output file's sha256, with the models' folder written as <models>."""
    roles = [arg for pair in PAIRS for arg in ("-m", f"{pair}={trained / 'newsmt'}")]
    roles += ["-m", f"summariser={trained / 'bart-lead'}"]
    result = CliRunner().invoke(app, ["run", "in", "--out", name, *roles, *RUNS[name]])
    assert result.exit_code in (0, 1, 4), result.output
    out = work / name
    return {
        str(path.relative_to(out)): _digest(path, str(trained))
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != "manifest.sqlite" and not path.name.startswith(".newsbrief.lock")
    }


def _digest(path: Path, models: str) -> str:
    text = path.read_text(encoding="utf-8").replace(models, "<models>")
    text = re.sub(r"(config hash</th><td>)[0-9a-f]{16}", r"\1<hash>", text)  # the review pages
    if path.name == "article.json":  # the hash covers the models' absolute folders
        record = json.loads(text)
        record.pop("config_hash")
        text = json.dumps(record, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_every_output_is_byte_for_byte_the_stored_runs(
    trained_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    inputs = gather_inputs(trained_models, Path("in"))
    runs = {name: run_and_digest(trained_models, tmp_path, name) for name in RUNS}
    for files in runs.values():  # every article written, and reviewed
        written = [path for path in files if path.endswith("/article.json")]
        assert len(written) == len(list(inputs.iterdir())), sorted(written)
    weights = weights_digest(trained_models)
    if os.environ.get("NEWSBRIEF_GOLDEN_WRITE"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps({"weights": weights, "runs": runs}, indent=1) + "\n", encoding="utf-8")
    stored = json.loads(GOLDEN.read_text(encoding="utf-8"))
    if stored["weights"] != weights:
        pytest.skip(f"trained weights {weights}, the stored run's {stored['weights']}: not comparable here")
    for name, files in runs.items():
        assert sorted(files) == sorted(stored["runs"][name]), f"{name}: other files written"
        changed = [path for path, digest in files.items() if stored["runs"][name][path] != digest]
        assert not changed, f"{name}: {len(changed)} file(s) differ from the stored run: {changed[:12]}"
