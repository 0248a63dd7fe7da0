"""Marian (OPUS-MT) models through CTranslate2: int8 on the CPU, measured at about 1.6× torch's
own int8 and 4× its fp32 on this kind of machine (docs/ENGINES.md).

A Hugging Face model is converted once (`TransformersConverter`) into a cache folder keyed by the
model's reference and revision, written under a temporary name and renamed, so that two runs or
a kill never leave half a model. Tokenisation uses the model's own SentencePiece files directly,
as MarianTokenizer does: pieces in, pieces out; CTranslate2 maps them to its vocabulary. With
two or more cores there are two translators, and translate_jobs keeps two batches in flight.

It offers the same `generate` and `count_tokens` as Seq2SeqModel, so batching, the figure guard
and verification are shared with the transformers engine.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import platform
import shutil
import uuid
from functools import cache
from pathlib import Path

from newsbrief.errors import ModelUnusable
from newsbrief.models.backends import output_cap, target_token
from newsbrief.models.backends.base import EncoderDecoder, LoadOptions
from newsbrief.models.residency import Residency, weight_bytes
from newsbrief.models.resolve import ResolvedModel, cache_folder

EOS = "</s>"
SPECIAL_PIECES = {EOS, "<pad>", "<unk>"}
M_ARENA_MAX = -8  # glibc's malloc.h


def available() -> bool:
    """Installed here (a core dependency where PyPI has wheels, optional elsewhere)."""
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return False
    return True


def supports(model: ResolvedModel) -> bool:
    """Marian models only: their SentencePiece files are all a translation needs. (M2M100 and
    NLLB convert too, but need target-language prefixes; they stay on transformers.)"""
    if model.gguf_file:
        return False
    config = model.path / "config.json"
    spm_files = (model.path / "source.spm").is_file() and (model.path / "target.spm").is_file()
    return spm_files and json.loads(config.read_text(encoding="utf-8")).get("model_type") == "marian"


def resolve_device(device: str) -> str:
    import ctranslate2

    if device == "auto":
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    return device


def resolve_compute_type(compute_type: str, device: str) -> str:
    """`auto`: int8 on a CPU, int8_float16 on a GPU."""
    if compute_type != "auto":
        return str(compute_type)  # a plain str for the binding, whatever enum it came as
    return "int8_float16" if resolve_device(device) == "cuda" else "int8"


def default_threads() -> int:
    """Every core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def split_threads(threads: int) -> tuple[int, int]:
    """(translators, threads each). Two translators of half the threads beat one with all of them
    (1.46× on 2 cores, docs/ENGINES.md trap 7), but only with two batches at once: translate_jobs
    keeps `parallel_batches` in flight. More would hold more batches' memory for little gain."""
    translators = 2 if threads >= 2 else 1
    return translators, max(1, threads // translators)


def cache_root() -> Path:
    return cache_folder("ctranslate2")


def converted(model: ResolvedModel, root: Path | None = None, quantization: str | None = None) -> Path:
    """The CTranslate2 copy of `model`, converting it on first use. `quantization` "int8" stores
    the weights as an int8 run computes them: CTranslate2 reads a whole float32 model.bin before
    it quantizes it, so a float32 copy of bart-large-cnn (1.6 GB) raised a run's peak by 1.6 GB
    as it loaded, for 0.4 GB of int8 weights. The int8 weights are the same either way (every
    hypothesis and score equal on a random tc-big, and the golden run's files byte for byte)."""
    root = root or cache_root()
    stored = f"@{quantization}" if quantization else ""  # float32 copies keep their old names
    key = hashlib.sha256(f"{model.ref}@{model.revision}{stored}".encode()).hexdigest()[:16]
    name = Path(model.ref.rstrip("/")).name or "model"
    target = root / f"{name}-{key}"
    if (target / "model.bin").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".tmp-{name}-{uuid.uuid4().hex[:8]}"
    try:
        _convert_in_child_process(model.path, staging, quantization)
        try:
            staging.rename(target)
        except OSError:  # another run converted it meanwhile
            if not (target / "model.bin").is_file():
                raise
    except Exception as error:
        raise ModelUnusable(model.ref, f"cannot convert to CTranslate2: {error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def return_freed_memory() -> None:
    """glibc keeps what a program frees for its next allocations: after CTranslate2 loads a model
    (its file is read whole, then converted) or unloads one, RSS stays as high as before until
    malloc_trim hands the free pages back (scripts/bench_default.py: 1.6 GB of four unloaded
    models stayed resident, 28 MB after the trim). Elsewhere than glibc: nothing."""
    if (libc := _glibc()) is not None:
        libc.malloc_trim(0)


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread that allocates its own arena and rarely hands their free memory
    back: with two translators decoding, scripts/bench.py's run peaked at 1.4-1.5 GB, and at
    0.88 GB with two arenas, at the same speed (2 cores). Elsewhere than glibc: nothing."""
    if (libc := _glibc()) is not None:
        libc.mallopt(M_ARENA_MAX, arenas)


@cache  # platform.libc_ver() reads the interpreter's file: once, not at every model load
def _glibc() -> ctypes.CDLL | None:
    """The C library where it is glibc and has malloc_trim and mallopt; None elsewhere."""
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def _convert_in_child_process(source: Path, destination: Path, quantization: str | None) -> None:
    """Conversion loads the whole fp32 model through transformers and torch: in a child process
    that memory goes back to the system, and the run itself never imports torch."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # no copy of the parent's threads
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as child:
        child.submit(_convert, source, destination, quantization).result()


# What each architecture does, where CTranslate2's loader asks the config for it (see _convert):
# BART normalises after each block and its embeddings; Pegasus before each block, not its embeddings.
ARCHITECTURE_FLAGS = {
    "bart": {"normalize_before": False},
    "pegasus": {"normalize_before": True, "normalize_embedding": False},
}


def _convert(source: Path, destination: Path, quantization: str | None) -> None:
    import ctranslate2

    class Converter(ctranslate2.converters.TransformersConverter):
        def load_model(self, model_class, model_name_or_path, **kwargs):
            """CTranslate2 4.8's BART and Pegasus loaders read `config.normalize_before` and
            `normalize_embedding`, which a config saved by transformers 5 no longer holds (the
            hub's bart-large-cnn and pegasus-xsum configs do): what the architecture does."""
            model = super().load_model(model_class, model_name_or_path, **kwargs)
            for name, value in ARCHITECTURE_FLAGS.get(model.config.model_type, {}).items():
                if not hasattr(model.config, name):
                    setattr(model.config, name, value)
            return model

    Converter(str(source)).convert(str(destination), quantization=quantization, force=True)


class ResidentTranslator:
    """What both CTranslate2 models share: a `ctranslate2.Translator` whose weights the run's
    Residency may release while the model is idle, and which reloads them when next used."""

    translator: object
    weight_bytes: int
    residency: Residency

    def open_translator(
        self, model: ResolvedModel, compute_type: str, intra: int, inter: int, residency: Residency | None
    ) -> None:
        import ctranslate2

        config = json.loads((model.path / "config.json").read_text(encoding="utf-8"))
        self.weight_bytes = weight_bytes(config, bytes_per_weight(compute_type))
        self.residency = residency or Residency()
        self.residency.make_room(self.weight_bytes)
        limit_malloc_arenas()  # before its threads first allocate
        quantization = "int8" if compute_type.startswith("int8") else None
        self.translator = ctranslate2.Translator(
            str(converted(model, quantization=quantization)),
            device=self.device,  # type: ignore[attr-defined]
            compute_type=compute_type,
            intra_threads=intra,
            inter_threads=inter,
        )
        return_freed_memory()
        self.residency.admit(self)

    def release(self) -> None:
        self.translator.unload_model()  # type: ignore[attr-defined]
        return_freed_memory()

    def restore(self) -> None:
        self.translator.load_model()  # type: ignore[attr-defined]
        return_freed_memory()


def bytes_per_weight(compute_type: str) -> float:
    if compute_type.startswith("int8"):
        return 1.0
    return 2.0 if compute_type in ("int16", "float16", "bfloat16") else 4.0


class CTranslate2Model(ResidentTranslator):
    """One converted Marian model, loaded once per run."""

    def __init__(
        self,
        model: ResolvedModel,
        device: str = "auto",
        compute_type: str = "auto",
        threads: int = 0,
        decoding: dict[str, float] | None = None,
        residency: Residency | None = None,
    ) -> None:
        import sentencepiece as spm

        self.resolved = model
        self.device = resolve_device(device)
        self.compute_type = resolve_compute_type(compute_type, device)
        # Translators: translate_jobs keeps as many batches in flight.
        self.parallel_batches, each = split_threads(threads or default_threads())
        if self.device == "cuda":
            self.parallel_batches, each = 1, 1  # one GPU: one translator
        self.open_translator(model, self.compute_type, each, self.parallel_batches, residency)
        self.source_spm = spm.SentencePieceProcessor(model_file=str(model.path / "source.spm"))
        self.vocabulary = _vocabulary(model.path)
        self._target_tokens: dict[str | None, str | None] = {}
        self.max_input_tokens = self._max_input_tokens()
        self.decoding = {**checkpoint_decoding(model.path), **(decoding or {})}

    def _max_input_tokens(self) -> int:
        config = json.loads((self.resolved.path / "config.json").read_text(encoding="utf-8"))
        return int(config.get("max_position_embeddings") or 512)

    def pieces(self, texts: list[str], target_lang: str | None = None) -> list[list[str]]:
        """The source as MarianTokenizer makes it and the model was trained on: the target
        token of a multilingual model first, then the SentencePiece pieces, then `</s>`, which
        the converted model does not add itself (CTranslate2's guide builds the source from
        `tokenizer.encode`, which ends in it)."""
        token = self.target_token(target_lang)
        head = [token] if token else []
        return [[*head, *self.source_spm.encode(text, out_type=str), EOS] for text in texts]

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(p) for p in self.pieces(texts)]

    def target_token(self, target_lang: str | None) -> str | None:
        """The `>>ukr<<` a multilingual model needs first (backends.target_token), once per language."""
        if target_lang not in self._target_tokens:
            self._target_tokens[target_lang] = target_token(self.vocabulary, target_lang, self.resolved.ref)
        return self._target_tokens[target_lang]

    def generate(
        self,
        texts: list[str],
        *,
        num_beams: int,
        max_new_tokens: int,
        min_new_tokens: int = 0,
        output_ratio: float | None = None,
        source_lang: str | None = None,
        target_lang: str | None = None,
        num_return_sequences: int = 1,
    ) -> list[str]:
        """As Seq2SeqModel.generate: with n return sequences, the n best of each input in turn."""
        pieces = self.pieces(texts, target_lang)
        max_new_tokens = output_cap(max_new_tokens, output_ratio, max(len(p) for p in pieces))
        with self.residency.using(self):
            results = self.translator.translate_batch(  # type: ignore[attr-defined]
                pieces,
                beam_size=max(num_beams, num_return_sequences),  # its default is 2: always pass it
                num_hypotheses=num_return_sequences,
                max_decoding_length=max_new_tokens,
                min_decoding_length=max(min_new_tokens, 1),
                max_input_length=0,  # inputs are checked against max_input_tokens, never truncated
                # A hypothesis's length counts its `</s>`, as transformers counts it when it divides
                # the score by the length: otherwise beam search ranks some hypotheses otherwise.
                return_end_token=True,
                **self.decoding,
            )
        return [_detokenize(hypothesis) for result in results for hypothesis in result.hypotheses]


class CTranslate2Backend:
    """The registry entry (registry.py) for Marian models; ct2_summariser's entry is this one with
    another model class and its own rule for what it supports."""

    name = "ctranslate2"
    unsupported = (
        "CTranslate2 runs Marian (OPUS-MT) translators and BART, Pegasus and T5 summarisers here; "
        "use --backend transformers"
    )
    model_class: type = CTranslate2Model

    def available(self) -> bool:
        return available()

    def supports(self, model: ResolvedModel) -> bool:
        return supports(model)

    def label(self, options: LoadOptions) -> str:
        return f"ctranslate2/{resolve_compute_type(options.compute_type, options.device)}"

    def load(self, model: ResolvedModel, options: LoadOptions) -> EncoderDecoder:
        return self.model_class(
            model, options.device, options.compute_type, options.threads, options.decoding, options.residency
        )


def checkpoint_decoding(folder: Path) -> dict[str, float]:
    """The checkpoint's own length penalty and n-gram rule (generation_config.json), in
    CTranslate2's words, as transformers would apply them."""
    path = folder / "generation_config.json"
    config = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    defaults = {}
    if config.get("length_penalty") is not None:
        defaults["length_penalty"] = float(config["length_penalty"])
    if config.get("no_repeat_ngram_size"):
        defaults["no_repeat_ngram_size"] = int(config["no_repeat_ngram_size"])
    return defaults


def _vocabulary(folder: Path) -> list[str]:
    """The tokens of a Marian model, as its tokenizer's vocab.json names them."""
    path = folder / "vocab.json"
    return list(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else []


def _detokenize(pieces: list[str]) -> str:
    text = "".join(p for p in pieces if p not in SPECIAL_PIECES).replace("▁", " ")
    return " ".join(text.split())
