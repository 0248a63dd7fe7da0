"""Word and OpenDocument files are zip packages of XML: checked here before a library parses
them, so that a damaged file is one failed article and a zip bomb (a few KB that unpack to
gigabytes) is refused unread."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict, deque

from newsbrief.errors import ArticleFailed

# A news article's document unpacks to a few MB at most (images included); far beyond is a bomb.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


def open_package(data: bytes, kind: str) -> zipfile.ZipFile:
    """The package, once it is a zip whose members unpack to a sane size; ArticleFailed else."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ArticleFailed(f"not a readable {kind} file (a zip package): {error}") from error
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ArticleFailed(
            f"a {kind} file that unpacks to {unpacked // (1024 * 1024):,} MB (over "
            f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB): refused unread"
        )
    return package


def count_elements(package: zipfile.ZipFile, member: str, pattern: str) -> int:
    """How many elements matching `pattern` a package member holds (0 when it has none)."""
    try:
        text = package.read(member).decode("utf-8", errors="replace")
    except KeyError:
        return 0
    return len(re.findall(pattern, text))


def left_out_warning(package: zipfile.ZipFile, left_out: tuple[tuple[str, str, str], ...]) -> list[str]:
    """One warning for article.json naming what the reader did not take as the article's text:
    `left_out` is (package member, element pattern, what to call them)."""
    counts = [(count_elements(package, member, pattern), name) for member, pattern, name in left_out]
    found = [f"{count} {name}" for count, name in counts if count]
    return [f"left out of the article: {', '.join(found)}"] if found else []


class Replacements:
    """Each source paragraph's new text, found by the paragraph's own text (whitespace aside, as
    reading normalised it), repeats in order: so a paragraph of the document is matched whatever
    became of the ones around it (a title taken from a later heading, a dateline moved to the
    metadata), and one that matches nothing is left as it is."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.queues: dict[str, deque[str]] = defaultdict(deque)
        for source, new in pairs:
            self.queues[_key(source)].append(new)

    def take(self, text: str) -> str | None:
        queue = self.queues.get(_key(text))
        return queue.popleft() if queue else None


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)
