"""The instruction-model backend for both tasks: translation and summaries written by a chat
model, with every request worded by a template under prompts/ that an editor can change.

Both classes sit behind the same interfaces as the seq2seq backends (translating.Translator,
summarising.Summariser), so the pipeline does not know which kind of model it drives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsbrief.article import Span
from newsbrief.errors import PromptError
from newsbrief.generation.prompts import PromptTemplate, bullet_list
from newsbrief.generation.summaries import (
    MAX_COMBINE_ROUNDS,
    Summary,
    SummaryInput,
    flat_sentences,
    pack_by_tokens,
)
from newsbrief.generation.translation_jobs import per_text
from newsbrief.models.backends import MAX_OUTPUT_RATIO, OUTPUT_SLACK_TOKENS  # as for seq2seq
from newsbrief.text.language import language_name
from newsbrief.text.segmenting import sentences_of
from newsbrief.text.spans import figures_of, find_spans, quotes_of

if TYPE_CHECKING:  # torch and transformers load only with a model that needs them (generation/model_pool.py)
    from newsbrief.models.backends.causal import CausalChatModel

# Longest segment sent in one request; longer ones are split by the pipeline.
MAX_SEGMENT_TOKENS = 512
# The smallest article window worth asking for; below it the prompt leaves no room for the text.
MIN_WINDOW_TOKENS = 64
# Room for the list markup ("- ", quotation marks, line breaks) around a chunk's quotes and figures.
LIST_MARGIN_TOKENS = 32
SENTENCE_ENDS = (".", "!", "?", "…", "»", '"', "”", "“", ")")


class InstructTranslator:
    """A chat model fixed to one language pair; one request per segment, batched."""

    parallel_batches = 1  # torch uses every core for one batch

    def __init__(self, model: CausalChatModel, template: PromptTemplate, source: str, target: str) -> None:
        self.model = model
        self.template = template
        self.source = source
        self.target = target
        overhead = self.model.count_tokens([self.model.chat_prompt(self._messages(""))])[0]
        room = (model.context_tokens - overhead - OUTPUT_SLACK_TOKENS) // (1 + int(MAX_OUTPUT_RATIO))
        if room < MIN_WINDOW_TOKENS:
            raise PromptError(f"{template.path}: the prompt leaves no room for text in the model's context")
        self.max_input_tokens = min(MAX_SEGMENT_TOKENS, room)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.model.count_tokens(texts)

    def translate(self, batch: list[str]) -> list[str]:
        return self._generate(batch, 1)

    def candidates(self, texts: list[str], n: int) -> list[list[str]]:
        """The n best beams of each text (beam search, while translation is greedy)."""
        return per_text(self._generate(texts, n), n)

    def _generate(self, texts: list[str], n: int) -> list[str]:
        prompts = [self.model.chat_prompt(self._messages(text)) for text in texts]
        longest = max(self.count_tokens(texts))
        answers = self.model.generate(prompts, int(MAX_OUTPUT_RATIO * longest) + OUTPUT_SLACK_TOKENS, n)
        # A segment is one line of translation.txt: the model's line breaks are not kept.
        return [" ".join(answer.split()) for answer in answers]

    def _messages(self, text: str) -> list[dict[str, str]]:
        spans = find_spans(text)
        return self.template.render(
            text=text,
            source_language=language_name(self.source),
            target_language=language_name(self.target),
            quotes=bullet_list(quotes_of(spans), quoted=True),
            figures=", ".join(dict.fromkeys(figures_of(spans))) or "(none)",
        )


class InstructSummariser:
    """Writes each summary language itself, from the article's text in that language, so that
    quotes can be copied rather than translated twice."""

    name = "instruct"
    in_flight = 1  # torch uses every core for one article

    def __init__(
        self,
        model: CausalChatModel,
        templates: dict[str, PromptTemplate],
        max_words: int,
        max_new_tokens: int,
    ) -> None:
        self.model = model
        self.templates = templates  # summary language -> template
        self.max_words = max_words
        self.max_new_tokens = max_new_tokens

    def summarise(self, item: SummaryInput) -> Summary:
        body = item.body_indices() or [s.index for s in item.doc.sentences]
        title_of = {lang: item.lines[lang][0] if item.doc.article.title else "" for lang in self.templates}
        chunks = {
            lang: self._chunks([item.lines[lang][i] for i in body], lang, title_of[lang])
            for lang in self.templates
        }
        first_round = max(len(c) for c in chunks.values())
        summaries = self._summarise_chunks(chunks, title_of)
        return Summary(
            sentences={
                lang: _complete_sentences(sentences_of(text, lang)) for lang, text in summaries.items()
            },
            chunks=first_round,
        )

    def _summarise_chunks(self, chunks: dict[str, list[str]], title_of: dict[str, str]) -> dict[str, str]:
        """All languages' chunks in one batch; while a language has several partial summaries,
        they are summarised together, as a long article is read by an editor."""
        done: dict[str, str] = {}
        for _ in range(MAX_COMBINE_ROUNDS):
            requests = [(lang, chunk) for lang, lang_chunks in chunks.items() for chunk in lang_chunks]
            prompts = [
                self.model.chat_prompt(self._messages(lang, text, title_of[lang])) for lang, text in requests
            ]
            answers = self.model.generate(prompts, self.max_new_tokens)
            partials: dict[str, list[str]] = {}
            for (lang, _), answer in zip(requests, answers, strict=True):
                partials.setdefault(lang, []).append(answer)
            chunks = {}
            for lang, texts in partials.items():
                if len(texts) == 1:
                    done[lang] = texts[0]
                    continue
                combined = self._chunks(flat_sentences(texts, lang), lang, title_of[lang])
                if len(combined) >= len(texts):  # not shrinking: keep every partial summary
                    done[lang] = " ".join(texts)
                else:
                    chunks[lang] = combined
            if not chunks:
                return done
        done.update({lang: " ".join(texts) for lang, texts in chunks.items()})
        return done

    def _chunks(self, sentences: list[str], lang: str, title: str) -> list[str]:
        """Sentences packed into what the context leaves after the prompt and the answer; a
        sentence costs its own tokens plus those of its quotes and figures in the prompt's lists."""
        overhead = self.model.count_tokens([self.model.chat_prompt(self._messages(lang, "", title))])[0]
        window = self.model.context_tokens - overhead - self.max_new_tokens - LIST_MARGIN_TOKENS
        if window < MIN_WINDOW_TOKENS:
            raise PromptError(
                f"{self.templates[lang].path}: prompt and answer ({overhead} + {self.max_new_tokens} tokens) "
                f"leave no room for the article in a context of {self.model.context_tokens} tokens"
            )
        return pack_by_tokens(sentences, self._cost, window)

    def _cost(self, sentences: list[str]) -> list[int]:
        listed = [_span_lists(find_spans(sentence)) for sentence in sentences]
        own = self.model.count_tokens(sentences)
        lists = self.model.count_tokens([quotes + figures for quotes, figures in listed])
        return [a + b for a, b in zip(own, lists, strict=True)]

    def _messages(self, lang: str, text: str, title: str) -> list[dict[str, str]]:
        quotes, figures = _span_lists(find_spans(text))
        return self.templates[lang].render(
            article=text,
            title=title,
            language=language_name(lang),
            source_language=language_name(lang),
            max_words=str(self.max_words),
            quotes=quotes,
            figures=figures,
        )


def _complete_sentences(sentences: list[str]) -> list[str]:
    """Without a last sentence cut off by the token limit ("... and the"); a summary of one
    unfinished sentence is kept, as something is better than nothing to flag."""
    if len(sentences) > 1 and not sentences[-1].rstrip().endswith(SENTENCE_ENDS):
        return sentences[:-1]
    return sentences


def _span_lists(spans: list[Span]) -> tuple[str, str]:
    return bullet_list(quotes_of(spans), quoted=True), bullet_list(figures_of(spans))
