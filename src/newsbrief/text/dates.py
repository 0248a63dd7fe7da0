"""An article's date in one form, YYYY-MM-DD, whatever form its metadata or its dateline gave:
the review index lists articles by date, and four forms side by side (2023-10-13, 24.11.2023,
2023-12-08T07:40:00+02:00, a feed's RFC 2822) cannot be read down a column. A date that cannot
be read is shown as it was written, never guessed."""

from __future__ import annotations

import re
from datetime import date, datetime
from email.utils import parsedate_to_datetime

MONTHS = {
    **dict.fromkeys(("січня", "январь", "января", "january", "jan"), 1),
    **dict.fromkeys(("лютого", "февраль", "февраля", "february", "feb"), 2),
    **dict.fromkeys(("березня", "март", "марта", "march", "mar"), 3),
    **dict.fromkeys(("квітня", "апрель", "апреля", "april", "apr"), 4),
    **dict.fromkeys(("травня", "май", "мая", "may"), 5),
    **dict.fromkeys(("червня", "июнь", "июня", "june", "jun"), 6),
    **dict.fromkeys(("липня", "июль", "июля", "july", "jul"), 7),
    **dict.fromkeys(("серпня", "август", "августа", "august", "aug"), 8),
    **dict.fromkeys(("вересня", "сентябрь", "сентября", "september", "sep", "sept"), 9),
    **dict.fromkeys(("жовтня", "октябрь", "октября", "october", "oct"), 10),
    **dict.fromkeys(("листопада", "ноябрь", "ноября", "november", "nov"), 11),
    **dict.fromkeys(("грудня", "декабрь", "декабря", "december", "dec"), 12),
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DAY_MONTH_YEAR = re.compile(rf"(?<!\d)(\d{{1,2}})\s+({_MONTH})\.?,?\s+(\d{{4}})(?!\d)", re.IGNORECASE)
MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})(?!\d)", re.IGNORECASE)
NUMERIC = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})$")
# A dateline opens the body: a place, a comma, the date ("Київ, 2 листопада 2023 року.").
DATELINE_LEAD = re.compile(r"^\s*[^\W\d_][^,.:;\n]{0,40},\s*")


def calendar_date(written: str) -> str:
    """`written` as YYYY-MM-DD where it is a date (ISO with or without time and zone, dd.mm.yyyy,
    RFC 2822, "2 листопада 2023"); otherwise as written."""
    text = written.strip()
    parsed = _iso(text) or _numeric(text) or _rfc2822(text) or _words(text)
    return parsed.isoformat() if parsed else text


def dateline_date(opening: str) -> str:
    """The date of a dateline that opens the body, YYYY-MM-DD, or "" when it has none."""
    lead = DATELINE_LEAD.match(opening)
    if not lead:
        return ""
    found = _words(opening[lead.end() : lead.end() + 40], anchored=True)
    return found.isoformat() if found else ""


def _iso(text: str) -> date | None:
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _numeric(text: str) -> date | None:
    match = NUMERIC.match(text)
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    return _date(year + 2000 if year < 100 else year, month, day)


def _rfc2822(text: str) -> date | None:
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None


def _words(text: str, anchored: bool = False) -> date | None:
    for pattern, order in ((DAY_MONTH_YEAR, (0, 1, 2)), (MONTH_DAY_YEAR, (1, 0, 2))):
        match = pattern.match(text) if anchored else pattern.search(text)
        if match:
            parts = match.groups()
            day, month, year = (parts[i] for i in order)
            return _date(int(year), MONTHS[month.lower()], int(day))
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
