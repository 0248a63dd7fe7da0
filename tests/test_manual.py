"""The manual stays true (issue 36): README is a manual a newcomer reads in minutes (under 30 KB),
every command in README and docs/ names a subcommand, option, make target or script that exists,
every local link leads to a file, and docs/options.md is what the command line says it is."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer
from support.corpus import ROOT

from newsbrief.cli.app import app
from newsbrief.cli.reference import BEGIN, END, options_reference

MANUAL = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def command_lines(text: str) -> list[str]:
    """The lines of the fenced blocks, each without its comment and a leading `$ `."""
    lines = []
    for block in FENCE.findall(text):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip().removeprefix("$ ")
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def newsbrief_calls(path: Path) -> list[list[str]]:
    calls = []
    for line in command_lines(path.read_text(encoding="utf-8")):
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):  # HF_HUB_OFFLINE=1 newsbrief …
            words.pop(0)
        if len(words) > 1 and (words[0] == "newsbrief" or words[0].endswith("bin/newsbrief")):
            calls.append(words[1:])
    return calls


def unknown_in(call: list[str]) -> list[str]:
    """What of `newsbrief CALL` the command line does not know."""
    command = typer.main.get_command(app)
    words = list(call)
    while words and not words[0].startswith("-") and hasattr(command, "commands"):
        if words[0] not in command.commands:  # type: ignore[attr-defined]
            return [f"no subcommand {words[0]!r}"]
        command = command.commands[words.pop(0)]  # type: ignore[attr-defined]
    known = {"--help"}
    for param in command.params:
        known |= {*getattr(param, "opts", ()), *getattr(param, "secondary_opts", ())}
    options = [word.split("=", 1)[0] for word in words if word.startswith("-") and word != "-"]
    return [option for option in options if option not in known]


def test_readme_is_a_manual_of_under_30_kb_and_the_rest_is_in_docs() -> None:
    size = len((ROOT / "README.md").read_bytes())
    assert size < 30_000, f"README.md is {size:,} bytes"
    for name in ("guide", "options", "fidelity", "models", "speed", "cluster", "architecture"):
        assert (ROOT / "docs" / f"{name}.md").is_file(), name


def test_every_newsbrief_command_in_the_manual_exists_as_written() -> None:
    wrong = {}
    calls = 0
    for path in MANUAL:
        for call in newsbrief_calls(path):
            calls += 1
            if problems := unknown_in(call):
                wrong[f"{path.name}: newsbrief {' '.join(call)}"] = problems
    assert calls >= 15, calls  # the parser finds the manual's commands
    assert not wrong, wrong


def test_the_parser_sees_a_wrong_option_and_a_wrong_subcommand() -> None:
    assert unknown_in(["run", "in/", "--out", "x", "--beams", "4"]) == []
    assert unknown_in(["models", "fetch", "--model-set", "fast"]) == []
    assert unknown_in(["run", "in/", "--no-such-option"]) == ["--no-such-option"]
    assert unknown_in(["fetch-models"]) == ["no subcommand 'fetch-models'"]


def test_every_make_target_script_and_local_link_in_the_manual_exists() -> None:
    targets = set(re.findall(r"^([a-z]+):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    missing = []
    for path in MANUAL:
        text = path.read_text(encoding="utf-8")
        for line in command_lines(text):
            words = line.split()
            if words[0] == "make" and len(words) > 1 and words[1] not in targets:
                missing.append(f"{path.name}: make {words[1]}")
            for script in re.findall(r"\bscripts/[\w.-]+\.(?:py|sh)\b", line):
                if not (ROOT / script).is_file():
                    missing.append(f"{path.name}: {script}")
        for target in LINK.findall(text):
            if "://" not in target and not (path.parent / target).exists():
                missing.append(f"{path.name}: link {target}")
    assert not missing, missing


def test_the_options_reference_is_what_the_command_line_says() -> None:
    """docs/options.md's generated part, against the options and settings of this code: an
    option added, renamed or reworded without `python scripts/write_options_reference.py`
    fails here."""
    text = (ROOT / "docs" / "options.md").read_text(encoding="utf-8")
    written = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert written + "\n" == options_reference(), "run python scripts/write_options_reference.py"
    for option in ("--max-memory MB", "--model-set SET", "`max_output_ratio`"):
        assert option in written
