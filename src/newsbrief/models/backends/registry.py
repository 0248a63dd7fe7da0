"""The encoder-decoder backends, in the order `backend = "auto"` tries them.

Each entry says whether it is installed here, whether it can run a model, how it is recorded
(its label enters each article's hash: int8 and CTranslate2 write other bits than fp32), and how
to load a model. A new backend (ONNX Runtime, CTranslate2 for BART) is one module with its entry
and one line in REGISTRY; the pool, the config check and the records follow.
"""

from __future__ import annotations

from newsbrief.errors import ModelUnusable
from newsbrief.models.backends.base import Backend
from newsbrief.models.backends.ct2 import CTranslate2Backend
from newsbrief.models.backends.ct2_summariser import CTranslate2SummaryBackend
from newsbrief.models.backends.torch_backend import TransformersBackend
from newsbrief.models.resolve import ResolvedModel

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
