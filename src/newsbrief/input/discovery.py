"""Which files of the input folder are articles, and which are passed over with a reason.

The folder is filled by other systems and other people, so nothing in it is trusted: a symbolic
link may point anywhere (`leak.txt -> /etc/passwd`), loop, or be broken; a pipe named `.txt`
would block a read for ever; the output folder, or another newsbrief output folder, may sit
inside it (its `source.*.txt` would come back as new articles every night). Each such entry is
passed over with one line saying why, never followed and never silently dropped.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.input.feeds import FEED_SUFFIXES
from newsbrief.input.gate import NOT_REGULAR
from newsbrief.input.readers import supported_suffixes

UNDECODABLE = "its name is not valid UTF-8: rename it to have it read"


@dataclass
class PassedOver:
    """An entry of the input folder that is not read, and why (one stderr line)."""

    path: Path
    reason: str


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)  # articles to read, in a stable order
    passed_over: list[PassedOver] = field(default_factory=list)
    # Files of a format newsbrief does not read (.docx, .pdf, .srt, no suffix): never opened,
    # but named and counted, so that a folder of Word files is not a silent, empty night.
    ignored: list[Path] = field(default_factory=list)


def discover(
    input_dir: Path,
    exclude: tuple[str, ...],
    out_dir: Path | None = None,
    is_output_folder: Callable[[Path], bool] = lambda folder: False,
) -> Discovery:
    """Article files under `input_dir`, recursively, in a stable order; entries that are links
    leading out of the folder (or nowhere), special files, `out_dir` and any other folder
    `is_output_folder` recognises (the output folder's owner knows its marks) are passed over."""
    if not input_dir.is_dir():
        return _single_file(input_dir)
    root = input_dir.resolve()
    outputs = _identity(out_dir) if out_dir is not None else None
    found = Discovery()
    candidates: list[Path] = []

    for here, subfolders, names in _walk(input_dir, found):
        subfolders[:] = sorted(
            name
            for name in subfolders
            if _descend(here / name, input_dir, exclude, outputs, found, is_output_folder)
        )
        for name in names:
            path = here / name
            if _excluded(path, input_dir, exclude):
                continue
            if path.suffix.lower() in (*supported_suffixes(), *FEED_SUFFIXES):  # each passes the same rules
                candidates.append(path)
            else:
                found.ignored.append(shown(path))
    found.ignored.sort()
    targets = {path: _article_target(path, root, found) for path in sorted(candidates)}
    # A file reached by its own name and by a link is read once, by its own name.
    chosen: dict[Path, Path] = {}
    for path, target in sorted(targets.items(), key=lambda item: (item[0].is_symlink(), item[0])):
        if target is not None:
            chosen.setdefault(target, path)
    for path, target in targets.items():
        if target is None:
            continue
        if chosen[target] == path:
            found.files.append(path)
        else:
            found.passed_over.append(PassedOver(path, f"the same file as {chosen[target]}"))
    return found


def _walk(top: Path, found: Discovery) -> Iterator[tuple[Path, list[str], list[str]]]:
    """os.walk's top-down walk (the caller prunes the sub-folders it is given), without its
    recursion: a tree 1,100 folders deep is walked, not a RecursionError. A folder that cannot
    be listed is passed over with one line, and the rest is walked."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = [(entry.name, _is_folder(entry)) for entry in entries]
        except OSError as error:
            found.passed_over.append(PassedOver(shown(folder), f"cannot read: {error.strerror or error}"))
            continue
        subfolders = [name for name, is_folder in listed if is_folder]
        names = [name for name, is_folder in listed if not is_folder]
        yield folder, subfolders, names
        stack.extend(folder / name for name in reversed(subfolders))


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """A folder, or a link to one (as os.walk counts them: the walk then passes the link over)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _identity(folder: Path) -> tuple[int, int] | None:
    try:
        status = folder.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _single_file(path: Path) -> Discovery:
    if path.is_symlink() and not path.exists():
        return Discovery(passed_over=[PassedOver(path, "a broken symbolic link")])
    if not path.is_file():
        return Discovery(passed_over=[PassedOver(path, "not a regular file")])
    return Discovery(files=[path])


def _excluded(path: Path, input_dir: Path, exclude: tuple[str, ...]) -> bool:
    relative = path.relative_to(input_dir)
    return any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in exclude)


def _undecodable(path: Path) -> bool:
    """A name that is not valid UTF-8 (Python holds its bytes as lone surrogates): it could be
    neither recorded in the ledger nor written in article.json, the review pages or a log line."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def shown(path: Path) -> Path:
    """The path as it can be printed: undecodable bytes as `\\xe9`."""
    return Path(os.fsencode(path).decode("utf-8", errors="backslashreplace"))


def _descend(
    folder: Path,
    input_dir: Path,
    exclude: tuple[str, ...],
    outputs: tuple[int, int] | None,
    found: Discovery,
    is_output_folder: Callable[[Path], bool],
) -> bool:
    """Whether the walk goes into a sub-folder: never into a link, an output folder or an
    excluded one."""
    if _excluded(folder, input_dir, exclude):
        return False
    if _undecodable(folder):
        found.passed_over.append(PassedOver(shown(folder), UNDECODABLE))
        return False
    if folder.is_symlink():
        reason = f"{_link_problem(folder)}; links to folders are not followed"
        found.passed_over.append(PassedOver(folder, reason))
        return False
    # Never newsbrief's own outputs: reading them back would grow the folder every night.
    # Compared by device and inode: resolving each folder's path costs a stat per level of it.
    is_output = outputs is not None and _identity(folder) == outputs
    return not is_output and not is_output_folder(folder)


def _article_target(path: Path, root: Path, found: Discovery) -> Path | None:
    """The real file behind `path`, or None (with the reason recorded) when it is not one to read."""
    if _undecodable(path):
        found.passed_over.append(PassedOver(shown(path), UNDECODABLE))
        return None
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        found.passed_over.append(PassedOver(path, f"a broken symbolic link (to {os.readlink(path)})"))
        return None
    except (RuntimeError, OSError):  # a loop: RuntimeError before Python 3.13, OSError (ELOOP) after
        found.passed_over.append(PassedOver(path, "a symbolic link loop"))
        return None
    if target != root and root not in target.parents:
        found.passed_over.append(PassedOver(path, f"a symbolic link to {target}, outside the input folder"))
        return None
    if not target.is_file():
        found.passed_over.append(PassedOver(path, NOT_REGULAR))
        return None
    return target


def _link_problem(link: Path) -> str:
    try:
        return f"a symbolic link to {link.resolve(strict=True)}"
    except FileNotFoundError:
        return "a broken symbolic link"
    except (RuntimeError, OSError):
        return "a symbolic link loop"
