"""Model backends. Each is one module; the pipeline only sees the small protocols in translating.py
and summarising.py."""

# Tokens allowed beyond output_ratio × input length: short inputs may need longer outputs.
OUTPUT_SLACK_TOKENS = 16


def output_cap(max_new_tokens: int, output_ratio: float | None, longest_input: int) -> int:
    """New tokens allowed for a batch: with `output_ratio`, at most that many times its longest
    input (plus a few tokens), so a degenerate model cannot run on to `max_new_tokens` for a
    short line. Shared by every encoder-decoder backend, so they stop at the same length."""
    if output_ratio is None:
        return max_new_tokens
    return min(max_new_tokens, int(output_ratio * longest_input) + OUTPUT_SLACK_TOKENS)
