"""Bytes to text: encoding detected, never assumed; every repair is reported, never silent."""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, field

import ftfy
from charset_normalizer import from_bytes

from newsbrief.errors import ArticleSkipped

# A file with more undecodable bytes than this share is not "UTF-8 with a few stray bytes".
MAX_STRAY_BYTE_SHARE = 0.01
# Control characters (other than tab/newline/CR/form feed) above this share mean binary data.
MAX_CONTROL_SHARE = 0.02


@dataclass
class DecodedText:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def decode_bytes(data: bytes) -> DecodedText:
    """Decode a file's bytes, normalise line ends and repair mojibake, reporting each change."""
    if not data.strip():
        raise ArticleSkipped("empty file")
    if data.startswith(b"\x89PNG") or b"\x00" in data[:4096]:
        raise ArticleSkipped("not text (binary data)")
    decoded = _decode(data)
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise ArticleSkipped("not text (binary data)")
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


def _control_share(text: str) -> float:
    sample = text[:8192]
    controls = sum(
        1 for ch in sample if unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\t\n\f"
    )
    return controls / max(1, len(sample))
