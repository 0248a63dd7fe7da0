"""The models of one run: each resolved once, loaded once when first needed, shared by the
tasks that use it (an instruction model that translates and summarises is loaded once).

torch and transformers are imported only when a model that needs them is loaded: together they
take about 2 s and 250 MB, which a CTranslate2 run with extractive summaries, or a cron run with
nothing to do, never needs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from newsbrief.backends import ct2
from newsbrief.backends.ct2 import CTranslate2Model
from newsbrief.checks import OutputChecks
from newsbrief.config import Settings
from newsbrief.errors import ModelUnusable
from newsbrief.instruct import InstructSummariser, InstructTranslator
from newsbrief.language import LanguageIdentifier
from newsbrief.models import ResolvedModel, resolve_model
from newsbrief.prompts import PromptTemplate
from newsbrief.summarising import ExtractiveSummariser, Seq2SeqSummariser, Summariser
from newsbrief.translating import Seq2SeqTranslator, Translator

if TYPE_CHECKING:
    from newsbrief.backends.causal import CausalChatModel
    from newsbrief.backends.seq2seq import Seq2SeqModel


class ModelPool:
    def __init__(self, settings: Settings, prompts: dict[str, PromptTemplate]) -> None:
        self.settings = settings
        self.prompts = prompts  # "summarise.uk" -> template, as loaded by prompts.load_prompts
        self.resolved: dict[str, ResolvedModel] = {}
        self._seq2seq: dict[str, Seq2SeqModel] = {}
        self._chat: dict[str, CausalChatModel] = {}
        self._ct2: dict[str, CTranslate2Model] = {}
        self._on_ctranslate2: dict[tuple[str, str], bool] = {}  # per pair, decided once
        self._identifier: LanguageIdentifier | None = None
        self.load_seconds = 0.0  # reported: a slow disk or a cold cache shows here

    def identifier(self) -> LanguageIdentifier:
        """The run's language detector, built on first use (a run with nothing new never loads
        its models), shared by reading, the guard and verification."""
        if self._identifier is None:
            self._identifier = LanguageIdentifier()
        return self._identifier

    def output_checks(self) -> OutputChecks:
        settings = self.settings
        accepted = {*settings.source_languages, *settings.targets, *settings.summary_languages}
        return OutputChecks(self.identifier(), frozenset(accepted))

    def resolve_ref(self, ref: str) -> ResolvedModel:
        if ref not in self.resolved:
            self.resolved[ref] = resolve_model(ref)
        return self.resolved[ref]

    def resolve(self, source: str, target: str) -> ResolvedModel:
        return self.resolve_ref(self.settings.translation_model_for(source, target))

    def seq2seq(self, ref: str, decoding: dict[str, float] | None = None) -> Seq2SeqModel:
        """`decoding`: the translation overrides; a summariser keeps its checkpoint's own."""
        if ref not in self._seq2seq:
            from newsbrief.backends.seq2seq import Seq2SeqModel

            began, settings = time.monotonic(), self.settings
            self._use_threads_in_torch()
            self._seq2seq[ref] = Seq2SeqModel(
                self.resolve_ref(ref), settings.device, settings.quantize, decoding
            )
            self.load_seconds += time.monotonic() - began
        return self._seq2seq[ref]

    def ctranslate2(self, ref: str) -> CTranslate2Model:
        if ref not in self._ct2:
            began, settings = time.monotonic(), self.settings
            self._ct2[ref] = CTranslate2Model(
                self.resolve_ref(ref),
                settings.device,
                settings.compute_type,
                settings.threads,
                settings.decoding(),
            )
            self.load_seconds += time.monotonic() - began
        return self._ct2[ref]

    def uses_ctranslate2(self, source: str, target: str) -> bool:
        """`auto`: CTranslate2 for a Marian model when it is installed. Asked for explicitly, a
        model or machine it cannot serve is an error, never a silent change of backend. Decided
        once per pair: every article's record asks again."""
        if (source, target) not in self._on_ctranslate2:
            self._on_ctranslate2[(source, target)] = self._choose_ctranslate2(source, target)
        return self._on_ctranslate2[(source, target)]

    def _choose_ctranslate2(self, source: str, target: str) -> bool:
        settings = self.settings
        if settings.translator == "instruct" or settings.backend == "transformers":
            return False
        resolved = self.resolve(source, target)
        if settings.backend == "auto":
            return ct2.available() and ct2.supports(resolved)
        if not ct2.available():
            raise ModelUnusable(resolved.ref, "--backend ctranslate2, but ctranslate2 is not installed here")
        if not ct2.supports(resolved):
            raise ModelUnusable(
                resolved.ref, "CTranslate2 runs Marian (OPUS-MT) models only here; use --backend transformers"
            )
        return True

    def backend(self, source: str, target: str) -> str:
        """How a pair is translated, as recorded in article.json and each article's hash:
        `ctranslate2/int8`, `transformers` or `transformers/int8`."""
        if self.uses_ctranslate2(source, target):
            return f"ctranslate2/{ct2.resolve_compute_type(self.settings.compute_type, self.settings.device)}"
        return self.transformers_backend()

    def transformers_backend(self) -> str:
        return "transformers/int8" if self.settings.quantize == "int8" else "transformers"

    def chat(self, ref: str) -> CausalChatModel:
        if ref not in self._chat:
            from newsbrief.backends.causal import CausalChatModel

            settings, began = self.settings, time.monotonic()
            self._use_threads_in_torch()
            self._chat[ref] = CausalChatModel(
                self.resolve_ref(ref),
                settings.device,
                context_tokens=settings.context_tokens,
                temperature=settings.temperature,
                seed=settings.seed,
                quantize=settings.quantize,
                repetition_penalty=settings.repetition_penalty,
            )
            self.load_seconds += time.monotonic() - began
        return self._chat[ref]

    def _use_threads_in_torch(self) -> None:
        """The same threads for torch as for CTranslate2."""
        if self.settings.threads:
            import torch

            torch.set_num_threads(self.settings.threads)

    def translator(self, source: str, target: str) -> Translator:
        ref = self.settings.translation_model_for(source, target)
        if self.settings.translator == "instruct":
            template = self.prompts[f"translate.{target}"]
            return InstructTranslator(self.chat(ref), template, source, target)
        settings = self.settings
        if self.uses_ctranslate2(source, target):
            model: Seq2SeqModel | CTranslate2Model = self.ctranslate2(ref)
        else:
            model = self.seq2seq(ref, settings.decoding())
        return Seq2SeqTranslator(model, source, target, settings.num_beams, settings.max_output_ratio)

    def summariser(self) -> Summariser:
        settings = self.settings
        if settings.summariser == "extractive":
            return ExtractiveSummariser(settings.extractive_sentences, settings.summary_languages)
        ref = settings.summariser_model_ref()
        if settings.summariser == "instruct":
            templates = {lang: self.prompts[f"summarise.{lang}"] for lang in settings.summary_languages}
            return InstructSummariser(
                self.chat(ref), templates, settings.summary_max_words, settings.instruct_max_new_tokens
            )
        return Seq2SeqSummariser(
            self.seq2seq(ref), settings.summariser_language, settings.num_beams, settings.summary_max_tokens
        )

    def close(self) -> None:
        self._seq2seq.clear()
        self._chat.clear()
        self._ct2.clear()
