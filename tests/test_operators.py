"""What an operator reads: every file counted once, in one state, in the same words by the table,
the JSON lines, `status` and the review index; exit codes that keep alerting; a log line for
every way a run ends. The real CLI in a subprocess, on the tiny models."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

from support.corpus import ARTICLES, BAD, ROOT, is_article_folder
from support.runs import ENV, json_lines, kill_when, run_quietly, start

from newsbrief.cli import (
    EXIT_ARTICLES_FAILED,
    EXIT_FLAGGED,
    EXIT_LOCKED,
    EXIT_MODEL_UNAVAILABLE,
    EXIT_OK,
    EXIT_USAGE,
)
from newsbrief.output.lock import output_lock
from newsbrief.run.outcomes import State

ARTICLE_NAMES = ("en-imf-budget.md", "uk-grain-exports.txt")
JUNK = ("empty.txt", "binary-garbage.txt", "unsupported-language-ja.txt")
UNREAD = ("memo.doc", "scan.pdf", "captions.srt", "NOTES")
STATES = [state.value for state in State]


def mixed_folder(target: Path) -> Path:
    """Two articles, three files that are not articles, four of formats newsbrief does not read."""
    target.mkdir(parents=True)
    for name in ARTICLE_NAMES:
        shutil.copy(ARTICLES / name, target / name)
    for name in JUNK:
        shutil.copy(BAD / name, target / name)
    for name in UNREAD:
        (target / name).write_bytes(b"PK\x03\x04 not read")
    return target


def night(source: Path, out: Path, config: Path, *extra: str) -> tuple[int, list[dict]]:
    done = run_quietly("run", source, "--out", out, "-c", config, "--log-format", "json", *extra)
    return done.returncode, json_lines(done.stdout)


def states_of(events: list[dict]) -> dict[str, str]:
    return {Path(e["source"]).name: e["state"] for e in events if e["event"] == "article"}


def test_every_file_is_counted_once_in_one_state_by_every_report(tiny_config: Path, tmp_path: Path) -> None:
    source, out = mixed_folder(tmp_path / "in"), tmp_path / "out"
    files = sorted(p.name for p in source.iterdir())
    articles = {name: "done" for name in ARTICLE_NAMES}
    first_states = {**articles, **dict.fromkeys(JUNK, "skipped"), **dict.fromkeys(UNREAD, "ignored")}
    for number, expected in enumerate(
        (first_states, {**first_states, **dict.fromkeys(ARTICLE_NAMES, "up-to-date")}), start=1
    ):
        code, events = night(source, out, tiny_config)
        assert code == EXIT_OK, events
        assert states_of(events) == expected, f"night {number}"
        assert sorted(states_of(events)) == files  # each file once
        end = events[-1]
        assert end["event"] == "end" and list(end["counts"]) == STATES
        assert end["counts"] == {state: Counter(expected.values())[state] for state in STATES}
        status = run_quietly("status", out).stdout
        counts = ", ".join(f"{end['counts'][state]} {state}" for state in STATES)
        assert f"{counts}, " in status.splitlines()[1], status  # the newest run's line

    human = run_quietly("run", source, "--out", out, "-c", tiny_config)
    assert human.returncode == EXIT_OK
    summary = [line for line in human.stdout.splitlines() if line.startswith("newsbrief: exit 0")]
    assert len(summary) == 1 and f": {counts}; " in summary[0], human.stdout
    for name in UNREAD:
        lines = [line for line in human.stderr.splitlines() if name in line]
        assert len(lines) == 1 and lines[0].startswith("ignored: ")
        assert "not a format newsbrief reads (.atom, .docx, .htm, .html, .json" in lines[0]
        assert ".rss, .txt)" in lines[0]  # feeds are a format it reads
    for name in JUNK:
        assert next(line for line in human.stderr.splitlines() if name in line).startswith("skipped: ")


def test_strict_alerts_for_as_long_as_a_flagged_article_stands(tiny_config: Path, tmp_path: Path) -> None:
    """The tiny models write no figure right, so every article is flagged: an unchanged folder
    exits 4 under --strict every night, not only the night the article was written."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    shutil.copy(ARTICLES / "en-imf-budget.md", source)
    first_code, _ = night(source, out, tiny_config, "--strict")
    second_code, second = night(source, out, tiny_config, "--strict")
    assert (first_code, second_code) == (EXIT_FLAGGED, EXIT_FLAGGED)
    assert states_of(second) == {"en-imf-budget.md": "up-to-date"}
    assert second[-1]["flagged"] == 1 and second[-1]["exit_code"] == EXIT_FLAGGED
    assert "0 written by this run, 1 by earlier runs and unchanged" in second[-1]["reason"]
    assert night(source, out, tiny_config)[0] == EXIT_OK  # without --strict a flag is no failure
    assert run_quietly("check", out).returncode == EXIT_FLAGGED


def test_the_json_log_has_a_start_and_an_end_line_however_the_run_ends(
    tiny_config: Path, tmp_path: Path
) -> None:
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(ARTICLES / "en-imf-budget.md", source)
    (source / "memo.doc").write_bytes(b"PK")  # settled (ignored) before the model is looked for
    out = tmp_path / "out"
    out.mkdir()  # a folder that was there: the stopped run is recorded (a new one is taken back)
    endings = {
        EXIT_USAGE: ((tmp_path / "nowhere", "--out", out, "-c", tiny_config), "does not exist"),
        EXIT_MODEL_UNAVAILABLE: (
            (source, "--out", out, "-c", tiny_config, "-m", "en-uk=newsbrief-tests/not-in-the-cache"),
            "newsbrief-tests/not-in-the-cache",
        ),
        EXIT_OK: ((source, "--out", out, "-c", tiny_config), ""),
    }
    for code, (args, reason) in endings.items():
        done = run_quietly("run", *args, "--log-format", "json")
        events = json_lines(done.stdout)
        assert done.returncode == code, done.stderr
        assert events[0]["event"] == "start" and events[-1]["event"] == "end", events
        assert events[0]["version"] and events[0]["output"] == str(out)
        assert (events[0]["settings"] is None) == (code == EXIT_USAGE)
        assert events[-1]["exit_code"] == code and reason in events[-1]["reason"]
        assert len({e["run"] for e in events}) == 1
        settled = Counter(e["state"] for e in events if e["event"] == "article")
        assert {k: v for k, v in events[-1]["counts"].items() if v} == dict(settled)
    newest_run = run_quietly("status", out).stdout.splitlines()[1]
    assert "finished: 1 done" in newest_run  # the last run, exit 0
    assert "stopped: a model is missing or unusable: 0 done" in run_quietly("status", out).stdout
    with output_lock(out):
        done = run_quietly("run", source, "--out", out, "-c", tiny_config, "--log-format", "json")
    events = json_lines(done.stdout)
    assert done.returncode == EXIT_LOCKED
    assert [e["event"] for e in events] == ["start", "end"] and events[-1]["exit_code"] == EXIT_LOCKED
    assert "another newsbrief run" in events[-1]["reason"]


def test_the_review_index_counts_and_tints_exactly_what_the_records_call_flagged(
    tiny_config: Path, tmp_path: Path
) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    for name in ARTICLE_NAMES:
        shutil.copy(ARTICLES / name, source)
    run_quietly("run", source, "--out", out, "-c", tiny_config)
    # One record whose flagged lines are notes only (as a repaired figure is): not flagged.
    record_path = out / "en-imf-budget" / "article.json"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record["fidelity"]["totals"].update(flagged=False, flagged_segments=2)
    record_path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert run_quietly("review", out).returncode == EXIT_OK
    index = (out / "_review" / "index.html").read_text(encoding="utf-8")
    flagged = {
        folder.name
        for folder in out.iterdir()
        if is_article_folder(folder)
        and json.loads((folder / "article.json").read_text(encoding="utf-8"))["fidelity"]["totals"]["flagged"]
    }
    assert flagged == {"uk-grain-exports"}
    assert set(re.findall(r'<tr class="flagged" data-id="([^"]+)"', index)) == flagged
    assert f"{len(flagged)} flagged;" in index


def test_status_counts_what_a_killed_run_got_through(tiny_config: Path, tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(ARTICLES, source, ignore=shutil.ignore_patterns("*.expected.json"))
    config = tmp_path / "one-article-chunks.toml"
    config.write_text("chunk_words = 1\n" + tiny_config.read_text(encoding="utf-8"), encoding="utf-8")
    process = start("run", source, "--out", out, "-c", config)

    def recorded() -> int:
        if not (out / "manifest.sqlite").exists():
            return 0
        try:
            with sqlite3.connect(out / "manifest.sqlite") as db:
                return db.execute("SELECT COUNT(*) FROM articles WHERE status='done'").fetchone()[0]
        except sqlite3.OperationalError:  # the schema not written yet
            return 0

    kill_when(process, lambda: recorded() >= 2)
    done = recorded()
    run_line = run_quietly("status", out).stdout.splitlines()[1]
    assert "never finished (killed?)" in run_line and f": {done} done, " in run_line, run_line


def test_the_cron_log_has_a_summary_line_per_run_and_is_rotated(tiny_config: Path, tmp_path: Path) -> None:
    source, out = mixed_folder(tmp_path / "in"), tmp_path / "out"
    shutil.copy(BAD / "truncated.json", source)  # fails: exit 1
    out.mkdir()
    (out / "newsbrief.log").write_text("old night\n" * 300, encoding="utf-8")  # 3 KB
    env = {**ENV, "NEWSBRIEF": str(Path(sys.executable).parent / "newsbrief"), "NEWSBRIEF_LOG_MAX_KB": "1"}
    env["NEWSBRIEF_LOG_KEEP"] = "2"
    cron = [
        "bash",
        str(ROOT / "scripts" / "newsbrief-cron.sh"),
        str(source),
        str(out),
        "-c",
        str(tiny_config),
    ]
    for _ in range(3):
        assert (
            subprocess.run(cron, env=env, capture_output=True, text=True).returncode == EXIT_ARTICLES_FAILED
        )
    logs = sorted(p.name for p in out.glob("newsbrief.log*"))
    assert logs == [
        "newsbrief.log",
        "newsbrief.log.1",
        "newsbrief.log.2",
    ]  # each run's log over 1 KB: the oldest dropped
    assert "old night" not in "".join((out / name).read_text(encoding="utf-8") for name in logs)
    log = (out / "newsbrief.log").read_text(encoding="utf-8").splitlines()
    assert log[0].startswith("=== ") and log[-1] == "=== exit 1"
    summary = [line for line in log if line.startswith("newsbrief: exit 1 in ")]
    assert len(summary) == 1
    assert ": 0 done, 2 up-to-date, 3 skipped, 1 failed, 0 parked, 4 ignored; 2 flagged; " in summary[0]


COMMANDS = ((), ("run",), ("check",), ("status",), ("review",), ("export",), ("models",), ("models", "fetch"))


def test_every_help_page_fits_80_columns_and_follows_the_conventions() -> None:
    """Flags take no value, so none shows a type; a choice shows its values; every option says
    what it does; no description is cut mid-sentence; the defaults a user asks about are named."""
    pages = {}
    for command in COMMANDS:
        shown = subprocess.run(
            [sys.executable, "-m", "newsbrief", *command, "--help"],
            env={**ENV, "COLUMNS": "80"},
            capture_output=True,
            text=True,
        )
        assert shown.returncode == EXIT_OK, shown.stderr
        pages[command] = shown.stdout
        assert max(len(line) for line in shown.stdout.splitlines()) <= 80, shown.stdout
        options = shown.stdout  # neither an argument nor an option shows a type (<path>, <bool>)
        assert not re.search(r"<(bool|str|int|float|path|file|list)", options), shown.stdout
        assert "..." not in shown.stdout.replace("[MODEL]...", "").replace("[ARGS]...", ""), shown.stdout
    run_help = pages[("run",)]
    for flag in ("--strict", "--quiet", "--retry-parked", "--review / --no-review"):
        assert re.search(rf"^  (-q, )?{flag}  ", run_help, re.MULTILINE), flag
    for choice in ("human|json", "verbatim|localise", "project|translate", "local|ray"):
        assert choice in run_help
    options = re.findall(r"^  (-\w, )?(--[\w-]+)([^\n]*)", run_help, re.MULTILINE)
    assert all(rest.strip() for _, _, rest in options if not rest.strip().isupper()), options
    for default in ("(default: uk,en)", "default 4", "seq2seq[:MODEL] (the default)"):
        assert default in " ".join(run_help.split()), default
    assert "-c, --config FILE       TOML configuration file." in pages[("models",)]


def on_a_terminal(*args: str | Path, columns: int = 160) -> tuple[int, str]:
    """The CLI on a pseudo-terminal of `columns`, as a person in tmux sees it: every frame the
    progress bar drew, its escape codes taken out."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**ENV, "TERM": "xterm-256color", "COLUMNS": str(columns)}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "newsbrief", *map(str, args)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    drawn = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the run ended
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    code = process.wait(timeout=300)
    text = drawn.decode("utf-8", errors="replace")
    text = re.sub(r"\x1b\[[0-9;]*m|\x1b\][^\x07]*\x07", "", text)  # colours, titles
    return code, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "\n", text)  # cursor moves: a new row


def test_the_progress_bar_shows_files_settled_rate_eta_and_the_article_in_flight(
    tiny_config: Path, tmp_path: Path
) -> None:
    source, out = mixed_folder(tmp_path / "in"), tmp_path / "out"
    shutil.copy(ARTICLES / "ru-sanctions-trade.txt", source)
    total = len(list(source.iterdir()))
    code, screen = on_a_terminal("run", source, "--out", out, "-c", tiny_config)
    assert code == EXIT_OK, screen
    rows = [row.strip() for row in screen.splitlines() if row.strip()]
    files = [row for row in rows if row.startswith("articles")]
    # The run's row: files settled out of all it found (articles, junk, unread formats alike).
    settled = {int(m.group(1)) for row in files if (m := re.search(rf"(\d+)/{total}\s+files", row))}
    assert settled and max(settled) == total and min(settled) < total, files
    assert all("ETA" in row for row in files), files
    # The stage's row: its unit, its rate in that unit, an ETA; each article named while summarised.
    translating = [row for row in rows if row.startswith("translating ")]
    assert translating and all(re.search(r"/[\d,]+\s+words\s+[–\d.,]+ words/s\s+ETA", r) for r in translating)
    summarising = [row for row in rows if row.startswith("summarising")]
    three = (*ARTICLE_NAMES, "ru-sanctions-trade.txt")
    assert {name for name in three if any(name in r for r in summarising)} == set(three), summarising
    rate = r"\d+/3\s+articles\s+[–\d.,]+ articles/s\s+ETA"
    assert any(re.search(rate, r) for r in summarising), summarising


def test_help_and_version_import_nothing_of_the_pipeline() -> None:
    """--help and --version answer from the command line's own declarations: no model engine,
    no language detector, no HTML extractor, no hub client, no stage of the pipeline is imported
    first (scripts/bench_help.py measures the time)."""
    heavy = (
        "torch",
        "transformers",
        "ctranslate2",
        "lingua",
        "trafilatura",
        "huggingface_hub",
        "tqdm",
        "rich",
        "newsbrief.run.batch",
        "newsbrief.fidelity.guard",
        "newsbrief.generation.chunk_work",
    )
    report = "import sys, runpy; sys.argv = ['newsbrief', *sys.argv[1:]]\n"
    report += "try:\n    runpy.run_module('newsbrief', run_name='__main__')\nexcept SystemExit:\n    pass\n"
    report += "print('IMPORTED:', *sorted(m for m in sys.modules if m.split('.')[0] in HEAVY or m in HEAVY))"
    for args in (["--help"], ["--version"], ["run", "--help"]):
        shown = subprocess.run(
            [sys.executable, "-c", f"HEAVY = {set(heavy)!r}\n" + report, *args],
            env=ENV,
            capture_output=True,
            text=True,
        )
        imported = shown.stdout.rpartition("IMPORTED:")[2].split()
        assert "IMPORTED:" in shown.stdout and not imported, (args, imported)


def test_run_help_shows_its_options_in_groups_basics_first() -> None:
    """Every option of `run` in one of its groups, the groups in their order, only --help left
    under Options; the usage line names INPUT_DIR as the Arguments section does (no braces)."""
    shown = subprocess.run(
        [sys.executable, "-m", "newsbrief", "run", "--help"],
        env={**ENV, "COLUMNS": "80"},
        capture_output=True,
        text=True,
    ).stdout
    headers = re.findall(r"^(\w[\w ]*):$", shown, re.MULTILINE)
    groups = ["Basics", "Models", "Summaries", "Fidelity", "Decoding", "Engine", "Operation"]
    assert headers == ["Arguments", *groups, "Options"], headers
    assert re.findall(r"^  (--[\w-]+)", shown.partition("\nOptions:\n")[2], re.MULTILINE) == ["--help"]
    assert shown.splitlines()[0].endswith(" run [OPTIONS] INPUT_DIR") and "{" not in shown.splitlines()[0]


def test_a_run_waiting_on_a_folder_the_run_before_took_back_locks_the_new_one(tmp_path: Path) -> None:
    """The run holding a fresh folder stops before its first article and removes the folder
    (lock file included) while a second run waits on that lock: the second must hold the lock
    of the folder that exists, not the unlinked file it was waiting on."""
    out = tmp_path / "out"
    holder = (
        "import shutil, sys, time\n"
        "from pathlib import Path\n"
        "from newsbrief.output.lock import output_lock\n"
        "out = Path(sys.argv[1])\n"
        "with output_lock(out):\n"
        "    print('locked', flush=True)\n"
        "    time.sleep(1.0)\n"
        "    shutil.rmtree(out)\n"
    )
    first = subprocess.Popen(
        [sys.executable, "-c", holder, str(out)], stdout=subprocess.PIPE, text=True, env=ENV
    )
    assert first.stdout is not None and first.stdout.readline().strip() == "locked"
    with output_lock(out, wait_seconds=20):
        assert (out / ".newsbrief.lock").is_file() and (out / ".newsbrief.lock.json").is_file()
        third = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from pathlib import Path; from newsbrief.output.lock import "
                "output_lock\nwith output_lock(Path(sys.argv[1])): pass",
                str(out),
            ],
            capture_output=True,
            text=True,
            env=ENV,
        )
        assert third.returncode != 0 and "OutputLocked" in third.stderr  # the lock that exists is held
    first.wait(timeout=20)
