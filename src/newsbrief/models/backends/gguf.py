"""A GGUF file, loaded through transformers, and unpacked once into newsbrief's cache.

transformers reads a GGUF file three times when it loads one (for the config, the tokenizer and
the weights), in Python: SmolLM2-135M-Instruct's 90 MB file took 36 s to load here, 3 s of it
de-quantising. Where transformers de-quantised every weight (no GGUF kernels installed), the
model is plain fp32, so its copy (fp32 safetensors, the tokenizer with its chat template, the
generation config) is saved in the cache and later runs load that in a few seconds: a nightly
run pays the unpacking once. It costs the disk of the unquantised model (4 bytes a parameter),
the memory a de-quantised model needs anyway. transformers refuses to save a model loaded from
GGUF, whatever it holds, so the loader is detached from the copy first. Weights left in GGUF
blocks (transformers with the `kernels` package) are not unpacked: the file is read each time.
The cache key holds the file's fingerprint and transformers' version, whose code de-quantised.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from newsbrief.models.resolve import ResolvedModel, cache_folder

COMPLETE = "config.json"  # the folder appears whole: written under a temporary name, then renamed


def unpacked_folder(model: ResolvedModel, root: Path | None = None) -> Path:
    """Where the unpacked copy of a GGUF model is (or would be) kept."""
    assert model.gguf_file, "only a GGUF model is unpacked"
    root = root or cache_folder("gguf")
    key = hashlib.sha256(f"{model.ref}@{model.revision}@{transformers.__version__}".encode()).hexdigest()[:16]
    return root / f"{Path(model.gguf_file).stem}-{key}"


def load_gguf(model: ResolvedModel) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """The tokenizer and fp32 model of a GGUF file: from its unpacked copy when there is one,
    else from the file, leaving the copy for the next run."""
    folder = unpacked_folder(model)
    if (folder / COMPLETE).is_file():
        tokenizer = AutoTokenizer.from_pretrained(folder)
        return tokenizer, AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(model.path, gguf_file=model.gguf_file)
    weights = AutoModelForCausalLM.from_pretrained(model.path, gguf_file=model.gguf_file, dtype=torch.float32)
    if _dequantised(weights):
        _save(tokenizer, weights, folder)
    return tokenizer, weights


def _dequantised(weights: PreTrainedModel) -> bool:
    quantizer = getattr(weights, "hf_quantizer", None)
    blocks = bool(getattr(quantizer, "quantized", None))  # modules transformers left in GGUF blocks
    return not blocks and all(p.dtype == torch.float32 for p in weights.parameters())


def _save(tokenizer: PreTrainedTokenizerBase, weights: PreTrainedModel, folder: Path) -> None:
    """Written under a temporary name and renamed; a failure to write costs only the cache."""
    staging = folder.with_name(f".tmp-{folder.name}-{uuid.uuid4().hex[:8]}")
    loader = weights.hf_quantizer
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        weights.hf_quantizer = None
        config_loader = weights.config.__dict__.pop("quantization_config", None)
        try:
            tokenizer.save_pretrained(staging)
            weights.save_pretrained(staging)
        finally:
            weights.hf_quantizer = loader
            if config_loader is not None:
                weights.config.quantization_config = config_loader
        staging.rename(folder)
    except OSError:  # a full or read-only cache, or another run that unpacked it meanwhile
        pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)
