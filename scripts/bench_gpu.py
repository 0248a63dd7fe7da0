#!/usr/bin/env python3
"""Translation engines side by side on one GPU: transformers fp32/fp16/bf16 against CTranslate2.

Self-contained on purpose: it runs on a GPU machine that has torch, transformers and
sentencepiece (and, for the CTranslate2 rows, the ctranslate2 wheel) but not newsbrief's other
dependencies, and it needs no model from the hub.

The model is a randomly initialised Marian of OPUS-MT uk-en's size (d_model 512, 6+6 layers,
vocabulary 61,587). Speed does not depend on the weights, so random weights measure what the real
model would cost; quality is not measured. Every configuration translates the same source token
sequences (news-sentence lengths) and is forced to write exactly `--output-tokens` tokens per
sentence (end-of-sentence suppressed until then), so target tokens/s compare like with like.

Usage: python scripts/bench_gpu.py [--sentences 1024] [--batch 64] [--output-tokens 48]
Prints one line per configuration: target tokens/s, seconds, load seconds, peak GPU memory.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sentencepiece as spm
import torch
from transformers import MarianConfig, MarianMTModel, MarianTokenizer

OPUS_SIZE = {
    "vocab_size": 61587,
    "d_model": 512,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 8,
    "decoder_attention_heads": 8,
    "encoder_ffn_dim": 2048,
    "decoder_ffn_dim": 2048,
    "max_position_embeddings": 512,
}
# Source lengths in tokens of news sentences (OPUS-MT uk-en tokenizer): roughly 10 to 70, mean ~32.
LENGTH_RANGE = (8, 72)


def build_model(folder: Path) -> None:
    """An OPUS-size Marian with a MarianTokenizer whose vocabulary has OPUS-MT's size (a small real
    SentencePiece model plus filler entries), which is what the CTranslate2 converter needs."""
    lines = [" ".join(f"w{(i * 7 + j) % 97}" for j in range(12)) for i in range(400)]
    model_bytes = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model_bytes, vocab_size=80, model_type="unigram",
        hard_vocab_limit=False, bos_id=-1, eos_id=1, unk_id=0, pad_id=-1, minloglevel=2,
    )  # fmt: skip
    spm_file = folder / "source.spm"
    spm_file.write_bytes(model_bytes.getvalue())
    processor = spm.SentencePieceProcessor(model_file=str(spm_file))
    vocab = {"</s>": 0, "<unk>": 1}
    for i in range(processor.get_piece_size()):
        vocab.setdefault(processor.id_to_piece(i), len(vocab))
    while len(vocab) < OPUS_SIZE["vocab_size"] - 1:
        vocab[f"▁filler{len(vocab)}"] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(spm_file), target_spm=str(spm_file), vocab=str(folder / "vocab.json")
    )
    tokenizer.save_pretrained(folder)
    config = MarianConfig(
        **OPUS_SIZE,
        pad_token_id=vocab["<pad>"],
        eos_token_id=0,
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=0,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(0)
    MarianMTModel(config).save_pretrained(folder)


def source_ids(count: int, vocab_size: int, seed: int = 0) -> list[list[int]]:
    """Random token ids (never special), ending in </s> as the tokenizer would end them."""
    rng = random.Random(seed)
    return [
        [rng.randrange(2, vocab_size - 1) for _ in range(rng.randint(*LENGTH_RANGE) - 1)] + [0]
        for _ in range(count)
    ]


def sorted_batches(sentences: list[list[int]], size: int) -> list[list[list[int]]]:
    ordered = sorted(sentences, key=len)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def transformers_runner(folder: Path, dtype: torch.dtype, beams: int, out_tokens: int, pad: int):
    model = MarianMTModel.from_pretrained(folder, dtype=dtype).to("cuda").eval()
    model.generation_config.max_length = None

    def run(batch: list[list[int]]) -> None:
        width = max(len(s) for s in batch)
        ids = torch.tensor([s + [pad] * (width - len(s)) for s in batch], device="cuda")
        mask = (ids != pad).long()
        with torch.inference_mode():
            model.generate(
                input_ids=ids, attention_mask=mask, num_beams=beams, do_sample=False,
                max_new_tokens=out_tokens, min_new_tokens=out_tokens,
            )  # fmt: skip

    return run


def ctranslate2_runner(folder: Path, device: str, compute_type: str, beams: int, out_tokens: int):
    import ctranslate2

    target = folder.parent / f"ct2-{compute_type}"
    if not target.exists():
        ctranslate2.converters.TransformersConverter(str(folder)).convert(str(target), quantization=None)
    threads = {"intra_threads": torch.get_num_threads()} if device == "cpu" else {}
    translator = ctranslate2.Translator(str(target), device=device, compute_type=compute_type, **threads)
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    pieces = {index: piece for piece, index in vocab.items()}

    def run(batch: list[list[int]]) -> None:
        tokens = [[pieces[i] for i in s[:-1]] for s in batch]  # CTranslate2 adds </s> itself
        translator.translate_batch(
            tokens, beam_size=beams, max_batch_size=len(tokens),
            min_decoding_length=out_tokens, max_decoding_length=out_tokens,
        )  # fmt: skip

    return run


def measure(
    name: str, make: Callable[[], Callable], batches: list[list[list[int]]], out_tokens: int
) -> dict[str, object]:
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    began = time.perf_counter()
    try:
        run = make()
        load = time.perf_counter() - began
        run(batches[0])  # warm-up: kernels, allocator
    except Exception as error:  # an engine that cannot run here is a row saying why
        return {"configuration": name, "error": f"{type(error).__name__}: {error}"[:200]}
    torch.cuda.synchronize()
    began = time.perf_counter()
    for batch in batches:
        run(batch)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - began
    sentences = sum(len(b) for b in batches)
    return {
        "configuration": name,
        "sentences": sentences,
        "target_tokens_per_s": round(sentences * out_tokens / seconds),
        "seconds": round(seconds, 2),
        "load_s": round(load, 2),
        "peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=1024)
    parser.add_argument("--naive", type=int, default=64, help="sentences for the one-at-a-time row")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--output-tokens", type=int, default=48)
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    assert torch.cuda.is_available(), "this benchmark is for a GPU machine"
    n = args.output_tokens
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "marian-opus-size"
        folder.mkdir()
        build_model(folder)
        pad = OPUS_SIZE["vocab_size"] - 1
        sentences = source_ids(args.sentences, OPUS_SIZE["vocab_size"])
        one_by_one = [[s] for s in sentences[: args.naive]]
        batched = sorted_batches(sentences, args.batch)
        fp32, fp16, bf16 = torch.float32, torch.float16, torch.bfloat16
        plan = [
            ("transformers fp32, one sentence at a time, greedy", one_by_one,
             lambda: transformers_runner(folder, fp32, 1, n, pad)),
        ]  # fmt: skip
        for beams in (1, 4):
            mode = "greedy" if beams == 1 else f"beam {beams}"
            plan += [
                (f"transformers fp32, batches of {args.batch}, {mode}", batched,
                 lambda b=beams: transformers_runner(folder, fp32, b, n, pad)),
                (f"transformers fp16, batches of {args.batch}, {mode}", batched,
                 lambda b=beams: transformers_runner(folder, fp16, b, n, pad)),
                (f"transformers bf16, batches of {args.batch}, {mode}", batched,
                 lambda b=beams: transformers_runner(folder, bf16, b, n, pad)),
                (f"CTranslate2 float16 (cuda), {mode}", batched,
                 lambda b=beams: ctranslate2_runner(folder, "cuda", "float16", b, n)),
                (f"CTranslate2 int8_float16 (cuda), {mode}", batched,
                 lambda b=beams: ctranslate2_runner(folder, "cuda", "int8_float16", b, n)),
                (f"CTranslate2 int8 (cpu, {torch.get_num_threads()} threads), {mode}", batched,
                 lambda b=beams: ctranslate2_runner(folder, "cpu", "int8", b, n)),
            ]  # fmt: skip
        print(f"GPU: {torch.cuda.get_device_name()}; torch {torch.__version__}", flush=True)
        for name, batches, make in plan:
            row = measure(name, make, batches, n)
            rows.append(row)
            print(json.dumps(row), flush=True)
    speeds = [r["target_tokens_per_s"] for r in rows if "target_tokens_per_s" in r]
    print(f"median target tokens/s over {len(speeds)} rows: {statistics.median(speeds)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
