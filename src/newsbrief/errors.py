"""Exceptions that end one article (not the run), and those that end the run."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

# The output's file system has no room left (ENOSPC), or the user's quota is spent (EDQUOT).
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# Errors of the output's file system as a whole: no article could be written after one of them.
OUTPUT_FAILURE_ERRNOS = DISK_FULL_ERRNOS | {errno.EROFS, errno.EIO}


class ArticleSkipped(Exception):
    """The file is not an article we can process (empty, not text, unsupported language)."""


class ArticleFailed(Exception):
    """The file looks like an article but is broken (invalid JSON, a required field missing)."""


class ModelUnavailable(Exception):
    """A configured model cannot be loaded; the run stops rather than fall back silently."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        if looks_like_path(model):
            hint = "  point the configuration at a folder that holds the model (its config.json)."
        else:
            hint = (
                f"  fetch it once with:  newsbrief models fetch {model}\n"
                f"  (or `hf download {model}`), or point the configuration at a local folder."
            )
        super().__init__(f"model {model!r} is not available: {reason}\n{hint}")


class ModelUnusable(Exception):
    """A model was found but cannot do the task asked of it (e.g. a base model with no chat
    template asked to follow a prompt); no other model is tried in its place."""

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(f"model {model!r} cannot be used: {reason}")


class OutputUnwritable(Exception):
    """The output folder takes no more writes: the disk is full, or it is read-only or failing.
    The run stops at once; what it wrote is complete (each article folder is renamed into place
    whole) and the next run goes on from there."""

    def __init__(self, folder: Path, error: BaseException) -> None:
        self.folder = folder
        self.disk_full = is_disk_full(error)
        detail = getattr(error, "strerror", None) or str(error)
        what = "disk full" if self.disk_full else "cannot write"
        super().__init__(f"{what}: {folder}: {detail}")


def is_output_failure(error: OSError) -> bool:
    return error.errno in OUTPUT_FAILURE_ERRNOS


def is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError):
        return error.errno in DISK_FULL_ERRNOS
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF == sqlite3.SQLITE_FULL
    return False


def looks_like_path(ref: str) -> bool:
    """A model reference that names a place on disk rather than a hub repository (`OWNER/NAME`,
    or `OWNER/NAME/FILE.gguf` for one file of a repository)."""
    if ref.startswith((".", "/", "~")) or "\\" in ref:
        return True
    if ref.lower().endswith(".gguf"):
        return ref.count("/") != 2
    return ref.count("/") > 1
