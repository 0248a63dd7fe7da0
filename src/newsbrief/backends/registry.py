"""The encoder-decoder backends, in the order `backend = "auto"` tries them.

Each entry says whether it is installed here, whether it can run a model, how it is recorded
(its label enters each article's hash: int8 and CTranslate2 write other bits than fp32), and how
to load a model. A new backend (ONNX Runtime, CTranslate2 for BART) is one module with its entry
and one line in REGISTRY; the pool, the config check and the records follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Required, TypedDict, Unpack

from newsbrief.backends.ct2 import CTranslate2Backend
from newsbrief.backends.ct2_summariser import CTranslate2SummaryBackend
from newsbrief.backends.torch_backend import TransformersBackend
from newsbrief.errors import ModelUnusable
from newsbrief.models import ResolvedModel


class GenerateOptions(TypedDict, total=False):
    """How to decode, in the words every backend's `generate` takes them."""

    num_beams: Required[int]
    max_new_tokens: Required[int]
    min_new_tokens: int  # a summary's floor (summarising.py); 0 for translations
    output_ratio: float | None  # new tokens at most this many times the longest input's
    source_lang: str | None
    target_lang: str | None  # a multilingual model's target (its token leads the source)
    num_return_sequences: int  # the n best of each input, in turn (the figure guard's candidates)


class EncoderDecoder(Protocol):
    """What translators and summarisers need of a loaded model, whatever runs it."""

    max_input_tokens: int
    parallel_batches: int  # batches it runs at once on threads of its own

    def count_tokens(self, texts: list[str]) -> list[int]: ...

    def target_token(self, target_lang: str | None) -> str | None:
        """A multilingual model's token for `target_lang`; ModelUnusable if it has none."""
        ...

    def generate(self, texts: list[str], **options: Unpack[GenerateOptions]) -> list[str]:
        """Inputs must fit max_input_tokens; never truncated."""
        ...


@dataclass(frozen=True)
class LoadOptions:
    """The run's settings a backend loads a model with."""

    device: str = "auto"
    compute_type: str = "auto"  # CTranslate2's
    quantize: str = "none"  # transformers': "int8" = torch dynamic int8
    threads: int = 0  # 0 = every core this process may use
    decoding: dict[str, float] = field(default_factory=dict)  # overrides of the model's own


class Backend(Protocol):
    name: str  # as the `backend` setting names it
    unsupported: str  # why a model it does not support cannot run on it, for the user

    def available(self) -> bool: ...

    def supports(self, model: ResolvedModel) -> bool: ...

    def label(self, options: LoadOptions) -> str: ...

    def load(self, model: ResolvedModel, options: LoadOptions) -> EncoderDecoder: ...


# Entries may share a name (one engine, several model kinds): a setting names the engine, and the
# first of its entries that supports the model runs it.
REGISTRY: tuple[Backend, ...] = (CTranslate2Backend(), CTranslate2SummaryBackend(), TransformersBackend())
BACKEND_NAMES = tuple(dict.fromkeys(backend.name for backend in REGISTRY))


def backend_named(name: str) -> Backend:
    return next(backend for backend in REGISTRY if backend.name == name)


def choose_backend(setting: str, model: ResolvedModel) -> Backend:
    """`auto`: the first that is installed and supports the model. Asked for by name, a model or
    machine it cannot serve is an error, never a silent change of backend."""
    if setting == "auto":
        return next(b for b in REGISTRY if b.available() and b.supports(model))
    named = [backend for backend in REGISTRY if backend.name == setting]
    if not named[0].available():
        raise ModelUnusable(model.ref, f"--backend {setting}, but {setting} is not installed here")
    for backend in named:
        if backend.supports(model):
            return backend
    raise ModelUnusable(model.ref, named[0].unsupported)
