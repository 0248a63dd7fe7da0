"""What real checkpoints need that the tiny models do not show: the torch that loads OPUS-MT's
`.bin` weights, one weight format per download, and instruction models decoded as newsbrief
means (no repetition penalty on the prompt's quotes and figures, no thinking)."""

from __future__ import annotations

import inspect
import json
import re
import shutil
import tomllib
from pathlib import Path

import transformers.utils.import_utils
from packaging.version import Version
from support.corpus import ROOT

from newsbrief.models.backends.causal import CausalChatModel
from newsbrief.models.resolve import resolve_model, weight_patterns


def test_the_declared_torch_loads_bin_weights_with_transformers() -> None:
    """transformers 5 refuses `torch.load` below the torch version its check names; the
    Helsinki-NLP/opus-mt-* repos have only pytorch_model.bin."""
    requirement = next(
        r
        for r in tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
            "dependencies"
        ]
        if r.startswith("torch")
    )
    declared = Version(re.search(r">=\s*([\d.]+)", requirement).group(1))
    check = inspect.getsource(transformers.utils.import_utils.check_torch_load_is_safe)
    needed = Version(re.search(r'is_torch_greater_or_equal\("([\d.]+)"\)', check).group(1))
    assert declared >= needed, f"pyproject allows torch {declared}, transformers needs {needed} for .bin"


def test_one_weight_format_is_downloaded() -> None:
    both = ["config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json", "flax_model.msgpack"]
    assert "*.safetensors" in weight_patterns(both) and "pytorch_model*.bin" not in weight_patterns(both)
    only_bin = ["config.json", "pytorch_model.bin", "source.spm", "target.spm", "vocab.json"]
    assert "pytorch_model*.bin" in weight_patterns(only_bin) and "*.safetensors" not in weight_patterns(
        only_bin
    )
    sharded = ["model-00001-of-00002.safetensors", "model.safetensors.index.json", "pytorch_model-00001.bin"]
    assert "pytorch_model*.bin" not in weight_patterns(sharded)


def chat_copy(tiny_models: Path, folder: Path, **generation: float) -> Path:
    shutil.copytree(tiny_models / "chat-llm", folder)
    path = folder / "generation_config.json"
    path.write_text(
        json.dumps({**json.loads(path.read_text(encoding="utf-8")), **generation}), encoding="utf-8"
    )
    return folder


def test_an_instruction_models_repetition_penalty_is_off_unless_configured(
    tiny_models: Path, tmp_path: Path
) -> None:
    """Qwen2.5-Instruct's checkpoint asks for 1.1; transformers applies it to the prompt's tokens
    too, the quotes and figures the answer must copy. A checkpoint that asks for 3.0 must write
    what the same weights write without it."""
    plain = CausalChatModel(resolve_model(str(tiny_models / "chat-llm")), "cpu")
    penalised = CausalChatModel(
        resolve_model(str(chat_copy(tiny_models, tmp_path / "m", repetition_penalty=3.0))), "cpu"
    )
    assert penalised.model.generation_config.repetition_penalty == 1.0
    prompts = [
        penalised.chat_prompt([{"role": "user", "content": text}])
        for text in ("Україна експортувала 12,4 млн тонн зерна.", "The IMF approved $900 million.")
    ]
    assert penalised.generate(prompts, 24) == plain.generate(prompts, 24)
    configured = CausalChatModel(resolve_model(str(tiny_models / "chat-llm")), "cpu", repetition_penalty=1.3)
    assert configured.model.generation_config.repetition_penalty == 1.3


QWEN3_STYLE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}{{ '<think>\\n\\n</think>\\n\\n' }}"
    "{% endif %}{% endif %}"
)


def test_a_template_with_a_thinking_switch_is_rendered_with_thinking_off(
    tiny_models: Path, tmp_path: Path
) -> None:
    folder = chat_copy(tiny_models, tmp_path / "m")
    config = folder / "tokenizer_config.json"
    settings = json.loads(config.read_text(encoding="utf-8"))
    settings["chat_template"] = QWEN3_STYLE
    config.write_text(json.dumps(settings), encoding="utf-8")
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    model = CausalChatModel(resolve_model(str(folder)), "cpu")
    prompt = model.chat_prompt([{"role": "user", "content": "Summarise."}])
    assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), prompt
