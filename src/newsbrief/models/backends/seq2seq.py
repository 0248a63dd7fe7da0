"""Encoder-decoder models through transformers (Marian/OPUS-MT, M2M100, NLLB, BART, ...).

transformers 5 has no translation or summarisation pipeline, so this calls `generate` directly
and decides every decoding setting itself instead of inheriting the checkpoint's defaults.
"""

from __future__ import annotations

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, GenerationConfig

from newsbrief.models.backends import output_cap, summary_prefix, target_token
from newsbrief.models.resolve import ResolvedModel

# NLLB names languages by FLORES-200 codes; M2M100 by ISO 639-1 through get_lang_id.
FLORES_CODES = {
    "uk": "ukr_Cyrl",
    "ru": "rus_Cyrl",
    "en": "eng_Latn",
    "de": "deu_Latn",
    "fr": "fra_Latn",
    "pl": "pol_Latn",
    "ja": "jpn_Jpan",
    "es": "spa_Latn",
}


def pick_device(requested: str) -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(requested)


def quantized(model: torch.nn.Module, quantize: str, device: torch.device) -> torch.nn.Module:
    """torch dynamic int8 of the Linear layers, on a CPU: about 2.6× fp32 for a Marian model
    here (docs/ENGINES.md). torch calls `quantize_dynamic` deprecated but it works on 2.13; its
    warning is silenced, not the error of a torch that has dropped it."""
    if quantize != "int8" or device.type != "cpu":
        return model
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def suppress_instead_of_ban(config: GenerationConfig) -> None:
    """OPUS-MT checkpoints keep their pad token out of outputs with `bad_words_ids`, for which
    transformers fills a batch × vocabulary bias matrix and adds it to the scores at every step:
    7% of int8 decoding here (scripts/bench.py's sentences). `suppress_tokens` sets the same
    tokens to -inf in one pass, so outputs do not change."""
    banned = config.bad_words_ids
    if not banned or any(len(sequence) != 1 for sequence in banned):
        return
    config.suppress_tokens = sorted({*(config.suppress_tokens or []), *(s[0] for s in banned)})
    config.bad_words_ids = None


class Seq2SeqModel:
    """One loaded model and tokenizer; loaded once per run and reused for every batch."""

    parallel_batches = 1  # torch uses every core for one batch

    def __init__(
        self,
        model: ResolvedModel,
        device: str = "auto",
        quantize: str = "none",
        decoding: dict[str, float] | None = None,
    ) -> None:
        self.resolved = model
        self.device = pick_device(device)
        self.tokenizer = AutoTokenizer.from_pretrained(model.path)
        loaded = AutoModelForSeq2SeqLM.from_pretrained(model.path).to(self.device).eval()
        self.model = quantized(loaded, quantize, self.device)
        self.decoding = decoding or {}  # length_penalty, no_repeat_ngram_size over the checkpoint's
        # The checkpoint's max_length would fight our max_new_tokens (and warn on every call).
        self.model.generation_config.max_length = None
        # Its min_length (bart-large-cnn: 56) would hold for every call, however short the input;
        # callers pass min_new_tokens for their input instead (generation/summaries.py).
        self.checkpoint_min_length = int(self.model.generation_config.min_length or 0)
        self.model.generation_config.min_length = 0
        suppress_instead_of_ban(self.model.generation_config)
        self.max_input_tokens = self._max_input_tokens()
        self.summary_prefix = summary_prefix(model.path)
        self._target_tokens: dict[str | None, str | None] = {}

    def _max_input_tokens(self) -> int:
        limits = [
            getattr(self.model.config, "max_position_embeddings", None),
            getattr(self.tokenizer, "model_max_length", None),
        ]
        usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < 1_000_000]
        return min(usable) if usable else 512

    def count_tokens(self, texts: list[str]) -> list[int]:
        encoded = self.tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

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
        """Generate for a batch; inputs must already fit max_input_tokens (never truncated here).
        With `num_return_sequences` n, the n best beams of each input, best first, one after
        the other.

        With `output_ratio`, the output may be at most that many times the longest input (plus a
        few tokens), so a degenerate model cannot run on to `max_new_tokens` for a short line.
        """
        if source_lang and hasattr(self.tokenizer, "src_lang"):
            self.tokenizer.src_lang = self._language_code(source_lang)
        token = self.target_token(target_lang)
        if token:  # MarianTokenizer takes a leading `>>ukr<<` as one token, before SentencePiece
            texts = [f"{token} {text}" for text in texts]
        inputs = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=False)
        inputs = {name: tensor.to(self.device) for name, tensor in inputs.items()}
        max_new_tokens = output_cap(max_new_tokens, output_ratio, int(inputs["input_ids"].shape[1]))
        settings: dict[str, object] = {
            "num_beams": max(num_beams, num_return_sequences),
            "num_return_sequences": num_return_sequences,
            "do_sample": False,
            "max_new_tokens": max_new_tokens,
            # CTranslate2's (and Marian's) rule: the search ends once num_beams hypotheses are
            # finished. transformers' default heuristic searches on, and wrote other outputs than
            # CTranslate2 for 3 of 44 sentences the test model copies right (tests/test_backend_parity.py).
            "early_stopping": True,
            **self.decoding,
        }
        if min_new_tokens:
            settings["min_new_tokens"] = min_new_tokens
        forced = self._forced_target_token(target_lang)
        if forced is not None:
            settings["forced_bos_token_id"] = forced
        with torch.inference_mode():
            output = self.model.generate(**inputs, **settings)
        decoded = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        return [" ".join(text.split()) for text in decoded]

    def target_token(self, target_lang: str | None) -> str | None:
        """The `>>ukr<<` a multilingual model needs first (backends.target_token), once per language."""
        if target_lang not in self._target_tokens:
            vocabulary = self.tokenizer.get_vocab()
            self._target_tokens[target_lang] = target_token(vocabulary, target_lang, self.resolved.ref)
        return self._target_tokens[target_lang]

    def _language_code(self, lang: str) -> str:
        flores = FLORES_CODES.get(lang)
        if flores and flores in self.tokenizer.get_vocab():
            return flores
        return lang

    def _forced_target_token(self, target_lang: str | None) -> int | None:
        """Multilingual models need the target language forced as the first generated token."""
        if not target_lang:
            return None
        if hasattr(self.tokenizer, "get_lang_id"):  # M2M100
            return int(self.tokenizer.get_lang_id(target_lang))
        code = self._language_code(target_lang)
        if code != target_lang:  # NLLB
            return int(self.tokenizer.convert_tokens_to_ids(code))
        return None
