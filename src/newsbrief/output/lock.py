"""One run per output folder at a time: an OS file lock, so a run killed by SIGKILL or a power
cut leaves no stale lock behind (the kernel releases it with the process)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from newsbrief.errors import OutputLocked, OutputUnwritable
from newsbrief.output.folder import LOCK_HOLDER_NAME, LOCK_NAME


@contextmanager
def output_lock(out_dir: Path, wait_seconds: float = 0) -> Iterator[None]:
    """Holds the folder's lock for the block; waits up to `wait_seconds` for it (0: not at all)."""
    try:
        lock = _acquire(out_dir, wait_seconds)
    except Timeout as error:
        raise OutputLocked(f"another newsbrief run is working on {out_dir} ({_holder(out_dir)})") from error
    except OSError as error:  # read-only, no permission, disk full: before anything is done
        raise OutputUnwritable(out_dir, error) from error
    try:
        holder = {"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
        try:
            (out_dir / LOCK_HOLDER_NAME).write_text(json.dumps(holder), encoding="utf-8")
        except OSError as error:
            raise OutputUnwritable(out_dir, error) from error
        yield
    finally:
        lock.release()


def _acquire(out_dir: Path, wait_seconds: float) -> FileLock:
    """The folder's lock. The run holding it may take back the folder it made, lock file and
    all, when it stops before its first article (cli/run_command.py): a run waiting then finds
    the folder gone (filelock reopens the file as it waits), or holding a file no longer in it,
    and makes the folder again and takes the lock of the one that exists."""
    deadline = time.monotonic() + max(wait_seconds, 0)
    for _ in range(3):
        lock = FileLock(str(out_dir / LOCK_NAME))
        out_dir.mkdir(parents=True, exist_ok=True)
        try:
            lock.acquire(timeout=max(deadline - time.monotonic(), 0) if wait_seconds > 0 else 0)
        except FileNotFoundError:
            continue
        if _holds(lock, out_dir / LOCK_NAME):
            return lock
        lock.release()
    raise Timeout(str(out_dir / LOCK_NAME))


def _holds(lock: FileLock, path: Path) -> bool:
    """Whether the file this lock holds is the one at `path` now (not one unlinked meanwhile)."""
    fd = getattr(getattr(lock, "_context", None), "lock_file_fd", None)  # filelock keeps it there
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino if fd is not None else path.exists()
    except OSError:
        return False


def running_holder(out_dir: Path) -> dict[str, object] | None:
    """The pid and start of the run holding the folder, if that process is alive: `status` tells
    a run still going from one killed. (The lock itself is not tried: a run starting that
    instant would find it taken.)"""
    try:
        holder = json.loads((out_dir / LOCK_HOLDER_NAME).read_text(encoding="utf-8"))
        pid = int(holder["pid"])
        os.kill(pid, 0)
        command = Path(f"/proc/{pid}/cmdline")  # where there is /proc: a pid reused by another program
        if command.parent.is_dir() and b"newsbrief" not in command.read_bytes():
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return holder


def _holder(out_dir: Path) -> str:
    try:
        holder = json.loads((out_dir / LOCK_HOLDER_NAME).read_text(encoding="utf-8"))
        return f"pid {holder['pid']}, since {holder['since']}"
    except (OSError, ValueError, KeyError):
        return "holder unknown"
