"""Bytes to text: encoding detected, never assumed; every repair is reported, never silent."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

import ftfy
from charset_normalizer import from_bytes

from newsbrief.errors import ArticleSkipped

# A file with more undecodable bytes than this share is not "UTF-8 with a few stray bytes".
MAX_STRAY_BYTE_SHARE = 0.01
# Binary data decoded as text is full of control characters: a file is binary when more than
# this share of its first 8 KiB are controls (other than whitespace) *and* more than
# MAX_FEW_CONTROLS of them. A few controls (a backspace pasted from a terminal, Word's vertical
# tab for a line break) are text with debris: they are removed and reported, not the article.
MAX_CONTROL_SHARE = 0.02
MAX_FEW_CONTROLS = 16
# C0 and C1 controls but tab, line feed, form feed and carriage return; and lone surrogates.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Byte order marks of the encodings that hold NUL bytes in ordinary text (Windows "Unicode").
UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass
class DecodedText:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def decode_bytes(data: bytes) -> DecodedText:
    """Decode a file's bytes, normalise line ends and repair mojibake, reporting each change."""
    if not data.strip():
        raise ArticleSkipped("empty file")
    decoded = _decode_with_bom(data)
    if decoded is None:
        if data.startswith(b"\x89PNG") or b"\x00" in data[:4096]:
            raise ArticleSkipped("not text (binary data)")
        decoded = _decode(data)
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    if _looks_binary(text):
        raise ArticleSkipped("not text (binary data)")
    text, removed = remove_control_characters(text)
    decoded.warnings += removed
    if not text.strip():
        raise ArticleSkipped("empty file")
    repaired, steps = ftfy.fix_encoding_and_explain(text)
    if steps:
        decoded.warnings.append("mojibake repaired (text had been decoded with the wrong charset)")
        text = repaired
    lost = text.count("\ufffd")
    if lost:
        decoded.warnings.append(f"{lost} character(s) unrecoverable, shown as U+FFFD")
    decoded.text = unicodedata.normalize("NFC", text)
    return decoded


def _decode_with_bom(data: bytes) -> DecodedText | None:
    """UTF-16 and UTF-32 files (Windows' "Unicode" text) are full of NUL bytes, so their byte
    order mark is read before anything takes them for binary data."""
    for bom, encoding in UTF16_32_BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data.decode(encoding), encoding)
            except UnicodeDecodeError as error:
                raise ArticleSkipped(f"not text: invalid {encoding.upper()} at byte {error.start}") from error
    return None


def _decode(data: bytes) -> DecodedText:
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    stray = _stray_utf8_bytes(data)
    if stray is not None:
        return stray
    best = from_bytes(data).best()
    if best is None:
        raise ArticleSkipped("not text (no character encoding fits)")
    return DecodedText(str(best), best.encoding)


def _stray_utf8_bytes(data: bytes) -> DecodedText | None:
    """UTF-8 with a few invalid bytes: drop them and say where they were."""
    limit = max(4, MAX_STRAY_BYTE_SHARE * len(data))
    parts: list[str] = []
    positions: list[int] = []
    pos = 0
    while pos < len(data):
        try:
            parts.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as err:
            parts.append(data[pos : pos + err.start].decode("utf-8"))
            positions.extend(range(pos + err.start, pos + err.end))
            pos += err.end
            if len(positions) > limit:
                return None
    shown = ", ".join(f"0x{data[p]:02x} at byte {p}" for p in positions[:10])
    more = f" and {len(positions) - 10} more" if len(positions) > 10 else ""
    warning = f"{len(positions)} invalid UTF-8 byte(s) removed: {shown}{more}"
    return DecodedText("".join(parts), "utf-8", [warning])


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    controls = sum(1 for ch in CONTROL_RE.findall(sample) if not ch.isspace())
    return controls > MAX_FEW_CONTROLS and controls / max(1, len(sample)) > MAX_CONTROL_SHARE


def remove_control_characters(text: str) -> tuple[str, list[str]]:
    """Text without control characters and lone surrogates, and what was done, for
    article.json. Controls that are whitespace (vertical tab, file separators) become a space;
    the others (NUL, backspace…) are removed; a lone surrogate (an invalid `\\ud800` escape in
    JSON) becomes U+FFFD, since it cannot be written as UTF-8 at all."""
    found = Counter(CONTROL_RE.findall(text))
    if not found:
        return text, []

    def replacement(match: re.Match[str]) -> str:
        ch = match.group()
        if unicodedata.category(ch) == "Cs":
            return "\ufffd"
        return " " if ch.isspace() else ""

    warnings = []
    controls = {ch: n for ch, n in found.items() if unicodedata.category(ch) == "Cc"}
    if controls:
        shown = ", ".join(f"U+{ord(ch):04X} ×{n}" for ch, n in sorted(controls.items()))
        warnings.append(f"{sum(controls.values())} control character(s) removed: {shown}")
    surrogates = sum(found.values()) - sum(controls.values())
    if surrogates:
        warnings.append(f"{surrogates} lone surrogate(s) (invalid UTF-16 escapes) replaced by U+FFFD")
    return CONTROL_RE.sub(replacement, text), warnings
