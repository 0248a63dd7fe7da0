"""Datelines: a date and time standing alone on a line (or a scraped header) is metadata, not body."""

from __future__ import annotations

import re

DATE_RE = re.compile(
    r"(?<!\d)(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\d{1,2}\.\d{1,2}\.\d{2,4})(?!\d)"
)
TIME_RE = re.compile(r"(?<!\d)(?:[01]?\d|2[0-3]):[0-5]\d(?!\d)")
HEADER_WORDS = re.compile(
    r"\b(?:date|updated|published|posted|by|дата|оновлено|опубліковано|автор|обновлено)\b",
    re.IGNORECASE,
)
MAX_DATELINE_CHARS = 120
MAX_AUTHOR_WORDS = 4


def parse_dateline(line: str) -> dict[str, str] | None:
    """Metadata from a dateline-only line, or None when the line is ordinary text.

    A dateline holds a date or a time, and besides them at most a short name (the author):
    `24.11.2023, 08:15` or ` date 2023-10-13 Anastasia Pechenyuk21:01, 13.10.23`.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_DATELINE_CHARS or "\n" in stripped:
        return None
    dates = DATE_RE.findall(stripped)
    rest = DATE_RE.sub(" ", stripped)
    times = TIME_RE.findall(rest)
    if not dates and not times:
        return None
    rest = HEADER_WORDS.sub(" ", TIME_RE.sub(" ", rest))
    words = re.findall(r"[^\W\d_][\w'’.-]*", rest)
    if len(words) > MAX_AUTHOR_WORDS or any(not w[0].isupper() for w in words):
        return None
    if re.search(r"\d", rest):
        return None
    metadata = {"dateline": stripped}
    if dates:
        metadata["date"] = dates[0]
    if times:
        metadata["time"] = times[0]
    if words:
        metadata["author"] = " ".join(words)
    return metadata


def split_title_and_datelines(
    paragraphs: list[str], title: str | None
) -> tuple[str, list[str], dict[str, str]]:
    """Take datelines off the top of the body and, when no title is known, the headline.

    The headline is the first short single-line paragraph followed by more text; a one-paragraph
    file has no headline, so its only paragraph stays body.
    """
    metadata: dict[str, str] = {}
    body = list(paragraphs)
    found_title = title or ""
    for _ in range(3):
        if not body:
            break
        dateline = parse_dateline(body[0])
        if dateline is not None:
            for key, value in dateline.items():
                metadata.setdefault(key, value)
            body.pop(0)
        elif not found_title and len(body) > 1 and len(body[0]) <= 300:
            found_title = body.pop(0)
        else:
            break
    if found_title and body and body[0].strip() == found_title.strip():
        body.pop(0)
    return found_title, body, metadata


def paragraphs_of(text: str) -> list[str]:
    """Blank lines separate paragraphs; hard-wrapped lines inside one are joined."""
    blocks = re.split(r"\n\s*\n", text)
    paragraphs = [" ".join(line.strip() for line in b.splitlines() if line.strip()) for b in blocks]
    return [p for p in paragraphs if p]
