"""The models of one run, and nothing else: each resolved once, loaded once when first needed,
shared by the tasks that use it (an instruction model that translates and summarises is loaded
once). The run's language detector, glossary and output checks are run/preflight.py's.

torch and transformers are imported only when a model that needs them is loaded: together they
take about 2 s and 250 MB, which a CTranslate2 run with extractive summaries, or a cron run with
nothing to do, never needs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsbrief.errors import ModelUnavailable
from newsbrief.generation.instruct import InstructSummariser, InstructTranslator
from newsbrief.generation.prompts import PromptTemplate
from newsbrief.generation.summaries import ExtractiveSummariser, Seq2SeqSummariser, Summariser
from newsbrief.generation.translation import Seq2SeqTranslator, Translator
from newsbrief.models.backends.base import Backend, EncoderDecoder, LoadOptions
from newsbrief.models.backends.registry import backend_named, choose_backend
from newsbrief.models.residency import Residency, capacity_for, summaries_in_flight
from newsbrief.models.resolve import ResolvedModel, resolve_model
from newsbrief.settings.groups import (
    ComputeType,
    DecodingSettings,
    ModelSettings,
    Quantize,
    Settings,
    SummarySettings,
    SummaryStrategy,
    TranslationStrategy,
)

if TYPE_CHECKING:
    from newsbrief.models.backends.causal import CausalChatModel


@dataclass(frozen=True)
class ModelOptions:
    """What the pool reads of the settings, and nothing else: which models, how they decode and
    what a summary may be, and the engine they run on. Not where articles come from, where
    outputs go or how the run is operated."""

    models: ModelSettings
    decoding: DecodingSettings
    summaries: SummarySettings
    summary_languages: tuple[str, ...]
    backend: str  # "auto" or a backend's name
    device: str
    compute_type: ComputeType
    quantize: Quantize
    threads: int  # 0 = every core this process may use
    max_memory: int  # MB the run may hold; 0 = no limit

    @classmethod
    def of(cls, settings: Settings) -> ModelOptions:
        control = settings.control
        return cls(
            settings.models,
            settings.decoding,
            settings.summaries,
            tuple(settings.languages.summary_languages),
            control.backend,
            control.device,
            control.compute_type,
            control.quantize,
            control.threads,
            control.max_memory,
        )


class ModelPool:
    def __init__(self, options: ModelOptions, prompts: dict[str, PromptTemplate]) -> None:
        self.options = options
        self.prompts = prompts  # "summarise.uk" -> template, as loaded by prompts.load_prompts
        self.resolved: dict[str, ResolvedModel] = {}
        self.unresolvable: dict[str, str] = {}  # model reference -> why it cannot be had
        self._encoder_decoders: dict[tuple[str, str], EncoderDecoder] = {}  # (backend, ref) -> model
        self._chat: dict[str, CausalChatModel] = {}
        self._backends: dict[tuple[str, str], Backend] = {}  # per pair, decided once
        self._summariser_backend: Backend | None = None
        self.load_seconds = 0.0  # reported: a slow disk or a cold cache shows here
        self.residency = Residency(capacity_for(options.max_memory))

    def resolve_ref(self, ref: str) -> ResolvedModel:
        if ref not in self.resolved:
            self.resolved[ref] = resolve_model(ref)
        return self.resolved[ref]

    def resolve(self, source: str, target: str) -> ResolvedModel:
        return self.resolve_ref(self.options.models.translation_model_for(source, target))

    def unavailable(self, source: str, target: str) -> str:
        """Why the configuration's model for a pair cannot be had ("" when it can): asked before
        a translation the plan did not foresee, so that its absence costs no article."""
        ref = self.options.models.translation_model_for(source, target)
        if not ref:  # no model of its own and no fallback configured
            return f"no model translates {source}→{target} and no fallback_model is configured"
        if ref not in self.unresolvable:
            try:
                self.resolve_ref(ref)
            except ModelUnavailable as error:
                self.unresolvable[ref] = str(error)  # asked once a run, not once an article
        return self.unresolvable.get(ref, "")

    def load_options(self, decoding: dict[str, float] | None = None) -> LoadOptions:
        options = self.options
        engine = (options.device, options.compute_type, options.quantize, options.threads)
        return LoadOptions(*engine, decoding or {}, self.residency)

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
                self.options.backend, self.resolve(source, target)
            )
        return self._backends[(source, target)]

    def backend(self, source: str, target: str) -> str:
        """How a pair is translated, as recorded in article.json and each article's hash:
        `ctranslate2/int8`, `transformers` or `transformers/int8`."""
        if self.options.models.translator == TranslationStrategy.INSTRUCT:
            return self.summariser_backend()
        return self.translation_backend(source, target).label(self.load_options())

    def summariser_backend(self) -> str:
        """How summaries are written, as recorded: a seq2seq summariser on the backend the
        registry chooses for it; instruction models on transformers."""
        return self._summarising_backend().label(self.load_options())

    def _summarising_backend(self) -> Backend:
        options = self.options
        if options.models.summariser != SummaryStrategy.SEQ2SEQ:
            return backend_named("transformers")
        if self._summariser_backend is None:
            model = self.resolve_ref(options.models.summariser_model)
            self._summariser_backend = choose_backend(options.backend, model)
        return self._summariser_backend

    def chat(self, ref: str) -> CausalChatModel:
        if ref not in self._chat:
            from newsbrief.models.backends.causal import CausalChatModel

            options, decoding, began = self.options, self.options.decoding, time.monotonic()
            if options.threads:  # the same threads for torch as for CTranslate2
                import torch

                torch.set_num_threads(options.threads)
            self._chat[ref] = CausalChatModel(
                self.resolve_ref(ref),
                options.device,
                context_tokens=decoding.context_tokens,
                temperature=decoding.temperature,
                seed=decoding.seed,
                quantize=options.quantize,
                repetition_penalty=decoding.repetition_penalty,
            )
            self.load_seconds += time.monotonic() - began
        return self._chat[ref]

    def translator(self, source: str, target: str) -> Translator:
        ref = self.options.models.translation_model_for(source, target)
        if self.options.models.translator == TranslationStrategy.INSTRUCT:
            template = self.prompts[f"translate.{target}"]
            return InstructTranslator(self.chat(ref), template, source, target)
        decoding = self.options.decoding
        model = self.encoder_decoder(ref, self.translation_backend(source, target), decoding.overrides())
        return Seq2SeqTranslator(model, source, target, decoding.num_beams, decoding.max_output_ratio)

    def summariser(self) -> Summariser:
        options, summaries = self.options, self.options.summaries
        if options.models.summariser == SummaryStrategy.EXTRACTIVE:
            return ExtractiveSummariser(summaries.extractive_sentences, options.summary_languages)
        ref = options.models.summariser_model_ref()
        if options.models.summariser == SummaryStrategy.INSTRUCT:
            templates = {lang: self.prompts[f"summarise.{lang}"] for lang in options.summary_languages}
            return InstructSummariser(
                self.chat(ref),
                templates,
                summaries.summary_max_words,
                options.decoding.instruct_max_new_tokens,
            )
        summariser = Seq2SeqSummariser(
            self.encoder_decoder(ref, self._summarising_backend()),  # type: ignore[arg-type]
            summaries.summariser_language,
            options.decoding.num_beams,
            summaries.summary_max_tokens,
        )
        weights = getattr(summariser.model, "weight_bytes", 0)  # CTranslate2's: under the budget
        summariser.in_flight = summaries_in_flight(options.max_memory, weights, summariser.in_flight)
        return summariser

    def close(self) -> None:
        self._encoder_decoders.clear()
        self._chat.clear()
