"""The gates (issue 32): whatever enters passes one input gate, whatever is written in the output
folder is named by its owner, and the ledger is an index of the article folders. Each test is a
hostile input or an unlucky fault, run as cron runs it (the real CLI in a subprocess, the tiny
models), asserting the exit code, the stderr line and what is on disk afterwards."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from support.corpus import ARTICLES
from support.newsroom import item, rss
from support.runs import ENV, article_ids, json_lines, newsbrief, night, run_quietly, start, wait_for

from newsbrief.errors import EXIT_ARTICLES_FAILED, EXIT_OK, EXIT_USAGE

GRAIN = (ARTICLES / "uk-grain-exports.txt").read_text(encoding="utf-8")


def articles(events: list[dict]) -> list[dict]:
    return [e for e in events if e["event"] == "article"]


def states(events: list[dict]) -> dict[str, str]:
    return {Path(e["source"]).name: e["state"] for e in articles(events)}


def test_no_input_name_takes_a_name_the_output_folder_holds_and_ids_stay_unique(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Rows 1-3: files named as the ledger and its side files, the review index, and names
    crafted so that a hashed id equals another file's slug. Every night ends well, the ledger
    stays a ledger, each file has its own folder."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    names = [
        "manifest.sqlite.txt",
        "manifest.sqlite-wal.txt",
        "Manifest.SQLite-shm.txt",
        "index.txt",
        "a!.txt",
        "a-cfc7b488.txt",
        "a.txt",
    ]
    for number, name in enumerate(names):
        (source / name).write_text(GRAIN.replace("82", str(100 + number), 1), encoding="utf-8")
    code, events = night(source, out, tiny_config)
    assert code == EXIT_OK, events
    assert set(states(events).values()) == {"done"} and len(states(events)) == len(names), events
    ids = [e["id"] for e in events if e["event"] == "article"]
    assert len({i.casefold() for i in ids}) == len(names), ids
    assert (out / "manifest.sqlite").is_file()
    with sqlite3.connect(out / "manifest.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == len(names)
    index = (out / "_review" / "index.html").read_text(encoding="utf-8")
    assert "<table" in index and index.count(".html") >= len(names)
    assert run_quietly("status", out).returncode == EXIT_OK
    code, events = night(source, out, tiny_config)
    assert code == EXIT_OK and set(states(events).values()) == {"up-to-date"}, events
    assert sorted(e["id"] for e in events if e["event"] == "article") == sorted(ids)
    assert len(article_ids(out)) == len(names)


def test_a_folder_someone_put_in_the_output_folder_is_never_taken_by_an_article(
    tiny_config: Path, tmp_path: Path
) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "notes.txt").write_text(GRAIN, encoding="utf-8")
    (out / "notes").mkdir(parents=True)
    (out / "notes" / "mine.txt").write_text("an editor's own file", encoding="utf-8")
    code, events = night(source, out, tiny_config)
    assert code == EXIT_OK, events
    assert (out / "notes" / "mine.txt").read_text(encoding="utf-8") == "an editor's own file"
    (article_id,) = [e["id"] for e in events if e["event"] == "article"]
    assert article_id != "notes" and (out / article_id / "article.json").is_file()


def as_another_user(command: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """`command` as a user whom file modes bind: as root (who reads any folder), through setpriv
    as nobody; otherwise as this user."""
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], env={**ENV, "HOME": str(home)}, capture_output=True, text=True)


def open_folder() -> Path:
    """A folder another user can work in (pytest's tmp_path is its user's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="newsbrief-gates-"))
    folder.chmod(0o777)
    return folder


def test_an_unreadable_sub_folder_is_one_line_and_the_rest_is_done(tiny_config: Path) -> None:
    """Row 4: a sub-folder the run may not list (mode 000)."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: no user here is refused a folder")
    base = open_folder()
    try:
        source, out = base / "in", base / "out"
        (source / "locked").mkdir(parents=True)
        (source / "grain.txt").write_text(GRAIN, encoding="utf-8")
        (source / "locked" / "secret.txt").write_text(GRAIN, encoding="utf-8")
        out.mkdir()
        out.chmod(0o777)
        (source / "locked").chmod(0)
        done = as_another_user(
            newsbrief("run", source, "--out", out, "-c", tiny_config, "--log-format", "json"), base
        )
        events = json_lines(done.stdout)
        assert done.returncode == EXIT_OK, done.stderr
        got = {
            Path(e["source"]).name: (e["state"], e.get("reason", ""))
            for e in events
            if e["event"] == "article"
        }
        assert got["grain.txt"][0] == "done", got
        assert got["locked"][0] == "skipped" and got["locked"][1].startswith("cannot read"), got
        assert "Traceback" not in done.stderr
    finally:
        (base / "in" / "locked").chmod(0o755)
        shutil.rmtree(base)


def test_a_folder_tree_1100_deep_is_walked(tiny_config: Path, tmp_path: Path) -> None:
    """Row 5: os.walk recursed, one level per folder: RecursionError, nothing processed."""
    source, out = tmp_path / "in", tmp_path / "out"
    deep = source
    for _ in range(1100):  # Path.mkdir(parents=True) recurses too
        deep = deep / "d"
        deep.mkdir(parents=True)
    (deep / "bottom.txt").write_text(GRAIN, encoding="utf-8")
    (source / "top.txt").write_text(GRAIN.replace("82", "83", 1), encoding="utf-8")
    try:
        code, events = night(source, out, tiny_config)
        assert code == EXIT_OK, events
        assert states(events) == {"bottom.txt": "done", "top.txt": "done"}
    finally:  # shutil.rmtree recurses too: pytest could not remove the tree
        (deep / "bottom.txt").unlink()
        while deep != source:
            deep.rmdir()
            deep = deep.parent


def three_articles(source: Path) -> None:
    source.mkdir()
    for number in range(3):
        (source / f"grain-{number}.txt").write_text(
            GRAIN.replace("82", str(90 + number), 1), encoding="utf-8"
        )


@pytest.mark.parametrize("damage", ["random bytes", "half truncated"])
def test_a_damaged_ledger_is_kept_aside_and_rebuilt_so_done_articles_stay_done(
    tiny_config: Path, tmp_path: Path, damage: str
) -> None:
    """Row 9: DatabaseError traceback, exit 1. Now: one line, the damaged file kept aside, the
    ledger rebuilt from the article folders, nothing redone."""
    source, out = tmp_path / "in", tmp_path / "out"
    three_articles(source)
    code, _ = night(source, out, tiny_config)
    assert code == EXIT_OK
    ledger = out / "manifest.sqlite"
    whole = ledger.read_bytes()
    broken = os.urandom(len(whole)) if damage == "random bytes" else whole[: len(whole) // 2]
    ledger.write_bytes(broken)
    assert run_quietly("status", out).returncode == EXIT_USAGE  # one line, no traceback
    done = run_quietly("run", source, "--out", out, "-c", tiny_config, "--log-format", "json")
    events = json_lines(done.stdout)
    assert done.returncode == EXIT_OK, done.stderr
    assert set(states(events).values()) == {"up-to-date"}, events
    (notice,) = [e["message"] for e in events if e["event"] == "notice"]
    assert "damaged" in notice and "rebuilt from 3 article folder(s)" in notice, notice
    (aside,) = out.glob("manifest.sqlite.damaged-*")
    assert aside.name.split("-")[0] == "manifest.sqlite.damaged"
    assert (
        next(p for p in out.glob("manifest.sqlite.damaged-*") if p.name == aside.name).read_bytes() == broken
    )
    status = run_quietly("status", out)
    assert status.returncode == EXIT_OK and "Traceback" not in status.stderr
    human = run_quietly("run", source, "--out", out, "-c", tiny_config)
    assert human.returncode == EXIT_OK and "damaged" not in human.stderr  # said once, when it happened


def test_a_ledger_removed_during_a_run_is_noticed_and_rebuilt(tiny_config: Path, tmp_path: Path) -> None:
    """Row 10: not noticed, exit 0, and the next run redid every article."""
    source, out = tmp_path / "in", tmp_path / "out"
    three_articles(source)
    process = start("run", source, "--out", out, "-c", tiny_config, "--log-format", "json")
    wait_for(out / "manifest.sqlite")
    (out / "manifest.sqlite").unlink()
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == EXIT_OK, stderr
    events = json_lines(stdout)
    (notice,) = [e["message"] for e in events if e["event"] == "notice"]
    assert "removed or replaced during the run" in notice and "rebuilt from 3" in notice, notice
    code, events = night(source, out, tiny_config)
    assert code == EXIT_OK and set(states(events).values()) == {"up-to-date"}, events


def test_a_control_character_in_a_name_never_makes_a_line_of_its_own(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Row 14: a name holding a newline and a fake `failed:` line printed that line."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "grain.txt").write_text(GRAIN, encoding="utf-8")
    (source / "x\nfailed: payroll.txt: disk on fire\x1b[2J.pdf").write_bytes(b"%PDF")
    done = run_quietly("run", source, "--out", out, "-c", tiny_config)
    assert done.returncode == EXIT_OK, done.stderr
    assert not any(line.startswith("failed:") for line in done.stderr.splitlines()), done.stderr
    assert "\x1b" not in done.stderr and "x\\nfailed: payroll.txt" in done.stderr


def gate_config(tiny_config: Path, tmp_path: Path) -> Path:
    """The tiny models, a 1 MB size cap and a 2 s feed timeout."""
    path = tmp_path / "gate.toml"
    limits = "max_file_mb = 1\nfeed_timeout = 2\n"
    path.write_text(limits + tiny_config.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_feed_files_pass_the_same_link_type_and_size_rules_as_articles(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Row 6: a feed file in the folder that links outside it (its text went into the outputs),
    to /dev/zero (2.6 GB, MemoryError), a pipe (blocked for ever), or over the cap (read whole);
    a --feed naming a pipe."""
    source, out, outside = tmp_path / "in", tmp_path / "out", tmp_path / "secret.rss"
    source.mkdir()
    (source / "grain.txt").write_text(GRAIN, encoding="utf-8")
    outside.write_text(
        rss(item("s-1", "Таємний план", "<p>Таємний план уряду на 2024 рік.</p>")), encoding="utf-8"
    )
    (source / "leak.rss").symlink_to(outside)
    (source / "zero.atom").symlink_to("/dev/zero")
    os.mkfifo(source / "pipe.rss")
    os.mkfifo(tmp_path / "named.rss")
    filler = "".join(
        item(f"b-{n}", f"Новина {n}", "<p>" + "Текст новини. " * 400 + "</p>") for n in range(200)
    )
    (source / "big.rss").write_text(rss(filler), encoding="utf-8")
    config = gate_config(tiny_config, tmp_path)
    done = subprocess.run(
        newsbrief(
            "run",
            source,
            "--out",
            out,
            "-c",
            config,
            "--log-format",
            "json",
            "--feed",
            tmp_path / "named.rss",
        ),
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    events = json_lines(done.stdout)
    got = {Path(e["source"]).name: (e["state"], e.get("reason", "")) for e in articles(events)}
    assert done.returncode == EXIT_OK, (done.stderr, got)
    assert got["grain.txt"][0] == "done"
    assert got["leak.rss"] == ("skipped", f"a symbolic link to {outside}, outside the input folder"), got
    assert got["zero.atom"][0] == "skipped" and "outside the input folder" in got["zero.atom"][1], got
    assert got["pipe.rss"] == ("skipped", "not a regular file (a pipe, socket or device)"), got
    assert got["named.rss"] == ("skipped", "not a regular file (a pipe, socket or device)"), got
    assert got["big.rss"][0] == "skipped" and "too large for a feed" in got["big.rss"][1], got
    written = "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.rglob("*") if p.is_file())
    assert "Таємний" not in written


class Newsroom(http.server.BaseHTTPRequestHandler):
    """A feed server on 127.0.0.1: /ok a feed, /hang accepts and never answers, /trickle answers
    a byte at a time, /huge streams past any cap."""

    def do_GET(self) -> None:
        if self.path == "/hang":
            time.sleep(8)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.end_headers()
        if self.path == "/ok":
            self.wfile.write(
                rss(
                    item(
                        "w-1",
                        "Кабмін виділив 500 млн гривень",
                        "<p>Уряд виділив 500 млн гривень на ремонт 12 мостів.</p>",
                    )
                ).encode()
            )
        elif self.path == "/trickle":
            for _ in range(16):
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(0.5)
        elif self.path == "/huge":
            block = b"<!-- " + b"x" * 65_000 + b" -->"
            for _ in range(100):
                self.wfile.write(block)

    def log_message(self, *args: object) -> None:
        pass


def test_a_feed_url_that_hangs_trickles_or_floods_is_one_line_and_the_run_goes_on(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Row 7: no timeout (blocked for ever, the lock held) and no size cap."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Newsroom)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    (source / "grain.txt").write_text(GRAIN, encoding="utf-8")
    feeds = [arg for name in ("hang", "trickle", "huge", "ok") for arg in ("--feed", f"{base}/{name}")]
    began = time.monotonic()
    try:
        code, events = night(source, out, gate_config(tiny_config, tmp_path), *feeds)
    finally:
        server.shutdown()
    assert time.monotonic() - began < 120
    got = {e["source"].rsplit("/", 1)[-1]: (e["state"], e.get("reason", "")) for e in articles(events)}
    assert code == EXIT_ARTICLES_FAILED, got
    assert got["hang"] == ("failed", "no answer within 2 s (feed_timeout)"), got
    assert f"{base}/hang" in {e["source"] for e in articles(events)}  # the URL as given, not https:/
    assert got["trickle"] == ("failed", "not whole within 2 s (feed_timeout)"), got
    assert got["huge"][0] == "skipped" and "too large for a feed" in got["huge"][1], got
    assert got["grain.txt"][0] == "done"
    assert [state for name, (state, _) in got.items() if name.endswith(".json")] == ["done"], got
    assert not (out / ".newsbrief.lock.json").exists() or run_quietly("status", out).returncode == EXIT_OK


def test_a_repeated_feed_entry_is_kept_once_with_a_line(tiny_config: Path, tmp_path: Path) -> None:
    """Row 8: a republished item (the same guid twice): UNIQUE constraint traceback, the first
    entry's text silently overwritten."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    first = item(
        "n-1", "Кабмін виділив 500 млн гривень", "<p>Уряд виділив 500 млн гривень на ремонт 12 мостів.</p>"
    )
    again = item(
        "n-1", "Кабмін виділив 600 млн гривень", "<p>Уряд виділив 600 млн гривень на ремонт 14 мостів.</p>"
    )
    (source / "news.rss").write_text(rss(first, again), encoding="utf-8")
    code, events = night(source, out, tiny_config)
    got = [(Path(e["source"]).name, e["state"], e.get("reason", "")) for e in articles(events)]
    assert code == EXIT_OK, got
    assert sorted(state for _, state, _ in got) == ["done", "skipped"], got
    (skipped,) = [reason for _, state, reason in got if state == "skipped"]
    assert skipped.startswith("a repeated entry (id 'n-1')"), got
    (entry,) = out.glob("_feeds/*/*.json")
    assert "500 млн" in entry.read_text(encoding="utf-8")


def test_a_short_ukrainian_article_read_as_kazakh_whole_is_translated_as_ukrainian(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Row 15: the whole text reads as Kazakh (confidence 1.0), each sentence as Ukrainian: it
    was skipped, 'unsupported language kk', exit 0, lost without a word. A German article is
    still skipped, its sentences' languages in the reason."""
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    short = "Кабмін підвищив мінімальну зарплату до 8 000 гривень. Про це повідомили в уряді.\n"
    (source / "wage.txt").write_text(short, encoding="utf-8")
    german = "Die Regierung hat den Mindestlohn erhöht. Die neue Regelung gilt ab dem ersten Januar.\n"
    (source / "lohn.txt").write_text(german, encoding="utf-8")
    code, events = night(source, out, tiny_config)
    got = {Path(e["source"]).name: e for e in articles(events)}
    assert code == EXIT_OK, got
    assert got["wage.txt"]["state"] == "done", got["wage.txt"]
    record = json.loads((out / got["wage.txt"]["id"] / "article.json").read_text(encoding="utf-8"))
    assert record["language"] == "uk"
    assert got["lohn.txt"]["state"] == "skipped"
    assert got["lohn.txt"]["reason"].startswith("unsupported language de (its sentences: de 100%)"), got


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('exclude = ["{}"]', "exclude"),
        ('prompts = "{}"', "prompts"),
        ('glossary = "{}"', "glossary"),
        ('feeds = ["{}"]', "feeds"),
        ('[models]\n"uk-en" = "{}"', "uk-en"),
    ],
)
def test_a_config_value_of_10_mb_is_refused_naming_its_key_in_a_short_line(
    tmp_path: Path, line: str, key: str
) -> None:
    """Row 13: tracebacks with 10 MB on stderr; the glob took 82 s and 1.6 GB."""
    source = tmp_path / "in"
    source.mkdir()
    (source / "grain.txt").write_text(GRAIN, encoding="utf-8")
    config = tmp_path / "huge.toml"
    config.write_text(line.replace("{}", "a*" * 5_000_000) + "\n", encoding="utf-8")
    began = time.monotonic()
    done = run_quietly("run", source, "--out", tmp_path / "out", "-c", config)
    assert done.returncode == EXIT_USAGE, done.stderr[:2000]
    assert time.monotonic() - began < 60
    assert key in done.stderr and "characters (at most 4,096)" in done.stderr, done.stderr[:2000]
    assert len(done.stderr) < 1000 and "Traceback" not in done.stderr, done.stderr[:2000]


def test_a_prompt_naming_the_article_10000_times_is_refused_at_the_check(
    tiny_config: Path, tmp_path: Path
) -> None:
    """Row 12: accepted; one chunk rendered to a 120 MB prompt."""
    source, prompts = tmp_path / "in", tmp_path / "prompts"
    source.mkdir()
    prompts.mkdir()
    (source / "grain.txt").write_text(GRAIN, encoding="utf-8")
    (prompts / "summarise.md").write_text("# user\nSummarise:\n" + "{article}\n" * 10_000, encoding="utf-8")
    done = subprocess.run(
        newsbrief(
            "run",
            source,
            "--out",
            tmp_path / "out",
            "-c",
            tiny_config,
            "--summariser",
            "instruct",
            "--prompts",
            prompts,
        ),
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_USAGE, done.stderr[-2000:]
    assert "summarise.md" in done.stderr and "{article} (10,000 times)" in done.stderr, done.stderr[-2000:]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*/article.json"))


def test_a_folder_written_before_its_ledger_row_keeps_its_id(tiny_config: Path, tmp_path: Path) -> None:
    """A run killed between an article folder's rename into place and its ledger row: the next
    run must take the folder for the article's own (it is indexed from its article.json), not
    give the article another id beside it as if the folder were someone else's."""
    source, out = tmp_path / "in", tmp_path / "out"
    three_articles(source)
    code, events = night(source, out, tiny_config)
    assert code == EXIT_OK
    ids = sorted(e["id"] for e in articles(events))
    with sqlite3.connect(out / "manifest.sqlite") as db:
        db.execute("DELETE FROM articles WHERE id = ?", (ids[0],))
    code, events = night(source, out, tiny_config)
    assert code == EXIT_OK, events
    assert sorted(e["id"] for e in articles(events)) == ids
    assert set(states(events).values()) == {"up-to-date"}, events
    assert sorted(article_ids(out)) == ids
