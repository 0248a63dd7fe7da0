"""Seq2seq summarisers through CTranslate2, int8 on a CPU: BART (bart-large-cnn and its kind),
Pegasus (pegasus-xsum, pegasus-cnn_dailymail) and T5/mT5 (t5-small … with its `summarize: `).

The same conversion cache as the Marian models (ct2.converted). Tokenisation is the model's own
`tokenizer.json` through the `tokenizers` library, which gives the ids transformers' tokenizer
gives (`<s>` … `</s>` for BART, `… </s>` for T5 and Pegasus), so neither torch nor transformers
is imported to summarise. A BART saved before tokenizer.json existed (sshleifer/distilbart-cnn-12-6,
the fast model set's: vocab.json and merges.txt) gets the tokenizer transformers builds from those
two files, the one its own backend would use. Decoding takes the checkpoint's own generation settings (length
penalty, n-gram rule, minimum length), as the transformers backend does, so both write the same
summaries (tests/test_backend_parity.py, on a trained BART, T5 and Pegasus). The decoder's start token
is the converter's business (it reads decoder_start_token_id: `</s>` for BART, `<pad>` for the
others); a forced first token (BART's `<s>`) is given as the target prefix.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from newsbrief.models.backends import output_cap, summary_prefix
from newsbrief.models.backends.ct2 import (
    CTranslate2Backend,
    ResidentTranslator,
    checkpoint_decoding,
    default_threads,
    resolve_compute_type,
    resolve_device,
    split_threads,
)
from newsbrief.models.residency import Residency
from newsbrief.models.resolve import ResolvedModel

if TYPE_CHECKING:
    from tokenizers import Tokenizer

# config.json's model_type of the summarisers CTranslate2's converter takes and this module runs.
SUMMARY_KINDS = ("bart", "pegasus", "t5", "mt5")


class CTranslate2SummaryModel(ResidentTranslator):
    """One converted summariser, loaded once per run."""

    def __init__(
        self,
        model: ResolvedModel,
        device: str = "auto",
        compute_type: str = "auto",
        threads: int = 0,
        decoding: dict[str, float] | None = None,
        residency: Residency | None = None,
    ) -> None:
        self.resolved = model
        self.device = resolve_device(device)
        self.compute_type = resolve_compute_type(compute_type, device)
        # Two translators of half the threads, as for translation: chunks._summarise_all keeps
        # as many articles in flight (scripts/bench_summaries.py, bart-large-cnn's size on 2
        # cores: 3.1 s an article against 5.0 s with one translator of both threads). A run
        # with one article to summarise leaves a core idle for it (about 1.5× its time).
        self.parallel_batches, each = split_threads(threads or default_threads())
        if self.device == "cuda":
            self.parallel_batches, each = 1, 1  # one GPU: one translator
        self.open_translator(model, self.compute_type, each, self.parallel_batches, residency)
        self.tokenizer = _tokenizer(model.path)
        # A tokenizer.json saved after training may keep the truncation and padding it was
        # trained with; the `tokenizers` library would apply them to every input. An input
        # is never cut here (it is checked against max_input_tokens), nor padded.
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        generation = _json(model.path / "generation_config.json")
        config = _json(model.path / "config.json")
        # As Seq2SeqModel: the checkpoint's minimum is a ceiling the summariser lowers for short inputs.
        self.checkpoint_min_length = int(generation.get("min_length") or 0)
        self.decoding = {**checkpoint_decoding(model.path), **(decoding or {})}  # a translator's overrides
        forced_bos = generation.get("forced_bos_token_id", config.get("forced_bos_token_id"))
        self.target_prefix = [self.tokenizer.id_to_token(forced_bos)] if forced_bos is not None else None
        tokenizer_config = _json(model.path / "tokenizer_config.json")
        limits = [config.get("max_position_embeddings"), tokenizer_config.get("model_max_length")]
        usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < 1_000_000]
        self.max_input_tokens = min(usable) if usable else 1024
        self.summary_prefix = summary_prefix(model.path)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(encoding.ids) for encoding in self.tokenizer.encode_batch(texts)]

    def target_token(self, target_lang: str | None) -> str | None:
        return None  # a summariser writes the one language it was trained on

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
        """As Seq2SeqModel.generate."""
        tokens = [encoding.tokens for encoding in self.tokenizer.encode_batch(texts)]
        max_new_tokens = output_cap(max_new_tokens, output_ratio, max(len(t) for t in tokens))
        with self.residency.using(self):
            results = self.translator.translate_batch(  # type: ignore[attr-defined]
                tokens,
                target_prefix=[self.target_prefix] * len(tokens) if self.target_prefix else None,
                beam_size=max(num_beams, num_return_sequences),
                num_hypotheses=num_return_sequences,
                max_decoding_length=max_new_tokens,
                min_decoding_length=max(min_new_tokens, 1),
                max_input_length=0,  # inputs are checked against max_input_tokens, never truncated
                return_end_token=True,  # a hypothesis's length counts its </s>, as in transformers
                **self.decoding,
            )
        return [self._text(hypothesis) for result in results for hypothesis in result.hypotheses]

    def _text(self, tokens: list[str]) -> str:
        ids = [self.tokenizer.token_to_id(token) for token in tokens]
        text = self.tokenizer.decode([i for i in ids if i is not None], skip_special_tokens=True)
        return " ".join(text.split())


class CTranslate2SummaryBackend(CTranslate2Backend):
    """The registry entry (registry.py): `--backend ctranslate2` for a BART, Pegasus or T5 summariser."""

    unsupported = (
        "CTranslate2 runs Marian (OPUS-MT) translators and BART, Pegasus and T5 summarisers with a "
        "tokenizer.json here"
    )
    model_class = CTranslate2SummaryModel

    def supports(self, model: ResolvedModel) -> bool:
        if model.gguf_file or not _has_tokenizer(model.path):
            return False
        return _json(model.path / "config.json").get("model_type") in SUMMARY_KINDS


def _has_tokenizer(folder: Path) -> bool:
    if (folder / "tokenizer.json").is_file():
        return True
    bpe = (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file()
    return bpe and _json(folder / "config.json").get("model_type") == "bart"


def _tokenizer(folder: Path) -> Tokenizer:
    from tokenizers import Tokenizer

    if (folder / "tokenizer.json").is_file():
        return Tokenizer.from_file(str(folder / "tokenizer.json"))
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder)).backend_tokenizer


def _json(path: Path) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
