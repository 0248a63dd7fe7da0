"""The slug an article id is made from: readable, and safe as a folder name on any OS. The id
itself is allocated by the output folder's owner (output/folder.py: allocate_id), which knows
the names an id must never take."""

from __future__ import annotations

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
