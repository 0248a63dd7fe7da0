"""Atomic output: an article's folder is written under a temporary name and renamed into place,
so it is either complete or absent, whatever happens to the process."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from newsbrief.output.folder import RETIRED_PREFIX, STAGING_PREFIX


def write_article_folder(out_dir: Path, article_id: str, files: dict[str, str | bytes]) -> Path:
    """Write `files` (name -> UTF-8 text, or bytes: a document) as `out_dir/article_id/`,
    replacing an older folder."""
    token = uuid.uuid4().hex[:8]
    staging = out_dir / f"{STAGING_PREFIX}{article_id}-{token}"
    try:
        _write_files(staging, files)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # a full disk leaves no half-written folder
        raise
    final = out_dir / article_id
    if final.exists():
        retired = out_dir / f"{RETIRED_PREFIX}{article_id}-{token}"
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
        if path.name.startswith(STAGING_PREFIX) and path.is_dir():
            shutil.rmtree(path)
    for path in out_dir.iterdir():
        if path.name.startswith(RETIRED_PREFIX) and path.is_dir():
            article_id = path.name[len(RETIRED_PREFIX) :].rsplit("-", 1)[0]
            final = out_dir / article_id
            if final.exists():
                shutil.rmtree(path)
            else:
                path.rename(final)
