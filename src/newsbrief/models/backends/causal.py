"""Instruction-tuned causal language models (Qwen, Gemma, Llama, SmolLM, ...) through transformers:
a hub id, a local folder, or a GGUF file, driven by the model's own chat template.

Decoding is greedy by default (temperature 0) so that a cron run gives the same text every
night; a positive temperature samples with a fixed seed, which is reproducible on one machine.
"""

from __future__ import annotations

import re

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from newsbrief.errors import ModelUnusable
from newsbrief.models.backends.gguf import load_gguf
from newsbrief.models.backends.seq2seq import pick_device, quantized
from newsbrief.models.resolve import ResolvedModel

# Lines a chatty model puts before its answer ("Here is the summary:", "Ось переклад:", ...).
PREAMBLE_RE = re.compile(
    r"^\s*(?:\*\*)?(?:sure[,!.]?\s*)?(?:here(?: is|'s)|ось|вот|below is)\b[^\n]{0,80}?:\s*(?:\*\*)?\s*$"
    r"|^\s*(?:\*\*)?(?:summary|translation|підсумок|переклад|резюме|перевод|краткое содержание)"
    r"(?: \([^)\n]{0,30}\))?\s*:?\s*(?:\*\*)?\s*$",
    re.IGNORECASE,
)
# The same, when the model writes its answer on the same line after the colon.
INLINE_PREAMBLE_RE = re.compile(
    r"^\s*(?:\*\*)?(?:summary|translation|підсумок|переклад|резюме|перевод)\s*:\s*(?:\*\*)?\s*",
    re.IGNORECASE,
)
# Upper bound on the context we ask of a model on a CPU; configurable per run.
DEFAULT_CONTEXT_TOKENS = 4096


class CausalChatModel:
    """One loaded instruction model and tokenizer; batches prompts with left padding."""

    def __init__(
        self,
        model: ResolvedModel,
        device: str = "auto",
        context_tokens: int = DEFAULT_CONTEXT_TOKENS,
        temperature: float = 0.0,
        seed: int = 0,
        quantize: str = "none",
        repetition_penalty: float = 1.0,
    ) -> None:
        self.resolved = model
        self.device = pick_device(device)
        if model.gguf_file:
            self.tokenizer, self.model = load_gguf(model)
        else:
            self.tokenizer = AutoTokenizer.from_pretrained(model.path)
            self.model = AutoModelForCausalLM.from_pretrained(model.path, dtype=torch.float32)
        self.model = quantized(self.model.to(self.device).eval(), quantize, self.device)
        self.model.generation_config.max_length = None
        # Qwen2.5-Instruct's checkpoint asks for 1.1, and transformers penalises every token already
        # in the sequence, the prompt's too: exactly the quotes and figures the prompt asks the model
        # to copy. Off unless the configuration asks for it.
        self.model.generation_config.repetition_penalty = repetition_penalty
        if not getattr(self.tokenizer, "chat_template", None):
            raise ModelUnusable(
                model.ref,
                "it has no chat template, so it is not an instruction model (use an -Instruct or -it one)",
            )
        self.tokenizer.padding_side = "left"  # a decoder continues from the last position
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.context_tokens = min(context_tokens, self._model_context())
        self.temperature = temperature
        self.seed = seed

    def _model_context(self) -> int:
        limit = getattr(self.model.config, "max_position_embeddings", None)
        return int(limit) if isinstance(limit, int) and limit > 0 else DEFAULT_CONTEXT_TOKENS

    def chat_prompt(self, messages: list[dict[str, str]]) -> str:
        """The model's own chat format; a template without a system role gets it in the user turn."""
        try:
            return self._apply(messages)
        except Exception as error:  # e.g. "System role not supported"
            if messages[0]["role"] != "system":
                raise ModelUnusable(self.resolved.ref, f"its chat template failed: {error}") from error
            merged = f"{messages[0]['content']}\n\n{messages[1]['content']}"
            return self._apply([{"role": "user", "content": merged}])

    def _apply(self, messages: list[dict[str, str]]) -> str:
        """The template renders with `enable_thinking=False`: Qwen3-style templates then open the
        answer with an empty thinking block instead of letting the model reason at length first;
        templates without the switch ignore it."""
        return str(
            self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=True, enable_thinking=False
            )
        )

    def count_tokens(self, texts: list[str]) -> list[int]:
        encoded = self.tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def generate(self, prompts: list[str], max_new_tokens: int, num_return_sequences: int = 1) -> list[str]:
        """Answers to rendered chat prompts, without the prompt, special tokens or preambles.
        With `num_return_sequences` n, the n best beams of each prompt, best first, in turn."""
        inputs = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        inputs = {name: tensor.to(self.device) for name, tensor in inputs.items()}
        settings: dict[str, object] = {
            "max_new_tokens": max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if num_return_sequences > 1:
            settings.update(num_beams=num_return_sequences, num_return_sequences=num_return_sequences)
            settings.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        elif self.temperature > 0:
            torch.manual_seed(self.seed)
            settings.update(do_sample=True, temperature=self.temperature, top_p=1.0, top_k=0)
        else:
            settings.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        with torch.inference_mode():
            output = self.model.generate(**inputs, **settings)
        answers = output[:, inputs["input_ids"].shape[1] :]
        decoded = self.tokenizer.batch_decode(answers, skip_special_tokens=True)
        return [clean_answer(text) for text in decoded]


def clean_answer(text: str) -> str:
    """The answer itself: no preamble line, no Markdown emphasis around it, no trailing chatter."""
    lines = text.strip().splitlines()
    while lines and (not lines[0].strip() or PREAMBLE_RE.match(lines[0])):
        lines.pop(0)
    if lines:
        lines[0] = INLINE_PREAMBLE_RE.sub("", lines[0], count=1)
    answer = "\n".join(lines).strip()
    if answer.startswith("**") and answer.endswith("**") and answer.count("**") == 2:
        answer = answer[2:-2].strip()
    return answer
