"""Direct quotes, found over a whole article: a quote may open in one paragraph and close in a
later one, and straight marks (`"`, `'`) are paired by how typographers and wire style use them.

The rules (README, "Figures and quotes"):

- Every mark has a role from its neighbours. Directional marks say it themselves: `«`, `„`,
  `“`, `‹`, `‘` open, `»`, `”`, `›`, `’` close (`“` closes a quote that `„` opened, as
  Ukrainian and German print it). A straight `"` or `'` opens when a space, the start of the
  paragraph, a bracket or a dash is before it and a letter, a digit or another opening mark is
  after it; it closes when a letter, a digit or punctuation is before it and a space,
  punctuation or the end is after it. Anything else is no quote mark: `5'11"`, `rock 'n' roll`
  (a single mark between letters is an apostrophe: п'яти, don't, Russia’s, '90s).
- Marks are paired within a paragraph first, innermost first. A quote left open at the end of
  a paragraph goes on in the next one: always for directional marks (Ukrainian print style
  need not reopen), and for straight marks only when the next paragraph opens with a mark
  (the wire convention: each paragraph of a long quotation reopens it, only the last closes).
  A reopening mark is part of the same quote. A quote never closed is no quote: its opening mark
  is reported as unpaired, like a closing mark that closes nothing.
- A closing mark followed by a reporting clause (`," he said`, `», — заявив він`) closes the
  innermost open quote whatever its mark (`“Yes," he said`), and no quote of an earlier
  paragraph runs on past it: narration is never inside a quote, even in flattened wire copy
  whose paragraph breaks were lost and where a quote left open put the marks out of phase.
- Nested quotes are one quote, the outer one; the inner marks stay inside its text.
- Double marks around one to three capitalised words with no punctuation («Укренерго», "Kyiv
  Post") name a company, a paper or a ship: no quote.
- One to three capitalised words in single marks between two capitalised words are a nickname
  (Brian 'Head' Welch): no quote, whatever verb follows.
- Single marks (`‘…’`, `'…'`) are a quote only when they are speech: introduced by a colon or
  a verb of saying right before, followed by one right after (", she said", "— заявив"), or at
  least SINGLE_QUOTE_MIN_WORDS words long. Otherwise they are scare quotes (‘win-win’) and stay
  text. Inside a double-quoted quote they are part of its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsbrief.article import Span

# Opening mark -> the marks that may close it.
CLOSERS = {"«": "»", "„": "“”", "“": "”", "‹": "›", "‘": "’", '"': '"', "'": "'"}
OPENERS = set(CLOSERS)
SINGLE = {"‘", "'"}
STRAIGHT = {'"', "'"}
SINGLE_QUOTE_MIN_WORDS = 6
# Verbs of saying, right before a single-quoted quote or right after it.
SAYING = re.compile(
    r"\b(?:said|says|say|told|tells|added|adds|asked|asks|stated|wrote|writes|declared|warned|"
    r"insisted|replied|explained|noted|announced|заяви(?:в|ла|ли)|сказа(?:в|ла|ли)|дода(?:в|ла|ли)|"
    r"зазначи(?:в|ла|ли)|повідоми(?:в|ла|ли)|наголоси(?:в|ла|ли)|заяви(?:л|ла|ли)|сказа(?:л|ла|ли)|"
    r"добави(?:л|ла|ли)|отмети(?:л|ла|ли)|сообщи(?:л|ла|ли)|подчеркну(?:л|ла|ли))\b",
    re.IGNORECASE,
)
# A reporting clause right after a closing mark: `," he said`, `", the minister told reporters`,
# `», — заявив він`: punctuation, a dash, up to four words, then a verb of saying.
_REPORTED = re.compile(rf"[,.;!?]?\s*(?:[—–-]\s*)?(?:[\w'’.-]+\s+){{0,4}}?{SAYING.pattern}", re.IGNORECASE)
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# «Укренерго», "Kyiv Post", «Азовсталь-2»: one to three capitalised words and no punctuation
# name a company, a paper or a ship, as Ukrainian and Russian print them; they are no quote.
_NAME = re.compile(r"[A-ZА-ЯІЇЄҐЁ0-9][\w'’.-]*(?:\s+[A-ZА-ЯІЇЄҐЁ0-9][\w'’.-]*){0,2}(?<![.])")
_FEET = re.compile(r"\d'\d{1,2}$")
_MEASURED = re.compile(
    r"\s?(?:x\s?\d|-?inch|screen|display|monitor|tv|laptop|tablet|tall|wide|long|high|deep|thick|"
    r"wheels?|rims?|tyres?|tires?|pipes?|model)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Position:
    line: int
    offset: int


@dataclass
class Quotes:
    """Quote spans per line, the marks that paired with nothing (line, offset, mark), and each
    quote's whole text (its pieces in the lines it covers joined by a space)."""

    spans: list[list[Span]]
    unpaired: list[tuple[int, int, str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass
class _Open:
    mark: str
    at: Position
    reopenings: list[Position] = field(default_factory=list)


def find_quotes(lines: list[str], paragraphs: list[int]) -> Quotes:
    """Quote spans of each line; `paragraphs[i]` numbers line i's paragraph (a line of its own
    paragraph where one line is one paragraph)."""
    pairs, unpaired = _pairs(lines, paragraphs)
    kept = [pair for pair in pairs if _is_quote(lines, pair)]
    outer = [p for p in kept if not any(_inside(p, q) for q in kept if q is not p)]
    spans: list[list[Span]] = [[] for _ in lines]
    texts = []
    for opening, closing, reopenings in sorted(outer, key=lambda pair: (pair[0].line, pair[0].offset)):
        pieces = _pieces(lines, opening, closing, reopenings)
        for line, start, end in pieces:
            spans[line].append(Span("quote", start, end, lines[line][start:end]))
        texts.append(" ".join(lines[line][start:end].strip() for line, start, end in pieces))
    return Quotes(spans, unpaired, texts)


def is_quoted(quote: str, article_quotes: list[str]) -> bool:
    """A summary's quote is words of one of the article's quotes, word for word; where the
    article's quote runs over paragraphs, the paragraph join (a space) is no change, and a
    closing comma or full stop inside the marks is punctuation, not words."""
    wanted = _words(quote)
    return bool(wanted) and any(wanted in _words(article_quote) for article_quote in article_quotes)


# A quote span that begins or ends like a reporting clause is most likely narration taken for a
# quote: "it said.", "He said:", "said the minister. " (README: `newsbrief check`).
_REPORTING_END = re.compile(rf"(?:{SAYING.pattern}[^\w]*|:\s*)$", re.IGNORECASE)
_REPORTING_START = re.compile(rf"^\W*{SAYING.pattern}", re.IGNORECASE)


def looks_like_narration(quote: str) -> bool:
    """The cheap alarm of `newsbrief check`: should be false for every quote of a corpus."""
    text = quote.strip()
    return bool(_REPORTING_END.search(text) or _REPORTING_START.search(text))


def _words(text: str) -> str:
    return " ".join(text.split()).strip(" ,.;:")


def _pairs(
    lines: list[str], paragraphs: list[int]
) -> tuple[list[tuple[Position, Position, list[Position]]], list[tuple[int, int, str]]]:
    """Matched (opening, closing, reopening marks) positions, and the marks that match nothing."""
    pairs: list[tuple[Position, Position, list[Position]]] = []
    unpaired: list[tuple[int, int, str]] = []
    stack: list[_Open] = []
    for index, line in enumerate(lines):
        if index and paragraphs[index] != paragraphs[index - 1]:
            stack = _carried_over(stack, line, index, unpaired)
            if stack and line[:1] in OPENERS and _reopens(stack[-1].mark, line[0]):
                stack[-1].reopenings.append(Position(index, 0))
                start = 1
            else:
                start = 0
        else:
            start = 0
        for offset in range(start, len(line)):
            mark = line[offset]
            if mark not in OPENERS and mark not in "»”›’":
                continue
            role = _role(lines, paragraphs, index, offset, stack)
            if role == "close":
                reported = bool(_REPORTED.match(line, offset + 1))
                _close(stack, mark, Position(index, offset), pairs, unpaired, reported)
                if reported:  # narration here: no quote of an earlier paragraph runs on past it
                    stack = _left_open(stack, paragraphs, paragraphs[index], unpaired)
            elif role == "open":
                stack.append(_Open(mark, Position(index, offset)))
            elif role == "stray":
                unpaired.append((index, offset, mark))
    unpaired += [(o.at.line, o.at.offset, o.mark) for o in stack]
    return pairs, sorted(unpaired)


def _carried_over(stack: list[_Open], line: str, index: int, unpaired: list) -> list[_Open]:
    """What stays open into a new paragraph: directional quotes always; straight ones only when
    the paragraph reopens them (wire style), else they were never closed: unpaired."""
    kept = []
    for open_quote in stack:
        if open_quote.mark in STRAIGHT and not line.startswith(open_quote.mark):
            unpaired.append((open_quote.at.line, open_quote.at.offset, open_quote.mark))
        else:
            kept.append(open_quote)
    return kept


def _left_open(stack: list[_Open], paragraphs: list[int], paragraph: int, unpaired: list) -> list[_Open]:
    """The quotes opened (or reopened) in this paragraph; those of earlier ones were never
    closed: unpaired."""
    kept = []
    for open_quote in stack:
        last = open_quote.reopenings[-1] if open_quote.reopenings else open_quote.at
        if paragraphs[last.line] == paragraph:
            kept.append(open_quote)
        else:
            unpaired.append((open_quote.at.line, open_quote.at.offset, open_quote.mark))
    return kept


def _reopens(open_mark: str, mark: str) -> bool:
    return mark == open_mark


def _role(lines: list[str], paragraphs: list[int], index: int, offset: int, stack: list[_Open]) -> str:
    """open, close or none: what a mark does, from its neighbours."""
    line, mark = lines[index], lines[index][offset]
    before = line[offset - 1] if offset else _end_of_previous(lines, paragraphs, index)
    after = line[offset + 1] if offset + 1 < len(line) else _start_of_next(lines, paragraphs, index)
    if mark in "«„‹":
        return "open"
    if mark in "»”›":
        return "close"
    if mark == "“":  # closes „…“, opens “…”
        return "close" if stack and stack[-1].mark == "„" else "open"
    if mark in "‘’" and _apostrophe(before, after, stack):
        return "none"  # Russia’s, countries’ (with no ‘ open)
    if mark == "‘":
        return "open"
    if mark == "’":
        return "close"
    if _feet_and_inches(line, offset, stack) or (mark == "'" and _apostrophe(before, after, stack)):
        return "none"
    return _straight_role(mark, before, after, stack)


def _apostrophe(before: str, after: str, stack: list[_Open]) -> bool:
    """п'яти, don't, Russia’s; '90s; and countries’ when no single quote is open."""
    if _between_letters(before, after) or (before.isspace() and after.isdigit()):
        return True
    at_word_end = before.isalpha() and (after == "" or after.isspace())
    return at_word_end and not _open(stack, "’") and not _open(stack, "'")


def _straight_role(mark: str, before: str, after: str, stack: list[_Open]) -> str:
    opens = (before == "" or before.isspace() or before in "([{—–-") and after != "" and not after.isspace()
    closes = before != "" and not before.isspace() and (after == "" or after.isspace() or not _letter(after))
    if opens and closes:  # between a bracket and punctuation: its open twin decides
        return "close" if _open(stack, mark) else "open"
    if opens:
        return "open"
    if closes:
        return "close" if _open(stack, mark) or mark == '"' else "none"
    return "stray" if mark == '"' else "none"  # a " between two spaces pairs with nothing


def _close(
    stack: list[_Open],
    mark: str,
    at: Position,
    pairs: list[tuple[Position, Position, list[Position]]],
    unpaired: list[tuple[int, int, str]],
    reported: bool,
) -> None:
    """Close the innermost open quote this mark can close; those opened inside it and never
    closed are unpaired. A closing mark that closes nothing is unpaired. A closing mark followed
    by a reporting clause (`," he said`) closes the innermost open quote whatever its mark: in
    flattened wire copy an earlier quote left open, or marks of two styles (`“Yes," he said`),
    would otherwise pair it with a mark before the narration and take the narration in."""
    for depth in range(len(stack) - 1, -1, -1):
        if mark in CLOSERS[stack[depth].mark] or (reported and depth == len(stack) - 1):
            for inner in stack[depth + 1 :]:
                unpaired.append((inner.at.line, inner.at.offset, inner.mark))
            opened = stack[depth]
            del stack[depth:]
            pairs.append((opened.at, at, opened.reopenings))
            return
    if mark != "’":
        unpaired.append((at.line, at.offset, mark))


def _open(stack: list[_Open], mark: str) -> bool:
    return any(mark in CLOSERS[o.mark] for o in stack)


def _is_quote(lines: list[str], pair: tuple[Position, Position, list[Position]]) -> bool:
    """Double marks, unless they mark a name; single marks only when they are speech (see the
    module's rules)."""
    opening, closing, _ = pair
    inner = _text(lines, opening, closing)
    if lines[opening.line][opening.offset] not in SINGLE:
        return not _NAME.fullmatch(inner.strip())
    before = lines[opening.line][: opening.offset].rstrip()
    after = lines[closing.line][closing.offset + 1 :]
    if (
        _NAME.fullmatch(inner.strip())
        and _capitalised(before.split()[-1:])
        and _capitalised(after.split()[:1])
    ):
        return False  # a nickname between a name's words: Brian 'Head' Welch
    if len(inner.split()) >= SINGLE_QUOTE_MIN_WORDS:
        return True
    introduced = before.endswith(":") or bool(SAYING.search(" ".join(before.split()[-3:])))
    followed = bool(SAYING.search(" ".join(after.split()[:3])))
    return introduced or followed


def _capitalised(words: list[str]) -> bool:
    return bool(words) and words[0][:1].isupper()


def _inside(inner: tuple, outer: tuple) -> bool:
    (a, b, _), (c, d, _) = inner, outer
    return (c.line, c.offset) < (a.line, a.offset) and (b.line, b.offset) < (d.line, d.offset)


def _pieces(
    lines: list[str], opening: Position, closing: Position, reopenings: list[Position]
) -> list[tuple[int, int, int]]:
    """(line, start, end) of the quote's text in each line it covers, without its marks."""
    reopened = {(p.line, p.offset) for p in reopenings}
    pieces = []
    for line in range(opening.line, closing.line + 1):
        start = opening.offset + 1 if line == opening.line else (1 if (line, 0) in reopened else 0)
        end = closing.offset if line == closing.line else len(lines[line])
        if start < end:
            pieces.append((line, start, end))
    return pieces


def _text(lines: list[str], opening: Position, closing: Position) -> str:
    return " ".join(lines[line][start:end] for line, start, end in _pieces(lines, opening, closing, []))


def _end_of_previous(lines: list[str], paragraphs: list[int], index: int) -> str:
    """A line boundary inside a paragraph reads as a space; a paragraph's start as nothing."""
    return " " if index and paragraphs[index] == paragraphs[index - 1] else ""


def _start_of_next(lines: list[str], paragraphs: list[int], index: int) -> str:
    return " " if index + 1 < len(lines) and paragraphs[index + 1] == paragraphs[index] else ""


def _letter(ch: str) -> bool:
    return bool(_LETTER_OR_DIGIT.match(ch))


def _between_letters(before: str, after: str) -> bool:
    return _letter(before) and _letter(after)


def _feet_and_inches(line: str, offset: int, stack: list[_Open]) -> bool:
    """5'11" is a height and a 25" screen a size, not quotes; but "…in 2023" closes the quote
    it is in. After a digit, a mark is an inch when no quote is open, or when a measured thing
    follows it (screen, tall, wide…)."""
    mark = line[offset]
    if mark == "'":
        return offset > 0 and line[offset - 1].isdigit() and line[offset + 1 : offset + 2].isdigit()
    if _FEET.search(line[:offset]):
        return True
    if offset == 0 or not line[offset - 1].isdigit():
        return False
    return not _open(stack, '"') or bool(_MEASURED.match(line[offset + 1 :]))
