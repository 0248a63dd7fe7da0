"""Which models are in memory, under the run's memory budget (`--max-memory`).

A default run uses four large models (three translators and a summariser, about 1.15 GB of int8
weights at their real sizes) but never all at once: a chunk is translated, then summarised, then
its summaries translated. Under a budget too small for all of them, a model that is about to
generate first makes room by releasing the least recently used idle ones (CTranslate2's
`unload_model`, which keeps what it needs to reload quickly), and a released model reloads
itself when next used. A model that is generating is never released. With no budget (0) or
room enough, nothing is ever released, and a run is what it was.

The weights a model needs are estimated from its config (parameters × bytes per weight of its
compute type) before it loads, so room is made before the memory is taken, not after."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

MB = 1024 * 1024
# What a budget holds besides the weights, measured with scripts/bench_default.py at the default
# models' true sizes: the interpreter, libraries and language detector (280 MB idle), and the
# decoder state of the batches in flight (0.5 to 0.6 GB at batch_tokens 2048, beam 4, two in
# flight), with room to spare.
RUN_BASE_MB = 350
DECODING_STATE_MB = 700
# One article in a seq2seq summariser's hands: bart-large-cnn's cross-attention keys and values
# of a full 1,024-token window for each of 4 beams in each of 12 layers (12 × 2 × 1,024 × 1,024
# × 4 beams × 4 bytes).
SUMMARY_STATE_MB = 400


def capacity_for(max_memory_mb: int) -> int:
    """Bytes of weights a budget of `max_memory_mb` holds (0: no limit); at least one byte, so
    that a budget too small for two models still runs, one model at a time."""
    if not max_memory_mb:
        return 0
    return max(1, (max_memory_mb - RUN_BASE_MB - DECODING_STATE_MB) * MB)


class Releasable(Protocol):
    weight_bytes: int

    def release(self) -> None: ...

    def restore(self) -> None: ...


class Residency:
    def __init__(self, capacity_bytes: int = 0) -> None:
        self.capacity_bytes = capacity_bytes  # 0: no limit
        self._loaded: OrderedDict[int, Releasable] = OrderedDict()  # least recently used first
        self._active: Counter[int] = Counter()
        self._lock = threading.Lock()
        self.releases = 0  # reported: each costs a reload

    def make_room(self, weight_bytes: int) -> None:
        """Before a model of `weight_bytes` is loaded."""
        with self._lock:
            self._release_for(weight_bytes)

    def admit(self, model: Releasable) -> None:
        """A model just loaded."""
        with self._lock:
            self._loaded[id(model)] = model

    @contextmanager
    def using(self, model: Releasable) -> Iterator[None]:
        """Around each generation: the model is in memory, and stays while it generates."""
        key = id(model)
        with self._lock:
            if key not in self._loaded:
                self._release_for(model.weight_bytes)
                model.restore()
                self._loaded[key] = model
            self._loaded.move_to_end(key)
            self._active[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._active[key] -= 1

    def resident_bytes(self) -> int:
        return sum(model.weight_bytes for model in self._loaded.values())

    def _release_for(self, weight_bytes: int) -> None:
        if not self.capacity_bytes:
            return
        for key in list(self._loaded):
            if self.resident_bytes() + weight_bytes <= self.capacity_bytes:
                return
            if not self._active[key]:
                self._loaded.pop(key).release()
                self.releases += 1


def summaries_in_flight(max_memory_mb: int, summariser_bytes: int, parallel: int) -> int:
    """How many articles a summariser of `summariser_bytes` may summarise at once under the
    budget: `parallel` (as many as it has translators) where they fit beside its weights and the
    run's base, fewer where not, never fewer than one. No budget: `parallel`."""
    if not max_memory_mb:
        return parallel
    room = max_memory_mb - RUN_BASE_MB - summariser_bytes // MB
    return max(1, min(parallel, room // SUMMARY_STATE_MB))


def weight_bytes(config: dict, bytes_per_weight: float) -> int:
    """An encoder-decoder's weights from its config.json (Marian, BART, T5-like names): the
    shared embedding, each encoder layer's attention and feed-forward, each decoder layer's two
    attentions and feed-forward."""
    d = int(config.get("d_model") or config.get("hidden_size") or 512)
    vocab = int(config.get("vocab_size") or 32000)
    ffn = int(config.get("encoder_ffn_dim") or config.get("d_ff") or 4 * d)
    encoder = int(config.get("encoder_layers") or config.get("num_layers") or 6)
    decoder = int(config.get("decoder_layers") or config.get("num_decoder_layers") or encoder)
    parameters = vocab * d + encoder * (4 * d * d + 2 * d * ffn) + decoder * (8 * d * d + 2 * d * ffn)
    return int(parameters * bytes_per_weight)
