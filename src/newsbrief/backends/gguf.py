"""A GGUF file, unpacked once into a Hugging Face folder in newsbrief's cache.

transformers reads a GGUF file three times when it loads one (for the config, the tokenizer and
the weights), in Python: SmolLM2-135M-Instruct's 90 MB file took 36 s to load here, 3 s of it
de-quantising. The unpacked copy (the de-quantised weights in fp32 safetensors, the tokenizer
with its chat template, the generation config) loads in a few seconds, so a nightly run pays
the unpacking once. It costs the disk of the unquantised model (4 bytes a parameter), the memory
a GGUF model needs anyway. The key holds the file's fingerprint and transformers' version, whose
code did the de-quantising.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

from newsbrief.models import ResolvedModel, cache_folder

COMPLETE = "config.json"  # the folder appears whole: written under a temporary name, then renamed


def unpacked(model: ResolvedModel, root: Path | None = None) -> Path:
    """A folder `from_pretrained` loads without `gguf_file=`, unpacking the file on first use."""
    assert model.gguf_file, "only a GGUF model is unpacked"
    root = root or cache_folder("gguf")
    key = hashlib.sha256(f"{model.ref}@{model.revision}@{transformers.__version__}".encode()).hexdigest()[:16]
    target = root / f"{Path(model.gguf_file).stem}-{key}"
    if (target / COMPLETE).is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".tmp-{target.name}-{uuid.uuid4().hex[:8]}"
    try:
        _unpack(model.path, model.gguf_file, staging)
        try:
            staging.rename(target)
        except OSError:  # another run unpacked it meanwhile
            if not (target / COMPLETE).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _unpack(folder: Path, gguf_file: str, destination: Path) -> None:
    AutoTokenizer.from_pretrained(folder, gguf_file=gguf_file).save_pretrained(destination)
    weights = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf_file, dtype=torch.float32)
    weights.save_pretrained(destination)
