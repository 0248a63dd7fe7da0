"""The instruction-model backend against a tiny real Qwen2 model with a ChatML template, loaded
from disk through the same path as a hub model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.corpus import segmented

from newsbrief.errors import ModelUnusable, PromptError
from newsbrief.generation.instruct import InstructSummariser, InstructTranslator
from newsbrief.generation.prompts import DEFAULT_PROMPT_DIR, load_template
from newsbrief.generation.summaries import SummaryInput
from newsbrief.models.backends.causal import CausalChatModel, clean_answer
from newsbrief.models.resolve import resolve_model

SPECIAL_TOKENS = ("<|im_start|>", "<|im_end|>", "<|endoftext|>")


@pytest.fixture(scope="module")
def chat_model(tiny_models: Path) -> CausalChatModel:
    return CausalChatModel(resolve_model(str(tiny_models / "chat-llm")), "cpu")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Here is the summary:\nKyiv said 42 drones were shot down.", "Kyiv said 42 drones were shot down."),
        (
            "Sure! Here's a summary of the article:\n\nThe IMF approved $900 million.",
            "The IMF approved $900 million.",
        ),
        ("**Summary:**\nThe IMF approved the loan.", "The IMF approved the loan."),
        ("Summary: The IMF approved the loan.", "The IMF approved the loan."),
        (
            "Ось короткий підсумок:\nУкраїна експортувала 12,4 млн тонн.",
            "Україна експортувала 12,4 млн тонн.",
        ),
        ("Переклад: «Ми готові», — сказав він.", "«Ми готові», — сказав він."),
        ("The summary says «here is» what matters.", "The summary says «here is» what matters."),
    ],
)
def test_answers_lose_preambles_but_not_content(raw: str, clean: str) -> None:
    assert clean_answer(raw) == clean


def test_the_chat_template_is_applied_and_the_answer_is_only_the_answer(chat_model: CausalChatModel) -> None:
    prompt = chat_model.chat_prompt(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Kyiv is the capital."}]
    )
    assert prompt.startswith("<|im_start|>system\nBe brief.<|im_end|>")
    assert prompt.endswith("<|im_start|>assistant\n")
    (answer,) = chat_model.generate([prompt], max_new_tokens=30)
    assert "Be brief" not in answer and "assistant" not in answer
    assert not any(token in answer for token in SPECIAL_TOKENS)


def test_a_left_padded_batch_answers_as_one_prompt_at_a_time(chat_model: CausalChatModel) -> None:
    texts = ["Так.", "Україна експортувала 12,4 млн тонн зерна до країн Європейського Союзу у вересні."]
    prompts = [chat_model.chat_prompt([{"role": "user", "content": t}]) for t in texts]
    assert chat_model.tokenizer.padding_side == "left"
    batched = chat_model.generate(prompts, max_new_tokens=24)
    alone = [chat_model.generate([p], max_new_tokens=24)[0] for p in prompts]
    assert batched == alone


def test_a_model_without_a_chat_template_is_refused(tiny_models: Path, tmp_path: Path) -> None:
    base = tmp_path / "base-model"
    shutil.copytree(tiny_models / "chat-llm", base)
    (base / "chat_template.jinja").unlink()
    with pytest.raises(ModelUnusable, match="no chat template"):
        CausalChatModel(resolve_model(str(base)), "cpu")


def test_the_instruct_translator_gives_one_line_per_segment(chat_model: CausalChatModel) -> None:
    template = load_template(DEFAULT_PROMPT_DIR, "translate", "en")
    translator = InstructTranslator(chat_model, template, "uk", "en")
    assert 0 < translator.max_input_tokens <= chat_model.context_tokens
    outputs = translator.translate(["Так.", "Ціна зросла на 4,5% до 18 065 грн."])
    assert len(outputs) == 2
    assert all("\n" not in output for output in outputs)


def test_a_long_article_is_summarised_in_chunks_by_token_count(tiny_models: Path) -> None:
    small_context = CausalChatModel(resolve_model(str(tiny_models / "chat-llm")), "cpu", context_tokens=900)
    doc = segmented("en-black-sea-corridor-long.txt")
    lines = {"en": [s.text for s in doc.segments]}
    template = load_template(DEFAULT_PROMPT_DIR, "summarise", "en")
    summariser = InstructSummariser(small_context, {"en": template}, max_words=40, max_new_tokens=48)
    body_tokens = sum(
        small_context.count_tokens([lines["en"][i] for i in SummaryInput(doc, lines).body_indices()])
    )
    assert body_tokens > 900  # the article cannot fit: chunking is needed
    summary = summariser.summarise(SummaryInput(doc, lines))
    assert summary.chunks >= 2
    assert "en" in summary.sentences


def test_a_prompt_that_leaves_no_room_is_an_error(tiny_models: Path, tmp_path: Path) -> None:
    cramped = CausalChatModel(resolve_model(str(tiny_models / "chat-llm")), "cpu", context_tokens=120)
    template = load_template(DEFAULT_PROMPT_DIR, "summarise", "en")
    doc = segmented("en-imf-budget.md")
    summariser = InstructSummariser(cramped, {"en": template}, max_words=40, max_new_tokens=48)
    with pytest.raises(PromptError, match="leave no room"):
        summariser.summarise(SummaryInput(doc, {"en": [s.text for s in doc.segments]}))
