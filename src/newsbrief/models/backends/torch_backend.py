"""The transformers backend's registry entry: torch and transformers are imported only when it
loads a model (seq2seq.py), so a run that never uses them never pays for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsbrief.models.backends.base import LoadOptions
from newsbrief.models.resolve import ResolvedModel

if TYPE_CHECKING:
    from newsbrief.models.backends.seq2seq import Seq2SeqModel


class TransformersBackend:
    name = "transformers"
    unsupported = "transformers cannot load this model"

    def available(self) -> bool:
        return True  # a core dependency

    def supports(self, model: ResolvedModel) -> bool:
        return True  # what it cannot load fails when loaded, with transformers' own reason

    def label(self, options: LoadOptions) -> str:
        return "transformers/int8" if options.quantize == "int8" else "transformers"

    def load(self, model: ResolvedModel, options: LoadOptions) -> Seq2SeqModel:
        import torch

        from newsbrief.models.backends.seq2seq import Seq2SeqModel

        if options.threads:  # the same threads for torch as for CTranslate2
            torch.set_num_threads(options.threads)
        return Seq2SeqModel(model, options.device, options.quantize, options.decoding or None)
