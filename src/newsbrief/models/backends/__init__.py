"""Model backends. Each is one module; the pipeline only sees the small protocols in generation/translation.py
and generation/summaries.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from newsbrief.errors import ModelUnusable

# A translation longer than twice its source (in tokens) is a model running away, not a sentence
# (the default of the `max_output_ratio` setting, and the instruction translator's bound).
MAX_OUTPUT_RATIO = 2.0
# Tokens allowed beyond output_ratio × input length: short inputs may need longer outputs.
OUTPUT_SLACK_TOKENS = 16
# A multilingual OPUS-MT model's target-language tokens, `>>ukr<<`, `>>rus<<`, `>>eng<<`.
TARGET_TOKEN = re.compile(r">>[A-Za-z_]+<<")


def output_cap(max_new_tokens: int, output_ratio: float | None, longest_input: int) -> int:
    """New tokens allowed for a batch: with `output_ratio`, at most that many times its longest
    input (plus a few tokens), so a degenerate model cannot run on to `max_new_tokens` for a
    short line. Shared by every encoder-decoder backend, so they stop at the same length."""
    if output_ratio is None:
        return max_new_tokens
    return min(max_new_tokens, int(output_ratio * longest_input) + OUTPUT_SLACK_TOKENS)


def summary_prefix(model_folder: Path) -> str:
    """What leads a summariser's input: T5 checkpoints are one model for many tasks and summarise
    only what is led by their `summarize: ` (config.json's task_specific_params); BART and
    Pegasus take the article as it is. Both backends read it here, so both feed the same text."""
    config_path = model_folder / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
    task = (config.get("task_specific_params") or {}).get("summarization") or {}
    return str(task.get("prefix") or "")


def target_token(vocabulary: Iterable[str], lang: str | None, model_ref: str) -> str | None:
    """The token a multilingual OPUS-MT model (opus-mt-tc-big-en-zle, …) needs at the head of
    every source line to know which language to write: the target's ISO 639-3 code (`>>ukr<<`),
    or its 639-1 code in older models (`>>uk<<`), as the model's own vocabulary spells it. None
    for a model of one target language, whose vocabulary holds no such tokens. Both backends
    put it in the same place, so they feed the model the same source."""
    tokens = {token for token in vocabulary if TARGET_TOKEN.fullmatch(token)}
    if not tokens or lang is None:
        return None
    for code in (_iso639_3(lang), lang):
        if f">>{code}<<" in tokens:
            return f">>{code}<<"
    known = ", ".join(sorted(tokens)[:12])
    raise ModelUnusable(model_ref, f"it writes {known}, not {lang}: its vocabulary has no >>{lang}<< token")


def _iso639_3(lang: str) -> str:
    from lingua import IsoCode639_1, Language

    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, lang.upper())).iso_code_639_3.name.lower()
    except (AttributeError, ValueError):
        return lang
