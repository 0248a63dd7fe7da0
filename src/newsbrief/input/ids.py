"""Article ids: stable across runs, readable, and safe as folder names on any OS."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

MAX_ID_CHARS = 80
WINDOWS_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


def slug_for(relative_path: Path) -> str:
    """`Новини 2023 (копія).txt` -> `новини-2023-копія`; sub/folder/a.txt -> `sub--folder--a`.

    Letters of any script are kept (ids must stay readable for Ukrainian names); everything
    else that could trouble a shell or a file system becomes a hyphen.
    """
    parts = [*relative_path.parent.parts, relative_path.stem]
    slugs = [_slug_part(p) for p in parts if p not in ("", ".")]
    slug = "--".join(s for s in slugs if s) or "article"
    slug = slug[:MAX_ID_CHARS].strip("-.")
    return _not_reserved(slug)


def unique_id(relative_path: Path, taken: set[str]) -> str:
    """The slug, or the slug with a short hash of the path when another file already has it."""
    slug = slug_for(relative_path)
    if slug not in taken:
        return slug
    digest = hashlib.sha1(relative_path.as_posix().encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}"


def _not_reserved(slug: str) -> str:
    """Windows reserves CON, AUX, COM1… with any extension (`con.tar` is the console too), so the
    part before the first dot must not be one of them; outputs get copied to Windows shares."""
    stem, dot, rest = slug.partition(".")
    if stem in WINDOWS_RESERVED:
        return f"{stem}-article{dot}{rest}"
    return slug


def _slug_part(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w.]+", "-", text, flags=re.UNICODE)
    text = re.sub(r"-{2,}", "-", text.replace("_", "-"))
    return text.strip("-.")
