"""Every error newsbrief raises, and the exit code each ends a run with: one table, one base.

A command's exit code says to cron what went worst:

| code | meaning |
|---|---|
| 0 | every article done, up to date or skipped |
| 1 | some articles failed (each has its line; the rest were done) |
| 2 | bad usage: an unknown option or value, a config, prompt or glossary file that cannot be used, |
|   | an output folder that takes no writes |
| 3 | a model the batch needs cannot be found or used (nothing was processed) |
| 4 | a figure or quote did not come through verbatim (`check`, and `run --strict`) |
| 5 | another run holds the output folder |
| 6 | stopped by SIGINT or SIGTERM after the work in flight (the next run goes on) |
| 7 | the output folder's disk is full (the run stopped; what it wrote is complete) |
| 8 | the Ray cluster could not be reached, could place no worker, or was lost mid-run (what was |
|   | done is kept; the next run, local or Ray, finishes the rest) |

Parked articles (failed `max_attempts` runs in a row) do not make a run exit 1 again; the run
that parks one does. An error that ends one article (ArticleSkipped, ArticleFailed) carries the
code the run ends with when it is the worst that happened. One signal is not an error and not
here: limits.OverTimeLimit, a BaseException that newsbrief raises into its own work and catches
itself (a library's `except Exception` must not swallow it); it never reaches a caller.
"""

from __future__ import annotations

import errno
import sqlite3
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    OK = 0
    ARTICLES_FAILED = 1
    USAGE = 2
    MODEL_UNAVAILABLE = 3
    FLAGGED = 4
    LOCKED = 5
    INTERRUPTED = 6
    DISK_FULL = 7
    CLUSTER = 8


# The codes by the names scripts and tests know them by.
EXIT_OK = ExitCode.OK
EXIT_ARTICLES_FAILED = ExitCode.ARTICLES_FAILED
EXIT_USAGE = ExitCode.USAGE
EXIT_MODEL_UNAVAILABLE = ExitCode.MODEL_UNAVAILABLE
EXIT_FLAGGED = ExitCode.FLAGGED
EXIT_LOCKED = ExitCode.LOCKED
EXIT_INTERRUPTED = ExitCode.INTERRUPTED
EXIT_DISK_FULL = ExitCode.DISK_FULL
EXIT_CLUSTER = ExitCode.CLUSTER

# The output's file system has no room left (ENOSPC), or the user's quota is spent (EDQUOT).
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# Errors of the output's file system as a whole: no article could be written after one of them.
OUTPUT_FAILURE_ERRNOS = DISK_FULL_ERRNOS | {errno.EROFS, errno.EIO}


class NewsbriefError(Exception):
    """The base of every error newsbrief raises: what went wrong, in words a user acts on, and
    the exit code a run ends with when it is the worst that happened."""

    exit_code: ExitCode = ExitCode.ARTICLES_FAILED


class ConfigError(NewsbriefError):
    """The configuration file or an option is wrong; reported before any work is done."""

    exit_code = ExitCode.USAGE


class PromptError(ConfigError):
    """A prompt template is missing, malformed or uses a placeholder its task does not offer."""


class GlossaryError(ConfigError):
    """A glossary file that cannot be used: the message names the file and the reason."""


class ArticleSkipped(NewsbriefError):
    """The file is not an article we can process (empty, not text, unsupported language)."""

    exit_code = ExitCode.OK


class ArticleFailed(NewsbriefError):
    """The file looks like an article but is broken (invalid JSON, a required field missing)."""


class FeedUnreadable(NewsbriefError):
    """A feed (a file or a URL) with no entry that can be read; the rest of the run goes on."""


class ModelUnavailable(NewsbriefError):
    """A configured model cannot be loaded; the run stops rather than fall back silently."""

    exit_code = ExitCode.MODEL_UNAVAILABLE

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


class ModelUnusable(NewsbriefError):
    """A model was found but cannot do the task asked of it (e.g. a base model with no chat
    template asked to follow a prompt); no other model is tried in its place."""

    exit_code = ExitCode.MODEL_UNAVAILABLE

    def __init__(self, model: str, reason: str) -> None:
        self.model = model
        self.reason = reason
        super().__init__(f"model {model!r} cannot be used: {reason}")


class OutputLocked(NewsbriefError):
    """Another newsbrief run is working on this output folder."""

    exit_code = ExitCode.LOCKED


class OutputUnwritable(NewsbriefError):
    """The output folder takes no more writes: the disk is full, or it is read-only or failing.
    The run stops at once; what it wrote is complete (each article folder is renamed into place
    whole) and the next run goes on from there. A full disk has its own code (cron can tell it
    from bad usage); a folder that cannot be written at all (read-only, no permission) is a
    usage error."""

    def __init__(self, folder: Path, error: BaseException) -> None:
        self.folder = folder
        self.disk_full = is_disk_full(error)
        self.exit_code = ExitCode.DISK_FULL if self.disk_full else ExitCode.USAGE
        detail = getattr(error, "strerror", None) or str(error)
        what = "disk full" if self.disk_full else "cannot write"
        super().__init__(f"{what}: {folder}: {detail}")


class LedgerDamaged(NewsbriefError):
    """The output folder's ledger is not a whole SQLite database: `run` keeps it aside and
    rebuilds it from the article folders (output/manifest.open_ledger); `status` and `review`,
    which only read, say so."""

    exit_code = ExitCode.USAGE

    def __init__(self, path: Path, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(
            f"the ledger {path} is damaged ({reason}): the next `newsbrief run` on this folder keeps "
            "it aside and rebuilds it from the article folders"
        )


class ClusterUnavailable(NewsbriefError):
    """The Ray cluster is not there for the run (nothing answers at its address, no node can
    take a worker) or went away in the middle of it (its head lost). What was done is recorded;
    the message says what was asked and what the cluster has, or what was kept."""

    exit_code = ExitCode.CLUSTER


class RunInterrupted(NewsbriefError):
    """Raised by the pipeline between two units of work once a stop was requested."""

    exit_code = ExitCode.INTERRUPTED


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
