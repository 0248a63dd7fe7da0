"""The input gate: every byte a run reads from outside passes here, with the same rules and the
same one-line reasons, whatever the source (a file of the input folder, a feed file there or
named by --feed, a feed URL).

discovery.py decides which entries of the folder are sources (links out of it, special files and
output folders are passed over); this module reads a source's bytes: a regular file only (a pipe
opened here cannot block the run), within `max_file_mb` (a larger one is refused unread, and one
that grows while it is read is cut at the limit and refused), and a URL over http or https only,
within `feed_timeout` seconds to connect, per read and in all, and within the same size cap.
"""

from __future__ import annotations

import os
import stat
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from newsbrief._version import __version__
from newsbrief.errors import ArticleSkipped, FeedUnreadable

MEGABYTE = 1_000_000
NOT_REGULAR = "not a regular file (a pipe, socket or device)"
READ_BLOCK = 1 << 16
URL_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class InputLimits:
    max_bytes: int  # settings.control.max_file_mb, in bytes
    timeout: float  # settings.control.feed_timeout: seconds for a URL, to connect, per read, in all

    @property
    def max_mb(self) -> float:
        return self.max_bytes / MEGABYTE


class TooLarge(ArticleSkipped):
    """A source over the size cap: skipped unread, as a file of the folder always was."""

    def __init__(self, size: int, limits: InputLimits, kind: str = "an article") -> None:
        self.size = size
        super().__init__(f"too large for {kind}: {size / MEGABYTE:,.0f} MB (max_file_mb = {limits.max_mb:g})")


def read_file(path: Path, limits: InputLimits, kind: str = "an article") -> bytes:
    """A regular file's bytes, at most the cap. Opened without blocking (a pipe put in a file's
    place answers at once and is refused); OSError when it cannot be read."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise ArticleSkipped(NOT_REGULAR)
        if status.st_size > limits.max_bytes:
            raise TooLarge(status.st_size, limits, kind)
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            data = stream.read(limits.max_bytes + 1)
    finally:
        os.close(descriptor)
    if len(data) > limits.max_bytes:  # it grew while it was read
        raise TooLarge(len(data), limits, kind)
    return data


def is_url(source: str) -> bool:
    return "://" in source


def read_feed(source: str, limits: InputLimits) -> bytes:
    """A feed's bytes, from a URL or a file; FeedUnreadable (failed) or ArticleSkipped (too
    large, not a regular file) with the reason."""
    if is_url(source):
        return fetch(source, limits)
    try:
        return read_file(Path(source), limits, "a feed")
    except OSError as error:
        raise FeedUnreadable(f"cannot read: {error.strerror or error}") from error


def fetch(url: str, limits: InputLimits) -> bytes:
    """A URL's body: connect, each read and the whole download within `limits.timeout` seconds,
    the body within the cap; FeedUnreadable with the reason otherwise (a server that accepts and
    never answers, or trickles, costs one timeout and one line)."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in URL_SCHEMES:
        raise FeedUnreadable(f"a feed URL must be http or https, not {scheme or 'none'}")
    request = urllib.request.Request(url, headers={"User-Agent": f"newsbrief/{__version__}"})
    deadline = time.monotonic() + limits.timeout
    try:
        with urllib.request.urlopen(request, timeout=limits.timeout) as response:
            return _body(response, deadline, limits)
    except TimeoutError as error:
        raise FeedUnreadable(f"no answer within {limits.timeout:g} s (feed_timeout)") from error
    except urllib.error.HTTPError as error:
        raise FeedUnreadable(f"cannot fetch: HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            raise FeedUnreadable(f"no answer within {limits.timeout:g} s (feed_timeout)") from error
        raise FeedUnreadable(f"cannot fetch: {reason}") from error
    except (HTTPException, OSError, ValueError) as error:
        raise FeedUnreadable(f"cannot fetch: {type(error).__name__}: {error}") from error


def _body(response, deadline: float, limits: InputLimits) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limits.max_bytes:
        raise TooLarge(int(declared), limits, "a feed")
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(READ_BLOCK):
        size += len(chunk)
        if size > limits.max_bytes:
            raise TooLarge(size, limits, "a feed")
        if time.monotonic() > deadline:
            raise FeedUnreadable(f"not whole within {limits.timeout:g} s (feed_timeout)")
        chunks.append(chunk)
    return b"".join(chunks)
