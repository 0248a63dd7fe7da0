"""The models of one run: each resolved once, loaded once when first needed, shared by the
tasks that use it (an instruction model that translates and summarises is loaded once)."""

from __future__ import annotations

import time

from newsbrief.backends.causal import CausalChatModel
from newsbrief.backends.seq2seq import Seq2SeqModel
from newsbrief.config import Settings
from newsbrief.instruct import InstructSummariser, InstructTranslator
from newsbrief.models import ResolvedModel, resolve_model
from newsbrief.prompts import PromptTemplate
from newsbrief.summarising import ExtractiveSummariser, Seq2SeqSummariser, Summariser
from newsbrief.translating import Seq2SeqTranslator, Translator


class ModelPool:
    def __init__(self, settings: Settings, prompts: dict[str, PromptTemplate]) -> None:
        self.settings = settings
        self.prompts = prompts  # "summarise.uk" -> template, as loaded by prompts.load_prompts
        self.resolved: dict[str, ResolvedModel] = {}
        self._seq2seq: dict[str, Seq2SeqModel] = {}
        self._chat: dict[str, CausalChatModel] = {}
        self.load_seconds = 0.0  # reported: a slow disk or a cold cache shows here

    def resolve_ref(self, ref: str) -> ResolvedModel:
        if ref not in self.resolved:
            self.resolved[ref] = resolve_model(ref)
        return self.resolved[ref]

    def resolve(self, source: str, target: str) -> ResolvedModel:
        return self.resolve_ref(self.settings.translation_model_for(source, target))

    def seq2seq(self, ref: str) -> Seq2SeqModel:
        if ref not in self._seq2seq:
            began = time.monotonic()
            self._seq2seq[ref] = Seq2SeqModel(self.resolve_ref(ref), self.settings.device)
            self.load_seconds += time.monotonic() - began
        return self._seq2seq[ref]

    def chat(self, ref: str) -> CausalChatModel:
        if ref not in self._chat:
            settings, began = self.settings, time.monotonic()
            self._chat[ref] = CausalChatModel(
                self.resolve_ref(ref),
                settings.device,
                context_tokens=settings.context_tokens,
                temperature=settings.temperature,
                seed=settings.seed,
            )
            self.load_seconds += time.monotonic() - began
        return self._chat[ref]

    def translator(self, source: str, target: str) -> Translator:
        ref = self.settings.translation_model_for(source, target)
        if self.settings.translator == "instruct":
            template = self.prompts[f"translate.{target}"]
            return InstructTranslator(self.chat(ref), template, source, target)
        return Seq2SeqTranslator(self.seq2seq(ref), source, target, self.settings.num_beams)

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
