"""What every encoder-decoder backend is to the rest of newsbrief: the loaded model translators
and summarisers call (EncoderDecoder, with its decoding options), the registry entry that loads
it (Backend), and the run's settings it is loaded with (LoadOptions). Protocols only, so that
the backends and the registry import this and never each other in a circle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Required, TypedDict, Unpack

from newsbrief.models.residency import Residency
from newsbrief.models.resolve import ResolvedModel


class GenerateOptions(TypedDict, total=False):
    """How to decode, in the words every backend's `generate` takes them."""

    num_beams: Required[int]
    max_new_tokens: Required[int]
    min_new_tokens: int  # a summary's floor (generation/summaries.py); 0 for translations
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
    # The run's models in memory under its budget (CTranslate2 models only); None: no budget.
    residency: Residency | None = field(default=None, compare=False)


class Backend(Protocol):
    name: str  # as the `backend` setting names it
    unsupported: str  # why a model it does not support cannot run on it, for the user

    def available(self) -> bool: ...

    def supports(self, model: ResolvedModel) -> bool: ...

    def label(self, options: LoadOptions) -> str: ...

    def load(self, model: ResolvedModel, options: LoadOptions) -> EncoderDecoder: ...
