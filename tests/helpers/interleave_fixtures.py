"""Tiny text LMs and word-aligned unit rows made on the spot for the interleave tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

WORDS = ("the cat dog bird sat ran saw a big small red green house tree park on in under "
         "happy sad little girl boy played with ball and then went home").split()


def sentences(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(4, 16)))) for _ in range(n)]


def text_tokenizer(kind: str = "llama"):
    """Byte-level BPE (leading spaces matter). "llama": bos prepended, no pad (Llama-3-like);
    "qwen": no bos, pad == eos (Qwen2.5-like)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|begin|>"]
    core.train_from_iterator(sentences(300), trainers.BpeTrainer(
        vocab_size=400, special_tokens=specials, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    if kind == "llama":
        bos = core.token_to_id("<|begin|>")
        core.post_processor = processors.TemplateProcessing(
            single="<|begin|> $A", special_tokens=[("<|begin|>", bos)])
        return PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<|begin|>",
                                       eos_token="<|endoftext|>")
    return PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|endoftext|>",
                                   pad_token="<|endoftext|>")


def tiny_model(vocab_size: int, kind: str = "llama", seed: int = 0):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    common = dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)
    if kind == "llama":
        return LlamaForCausalLM(LlamaConfig(tie_word_embeddings=False, **common)).eval()
    # Qwen2.5 ties embeddings and pads its matrix beyond len(tokenizer): mimic both
    common["vocab_size"] = vocab_size + 24
    return Qwen2ForCausalLM(Qwen2Config(tie_word_embeddings=True, **common)).eval()


def save_text_lm(folder: Path, kind: str = "llama") -> Path:
    tok = text_tokenizer(kind)
    model = tiny_model(len(tok), kind)
    model.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return folder


def aligned_row(i: int, k: int, rng: np.random.Generator) -> dict:
    """A word-aligned utterance: each word 2-6 deduplicated units, pauses of 0-2 units between."""
    words = list(rng.choice(WORDS, size=int(rng.integers(5, 30))))
    units, spans = [], []
    for w in words:
        units += [int(u) for u in rng.integers(0, k, size=int(rng.integers(0, 3)))]  # pause
        start = len(units)
        units += [int(u) for u in rng.integers(0, k, size=int(rng.integers(2, 7)))]
        spans.append({"word": str(w), "start": start, "end": len(units)})
    return {"id": f"utt{i}", "units": units, "durations": [1] * len(units), "duration": len(units) / 25,
            "speaker": "spk", "text": " ".join(words), "words": spans}


def aligned_rows(n: int, k: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [aligned_row(i, k, rng) for i in range(n)]


def write_aligned_dataset(folder: Path, k: int, n_train: int = 120, n_test: int = 12, seed: int = 0) -> Path:
    """A unit dataset folder (hf_slm.units.dataset layout) whose rows carry word alignments."""
    from hf_slm.atomic import write_json
    from hf_slm.units.dataset import META_FILE, TOKENIZER_DIR, write_shard
    from hf_slm.units.tokenizer import save_unit_tokenizer

    folder = Path(folder)
    rows = aligned_rows(n_train + n_test, k, seed)
    for split, part in (("train", rows[:n_train]), ("test", rows[n_train:])):
        write_shard(folder, split, 0, 1, part)
    save_unit_tokenizer(k, folder / TOKENIZER_DIR)
    write_json(folder / META_FILE, {"encoder": {"name": "synthetic", "frame_rate": 25.0, "sample_rate": 16000},
                                    "codebook": {"k": k, "sha256": ""}, "dedup": True,
                                    "counts": {"train": {"rows": n_train}, "test": {"rows": n_test}}})
    return folder


STORIES = [("the cat sat on a tree", "then went home", "the ball played red"),
           ("a boy saw the big dog", "and played with ball", "under green sad house"),
           ("the girl ran in the park", "then sat under a tree", "on bird small the"),
           ("a small bird sat on the house", "and then went home", "dog the big ran saw"),
           ("the red ball was in the park", "and the boy played", "tree house sat a on"),
           ("a happy dog ran home", "then sat with the girl", "little park in green")]


def cloze_questions(k: int, task: str = "ssc") -> list[dict]:
    """Hand-made StoryCloze rows (benchmark schema): random units, sensible vs scrambled endings."""
    rng = np.random.default_rng(0)
    units = lambda: [int(u) for u in rng.integers(0, k, size=int(rng.integers(5, 9)))]  # noqa: E731
    rows = []
    for i, (prompt, pos, neg) in enumerate(STORIES):
        rows.append({"id": f"q{i}", "task": task, "group": task, "voice": "v",
                     "prompt": units(), "positive": units(), "negative": units(),
                     "prompt_text": prompt, "positive_text": pos, "negative_text": neg,
                     "prompt_words": [], "positive_words": [], "negative_words": []})
    return rows
