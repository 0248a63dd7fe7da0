"""Atomic output: an article's folder is written under a temporary name and renamed into place,
so it is either complete or absent, whatever happens to the process."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"


def write_article_folder(out_dir: Path, article_id: str, files: dict[str, str | bytes]) -> Path:
    """Write `files` (name -> UTF-8 text, or bytes: a document) as `out_dir/article_id/`,
    replacing an older folder."""
    token = uuid.uuid4().hex[:8]
    staging = out_dir / f"{TMP_PREFIX}{article_id}-{token}"
    try:
        _write_files(staging, files)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # a full disk leaves no half-written folder
        raise
    final = out_dir / article_id
    if final.exists():
        retired = out_dir / f"{OLD_PREFIX}{article_id}-{token}"
        final.rename(retired)
        staging.rename(final)
        shutil.rmtree(retired)
    else:
        staging.rename(final)
    return final


def _write_files(staging: Path, files: dict[str, str | bytes]) -> None:
    staging.mkdir(parents=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        with open(staging / name, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())


def recover_interrupted(out_dir: Path) -> None:
    """Undo what a killed run left: drop staging folders, put back a replaced folder if needed."""
    if not out_dir.is_dir():
        return
    for path in out_dir.iterdir():
        if path.name.startswith(TMP_PREFIX) and path.is_dir():
            shutil.rmtree(path)
    for path in out_dir.iterdir():
        if path.name.startswith(OLD_PREFIX) and path.is_dir():
            article_id = path.name[len(OLD_PREFIX) :].rsplit("-", 1)[0]
            final = out_dir / article_id
            if final.exists():
                shutil.rmtree(path)
            else:
                path.rename(final)


def json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def jsonl_text(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
