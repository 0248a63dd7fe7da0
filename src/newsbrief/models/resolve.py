"""Where a model comes from: a hub id, a local folder or a GGUF file, resolved the same way.

Every model, real or tiny, is turned into a local folder here and then loaded with
`from_pretrained(folder)`, so tests exercise the exact path users take.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from newsbrief.errors import ModelUnavailable, looks_like_path

# Configs and tokenizer files; the weights come in one format (weight_patterns), and never the
# TensorFlow/Flax/Rust copies that old repos also carry.
SUPPORT_FILE_PATTERNS = ["*.json", "*.spm", "*.model", "*.txt", "*.tiktoken"]
SAFETENSORS = "*.safetensors"
PYTORCH_BIN = "pytorch_model*.bin"


@dataclass(frozen=True)
class ResolvedModel:
    ref: str  # as the user configured it: hub id or folder
    path: Path  # a local folder holding config.json
    revision: str  # the hub commit, or a content fingerprint for a local folder or file
    gguf_file: str | None = None  # a GGUF file's name inside `path`, loaded with gguf_file=


def cache_folder(kind: str) -> Path:
    """Where newsbrief keeps what it derives from a model (CTranslate2 conversions, unpacked
    GGUF files): `$NEWSBRIEF_CACHE`, or `~/.cache/newsbrief`, one folder per kind."""
    return Path(os.environ.get("NEWSBRIEF_CACHE", Path.home() / ".cache" / "newsbrief")) / kind


def resolve_model(ref: str, allow_download: bool = True) -> ResolvedModel:
    """A local folder for `ref`, downloading a hub model into the HF cache only when allowed.

    A ref ending in `.gguf` is a file: a local path, or `OWNER/REPO/FILE.gguf` on the hub.
    """
    if ref.lower().endswith(".gguf"):
        return _resolve_gguf(ref, allow_download)
    folder = Path(ref).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise ModelUnavailable(ref, f"folder {folder} has no config.json")
        return ResolvedModel(ref, folder.resolve(), "local-" + _folder_fingerprint(folder))
    if looks_like_path(ref):
        raise ModelUnavailable(ref, f"no such folder: {folder}")
    snapshot = _hub_snapshot(ref, allow_download)
    return ResolvedModel(ref, snapshot, snapshot.name)


def _resolve_gguf(ref: str, allow_download: bool) -> ResolvedModel:
    file = Path(ref).expanduser()
    if file.is_file():
        return ResolvedModel(ref, file.parent.resolve(), "gguf-" + _file_fingerprint(file), file.name)
    repo_id, _, filename = ref.rpartition("/")
    if looks_like_path(ref):
        raise ModelUnavailable(ref, f"no such GGUF file: {file} (a hub file is written OWNER/REPO/FILE.gguf)")
    snapshot = _hub_snapshot(repo_id, allow_download, patterns=[filename])
    if not (snapshot / filename).is_file():
        raise ModelUnavailable(ref, f"{repo_id} has no file {filename}")
    return ResolvedModel(ref, snapshot, snapshot.name, filename)


def weight_patterns(repo_files: list[str]) -> list[str]:
    """What to download of a repository: its configs and tokenizer, and its weights once.
    facebook/bart-large-cnn has both model.safetensors and pytorch_model.bin (3.3 GB for 1.6 GB
    of model); safetensors is taken where present (it loads without torch.load), .bin otherwise."""
    from fnmatch import fnmatch

    has_safetensors = any(fnmatch(Path(name).name, SAFETENSORS) for name in repo_files)
    return [*SUPPORT_FILE_PATTERNS, SAFETENSORS if has_safetensors else PYTORCH_BIN]


def _hub_snapshot(repo_id: str, allow_download: bool, patterns: list[str] | None = None) -> Path:
    from huggingface_hub import list_repo_files, snapshot_download

    cached = patterns or [*SUPPORT_FILE_PATTERNS, SAFETENSORS, PYTORCH_BIN]  # whichever came down
    try:
        return Path(snapshot_download(repo_id, allow_patterns=cached, local_files_only=True))
    except Exception as cached_error:  # not in the cache (or a partial one)
        offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
        if offline:
            raise ModelUnavailable(
                repo_id, "not in the Hugging Face cache and downloads are off (HF_HUB_OFFLINE)"
            ) from cached_error
        if not allow_download:  # `newsbrief models` only looks
            raise ModelUnavailable(repo_id, "not in the Hugging Face cache") from cached_error
    if unreachable := hub_unreachable(os.environ.get("HF_ENDPOINT", "https://huggingface.co")):
        raise ModelUnavailable(repo_id, f"not in the Hugging Face cache, and {unreachable}")
    try:
        patterns = patterns or weight_patterns(list_repo_files(repo_id))
        return Path(snapshot_download(repo_id, allow_patterns=patterns))
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ModelUnavailable(repo_id, f"download failed ({type(error).__name__}: {first_line})") from error


@cache  # once a process: every model of a run asks
def hub_unreachable(endpoint: str, timeout: float = 5.0) -> str:
    """Why the hub cannot be reached ("" when it can), found in one request of at most `timeout`
    seconds: huggingface_hub would retry a dead network five times over about 25 s, a line each."""
    from urllib.error import HTTPError, URLError
    from urllib.request import urlopen

    try:
        urlopen(f"{endpoint.rstrip('/')}/api/models?limit=1", timeout=timeout).close()
    except HTTPError:
        return ""  # it answered
    except (URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"the hub ({endpoint}) cannot be reached: {reason}"
    return ""


def _folder_fingerprint(folder: Path) -> str:
    """Changes when any file of the model changes; cheap (names, sizes, config text)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder).as_posix()}:{path.stat().st_size}\n".encode())
    digest.update((folder / "config.json").read_bytes())
    return digest.hexdigest()[:12]


def _file_fingerprint(file: Path, sample: int = 1 << 20) -> str:
    """Size and the first and last MiB: a GGUF of several GB is not hashed whole on every run."""
    digest = hashlib.sha256(str(file.stat().st_size).encode())
    with file.open("rb") as handle:
        digest.update(handle.read(sample))
        handle.seek(max(0, file.stat().st_size - sample))
        digest.update(handle.read(sample))
    return digest.hexdigest()[:12]
