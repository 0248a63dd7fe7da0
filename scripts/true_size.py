"""Random models at the default models' true size, for the benchmarks (issue 35).

The defaults are three OPUS-MT tc-big Marians (zle-en for uk→en and ru→en, en-zle for en→uk and
en→ru, zle-zle for ru↔uk: one model per direction group, each shared by the roles that name it,
as the defaults share them) and facebook/bart-large-cnn. Their sizes are read off the
checkpoints' config.json (opus-mt-tc-big-zle-en: d_model 1024, 6+6 layers, 16 heads, ffn 4096,
vocabulary 61,017; the -zle targets hold `>>ukr<<` and `>>rus<<`); bart-large-cnn's are
scripts/bench_summaries.py's.

Tokenizers. A benchmark's cost is tokens, so its tokenizer must cut a word into as many pieces as
OPUS-MT's does. The tiny test tokenizers (400 pieces) cut Ukrainian into 3.3 pieces a word, about
twice what a 32k SentencePiece does. Here each side's SentencePiece is trained on the corpus's
articles of its languages with the vocabulary size that makes the benchmark's articles come out at
PIECES_PER_WORD: 1.3 for English, 1.6 for Ukrainian and Russian (BPE, where OPUS-MT's is unigram:
on so little text a unigram model stops at about 600 pieces, 2.2 a word; the cost depends on how
many pieces, not on how they were chosen). Those targets are an estimate for a 32k SentencePiece
on news text, not a measurement of OPUS-MT's own (the hub cannot be reached where this was
written); the benchmark prints the pieces per word it got. The rest of the 61,017 entries are
filler words that the summariser's BPE reads as one or a few tokens, so that what a random
translator writes is as many summariser tokens as it is pieces: the output projection, the largest
single cost of decoding, has its real width.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sentencepiece as spm
import torch
from bench_gpu import OPUS_SIZE
from build_tiny_models import DEFAULT_CORPUS, corpus_text, train_sentencepiece
from transformers import MarianConfig, MarianMTModel, MarianTokenizer

TC_BIG_SIZE = {
    "vocab_size": 61017,
    "d_model": 1024,
    "encoder_layers": 6,
    "decoder_layers": 6,
    "encoder_attention_heads": 16,
    "decoder_attention_heads": 16,
    "encoder_ffn_dim": 4096,
    "decoder_ffn_dim": 4096,
    "max_position_embeddings": 1024,
}
PIECES_PER_WORD = {"en": 1.3, "zle": 1.6}
SIDE_LANGUAGES = {"en": ("en",), "zle": ("uk", "ru")}
TARGET_TOKENS = {"zle": (">>ukr<<", ">>rus<<", ">>bel<<")}
SIDE_OF = {"uk": "zle", "ru": "zle", "en": "en"}  # a bilingual model's language: its side's tokenizer
FAST_PAIRS = ("uk-en", "ru-en", "en-uk", "en-ru", "ru-uk", "uk-ru")
# The three default models, and the roles (pairs) each serves.
TC_BIG_MODELS = {
    "zle-en": ("uk-en", "ru-en"),
    "en-zle": ("en-uk", "en-ru"),
    "zle-zle": ("ru-uk", "uk-ru"),
}


def pieces_per_word(model_file: Path, lines: list[str]) -> float:
    processor = spm.SentencePieceProcessor(model_file=str(model_file))
    words = sum(len(line.split()) for line in lines)
    return sum(len(processor.encode(line)) for line in lines) / max(words, 1)


def train_side(lines: list[str], target: Path, wanted: float) -> float:
    """A SentencePiece over `lines` whose pieces per word on them is closest to `wanted`
    (bisection on the vocabulary size: more pieces in the vocabulary, fewer pieces a word)."""
    low, high, best = 60, 20000, (float("inf"), 0.0, b"")
    for _ in range(14):
        size = (low + high) // 2
        train_sentencepiece(lines, target, size, "bpe")
        got = pieces_per_word(target, lines)
        if abs(got - wanted) < best[0]:
            best = (abs(got - wanted), got, target.read_bytes())
        if got > wanted:
            low = size + 1
        else:
            high = size - 1
        if low > high:
            break
    target.write_bytes(best[2])
    return best[1]


def build_tokenizer_sides(
    folder: Path, wanted: dict[str, float], corpus: Path = DEFAULT_CORPUS
) -> dict[str, float]:
    """`en.spm` and `zle.spm` in `folder`; returns each side's pieces per word."""
    texts = corpus_text(corpus)
    got = {}
    for side, languages in SIDE_LANGUAGES.items():
        lines = [line for lang in languages for line in texts.get(lang, []) if line.strip()]
        got[side] = train_side(lines, folder / f"{side}.spm", wanted[side])
    return got


def build_random_marian(
    sides: Path, name: str, folder: Path, fillers: Iterator[str], size: dict[str, int] = TC_BIG_SIZE
) -> Path:
    """A random Marian `name` ("zle-en", "uk-en") of `size` with the sides' tokenizers; a
    multilingual target's tokens (>>ukr<<) only where the name's target is a group ("zle")."""
    source, target = (SIDE_OF.get(lang, lang) for lang in name.split("-"))
    vocab = {"</s>": 0, "<unk>": 1}
    for token in TARGET_TOKENS.get(name.split("-")[1], ()):
        vocab[token] = len(vocab)
    for side in (source, target):
        processor = spm.SentencePieceProcessor(model_file=str(sides / f"{side}.spm"))
        for i in range(processor.get_piece_size()):
            vocab.setdefault(processor.id_to_piece(i), len(vocab))
    for filler in fillers:
        if len(vocab) >= size["vocab_size"] - 1:
            break
        vocab.setdefault(f"▁{filler}", len(vocab))
    vocab["<pad>"] = len(vocab)
    return save_random_marian(folder, vocab, sides / f"{source}.spm", sides / f"{target}.spm", size)


def save_random_marian(
    folder: Path, vocab: dict[str, int], source_spm: Path, target_spm: Path, size: dict[str, int]
) -> Path:
    """A random Marian of `size` over `vocab` (`</s>` and `<pad>` in it) with these SentencePiece
    models, saved with its MarianTokenizer as OPUS-MT's are (beam 4, the pad token banned)."""
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file = Path(tmp) / "vocab.json"
        vocab_file.write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        spms = {"source_spm": str(source_spm), "target_spm": str(target_spm)}
        MarianTokenizer(**spms, vocab=str(vocab_file)).save_pretrained(folder)
    config = MarianConfig(
        **{**size, "vocab_size": len(vocab)},
        pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=vocab["</s>"],
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(0)
    model = MarianMTModel(config)
    model.generation_config.num_beams = 4
    model.generation_config.bad_words_ids = [[vocab["<pad>"]]]
    model.save_pretrained(folder)
    return folder


def filler_words(bpe_folder: Path) -> Iterator[str]:
    """Words the summariser's BPE has as one token, then pairs, then triples of them."""
    bpe = json.loads((bpe_folder / "tokenizer.json").read_text(encoding="utf-8"))
    words = sorted({t[1:] for t in bpe["model"]["vocab"] if t.startswith("Ġ") and t[1:].isalpha()})
    yield from words
    yield from (a + b for a in words for b in words)
    yield from (a + b + c for a in words for b in words for c in words)


def build_default_translators(
    tiny: Path, folder: Path, wanted: dict[str, float] = PIECES_PER_WORD
) -> tuple[dict[str, Path], dict[str, float]]:
    """Role -> model folder for the six pairs, three models, as the defaults; and the pieces per
    word each side's tokenizer makes."""
    models = {f"tc-big-{name}": (name, TC_BIG_SIZE) for name in TC_BIG_MODELS}
    got = _build_set(tiny, folder, models, wanted)
    roles = {pair: folder / f"tc-big-{name}" for name, pairs in TC_BIG_MODELS.items() for pair in pairs}
    return roles, got


def build_fast_translators(
    tiny: Path, folder: Path, wanted: dict[str, float] = PIECES_PER_WORD
) -> tuple[dict[str, Path], dict[str, float]]:
    """Role -> model folder for the fast set: one OPUS-MT base Marian a pair, as its models are."""
    got = _build_set(tiny, folder, {f"opus-mt-{pair}": (pair, OPUS_SIZE) for pair in FAST_PAIRS}, wanted)
    return {pair: folder / f"opus-mt-{pair}" for pair in FAST_PAIRS}, got


def _build_set(
    tiny: Path, folder: Path, models: dict[str, tuple[str, dict[str, int]]], wanted: dict[str, float]
) -> dict[str, float]:
    """Each side's tokenizer and each model (folder name -> its pair and size) built in `folder`
    once, and reused while the pieces per word asked for are the same; the pieces per word got."""
    sides, done = folder / "tokenizers", folder / "built.json"
    if done.is_file() and json.loads(done.read_text())["wanted"] == wanted:
        return json.loads(done.read_text())["got"]
    sides.mkdir(parents=True, exist_ok=True)
    got = build_tokenizer_sides(sides, wanted)
    for name, (pair, size) in models.items():
        build_random_marian(sides, pair, folder / name, filler_words(tiny / "bart-summariser"), size)
    done.write_text(json.dumps({"wanted": wanted, "got": got}))
    return got
