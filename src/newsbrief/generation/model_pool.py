"""The models of one run, and nothing else: each resolved once, loaded once when first needed,
shared by the tasks that use it (an instruction model that translates and summarises is loaded
once). The run's language detector, glossary and output checks are run/preflight.py's.

torch and transformers are imported only when a model that needs them is loaded: together they
take about 2 s and 250 MB, which a CTranslate2 run with extractive summaries, or a cron run with
nothing to do, never needs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from newsbrief.errors import ModelUnavailable
from newsbrief.generation.instruct import InstructSummariser, InstructTranslator
from newsbrief.generation.prompts import PromptTemplate
from newsbrief.generation.summaries import ExtractiveSummariser, Seq2SeqSummariser, Summariser
from newsbrief.generation.translation import Seq2SeqTranslator, Translator
from newsbrief.models.backends.base import Backend, EncoderDecoder, LoadOptions
from newsbrief.models.backends.registry import backend_named, choose_backend
from newsbrief.models.resolve import ResolvedModel, resolve_model
from newsbrief.settings.groups import Settings, SummaryStrategy, TranslationStrategy

if TYPE_CHECKING:
    from newsbrief.models.backends.causal import CausalChatModel


class ModelPool:
    def __init__(self, settings: Settings, prompts: dict[str, PromptTemplate]) -> None:
        self.settings = settings
        self.prompts = prompts  # "summarise.uk" -> template, as loaded by prompts.load_prompts
        self.resolved: dict[str, ResolvedModel] = {}
        self.unresolvable: dict[str, str] = {}  # model reference -> why it cannot be had
        self._encoder_decoders: dict[tuple[str, str], EncoderDecoder] = {}  # (backend, ref) -> model
        self._chat: dict[str, CausalChatModel] = {}
        self._backends: dict[tuple[str, str], Backend] = {}  # per pair, decided once
        self._summariser_backend: Backend | None = None
        self.load_seconds = 0.0  # reported: a slow disk or a cold cache shows here

    def resolve_ref(self, ref: str) -> ResolvedModel:
        if ref not in self.resolved:
            self.resolved[ref] = resolve_model(ref)
        return self.resolved[ref]

    def resolve(self, source: str, target: str) -> ResolvedModel:
        return self.resolve_ref(self.settings.translation_model_for(source, target))

    def unavailable(self, source: str, target: str) -> str:
        """Why the configuration's model for a pair cannot be had ("" when it can): asked before
        a translation the plan did not foresee, so that its absence costs no article."""
        ref = self.settings.translation_model_for(source, target)
        if ref not in self.unresolvable:
            try:
                self.resolve_ref(ref)
            except ModelUnavailable as error:
                self.unresolvable[ref] = str(error)  # asked once a run, not once an article
        return self.unresolvable.get(ref, "")

    def load_options(self, decoding: dict[str, float] | None = None) -> LoadOptions:
        settings = self.settings
        return LoadOptions(
            settings.control.device,
            settings.control.compute_type,
            settings.control.quantize,
            settings.control.threads,
            decoding or {},
        )

    def encoder_decoder(
        self, ref: str, backend: Backend, decoding: dict[str, float] | None = None
    ) -> EncoderDecoder:
        """`decoding`: the translation overrides; a summariser keeps its checkpoint's own."""
        key = (backend.name, ref)
        if key not in self._encoder_decoders:
            began = time.monotonic()
            self._encoder_decoders[key] = backend.load(self.resolve_ref(ref), self.load_options(decoding))
            self.load_seconds += time.monotonic() - began
        return self._encoder_decoders[key]

    def translation_backend(self, source: str, target: str) -> Backend:
        """Decided once per pair: every article's record asks again."""
        if (source, target) not in self._backends:
            self._backends[(source, target)] = choose_backend(
                self.settings.control.backend, self.resolve(source, target)
            )
        return self._backends[(source, target)]

    def backend(self, source: str, target: str) -> str:
        """How a pair is translated, as recorded in article.json and each article's hash:
        `ctranslate2/int8`, `transformers` or `transformers/int8`."""
        if self.settings.models.translator == TranslationStrategy.INSTRUCT:
            return self.summariser_backend()
        return self.translation_backend(source, target).label(self.load_options())

    def summariser_backend(self) -> str:
        """How summaries are written, as recorded: a seq2seq summariser on the backend the
        registry chooses for it; instruction models on transformers."""
        return self._summarising_backend().label(self.load_options())

    def _summarising_backend(self) -> Backend:
        settings = self.settings
        if settings.models.summariser != SummaryStrategy.SEQ2SEQ:
            return backend_named("transformers")
        if self._summariser_backend is None:
            model = self.resolve_ref(settings.models.summariser_model)
            self._summariser_backend = choose_backend(settings.control.backend, model)
        return self._summariser_backend

    def chat(self, ref: str) -> CausalChatModel:
        if ref not in self._chat:
            from newsbrief.models.backends.causal import CausalChatModel

            settings, began = self.settings, time.monotonic()
            if settings.control.threads:  # the same threads for torch as for CTranslate2
                import torch

                torch.set_num_threads(settings.control.threads)
            self._chat[ref] = CausalChatModel(
                self.resolve_ref(ref),
                settings.control.device,
                context_tokens=settings.decoding.context_tokens,
                temperature=settings.decoding.temperature,
                seed=settings.decoding.seed,
                quantize=settings.control.quantize,
                repetition_penalty=settings.decoding.repetition_penalty,
            )
            self.load_seconds += time.monotonic() - began
        return self._chat[ref]

    def translator(self, source: str, target: str) -> Translator:
        ref = self.settings.translation_model_for(source, target)
        if self.settings.models.translator == TranslationStrategy.INSTRUCT:
            template = self.prompts[f"translate.{target}"]
            return InstructTranslator(self.chat(ref), template, source, target)
        settings = self.settings
        model = self.encoder_decoder(
            ref, self.translation_backend(source, target), settings.decoding.overrides()
        )
        return Seq2SeqTranslator(
            model, source, target, settings.decoding.num_beams, settings.decoding.max_output_ratio
        )

    def summariser(self) -> Summariser:
        settings = self.settings
        if settings.models.summariser == SummaryStrategy.EXTRACTIVE:
            return ExtractiveSummariser(
                settings.summaries.extractive_sentences, settings.languages.summary_languages
            )
        ref = settings.summariser_model_ref()
        if settings.models.summariser == SummaryStrategy.INSTRUCT:
            templates = {
                lang: self.prompts[f"summarise.{lang}"] for lang in settings.languages.summary_languages
            }
            return InstructSummariser(
                self.chat(ref),
                templates,
                settings.summaries.summary_max_words,
                settings.decoding.instruct_max_new_tokens,
            )
        return Seq2SeqSummariser(
            self.encoder_decoder(ref, self._summarising_backend()),  # type: ignore[arg-type]
            settings.summaries.summariser_language,
            settings.decoding.num_beams,
            settings.summaries.summary_max_tokens,
        )

    def close(self) -> None:
        self._encoder_decoders.clear()
        self._chat.clear()
