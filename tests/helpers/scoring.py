"""Tiny unit LM checkpoints, benchmark folders and unit datasets for the scoring tests."""

from __future__ import annotations

import random
from pathlib import Path

from hf_slm.atomic import write_json
from hf_slm.runrecord import RunRecord
from hf_slm.synth.schema import write_benchmark
from hf_slm.units.dataset import TOKENIZER_DIR, write_shard
from hf_slm.units.tokenizer import save_unit_tokenizer

K = 20


def tiny_llama(vocab_size: int = K + 3, seed: int = 0, init: float = 0.3):
    """A random tiny Llama; a large init range makes its predictions depend on the context."""
    import torch
    from transformers import LlamaForCausalLM

    from hf_slm.modeling import get_scale, llama_config_for

    torch.manual_seed(seed)
    cfg = llama_config_for(get_scale("tiny-50k"), vocab_size=vocab_size, context=512,
                           initializer_range=init)
    return LlamaForCausalLM(cfg).eval()


def save_checkpoint(folder: Path, name: str = "tiny", seed: int = 0, record: bool = True) -> Path:
    tok = save_unit_tokenizer(K, folder)
    model = tiny_llama(seed=seed)
    model.config.eos_token_id, model.config.pad_token_id = tok.eos_token_id, tok.pad_token_id
    model.save_pretrained(folder)
    if record:
        RunRecord(name=name, scale="tiny-50k", status="completed").save(folder)
    return folder


def _units(rng: random.Random, lo: int, hi: int) -> list[int]:
    return [rng.randrange(K) for _ in range(rng.randint(lo, hi))]


def _row(task, i, group, voice, prompt, pos, neg, texts=("", "", "")):
    return {"id": f"{task}-{i}-{voice}", "task": task, "group": group, "voice": voice,
            "prompt": prompt, "positive": pos, "negative": neg,
            "prompt_text": texts[0], "positive_text": texts[1], "negative_text": texts[2],
            "prompt_words": [], "positive_words": [], "negative_words": []}


def make_benchmarks(bench: Path, seed: int = 0, n: int = 6) -> Path:
    """sblimp (2 phenomena × 2 voices), ssc (shared prompts), swuggy: random units, real schema."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        group = "agreement" if i % 2 else "anaphor"
        pos, neg = _units(rng, 3, 9), _units(rng, 3, 9)
        for voice in ("en-us", "en-gb"):  # the same item in two voices: units differ a little
            jitter = [(u + (voice == "en-gb")) % K for u in pos]
            rows.append(_row("sblimp", i, group, voice, [], jitter, neg,
                             ("", f"the cat {i} sleeps", f"the cat {i} sleep")))
    write_benchmark(bench / "sblimp", rows)
    write_benchmark(bench / "ssc", [
        _row("ssc", i, "ssc", "en-us", _units(rng, 5, 15), _units(rng, 2, 8), _units(rng, 2, 8),
             (f"story {i} begins.", "it ends well.", "it ends badly."))
        for i in range(n)])
    write_benchmark(bench / "swuggy", [
        _row("swuggy", i, "swuggy", "en-us", [], _units(rng, 2, 6), _units(rng, 2, 6),
             ("", f"word{i}", f"nonword{i}")) for i in range(n)])
    return bench


def make_unit_dataset(folder: Path, seed: int = 0, n: int = 5) -> Path:
    rng = random.Random(seed)
    rows = [{"id": f"doc{i}", "units": _units(rng, 4, 12), "durations": [], "duration": 1.0,
             "speaker": "en-us", "text": f"story number {i}.", "words": []} for i in range(n)]
    write_shard(folder, "test", 0, 1, rows)
    write_shard(folder, "train", 0, 1, rows[:1])
    write_json(folder / "meta.json", {"encoder": {"name": "mfcc", "frame_rate": 25.0},
                                      "codebook": {"k": K}})
    save_unit_tokenizer(K, folder / TOKENIZER_DIR)
    return folder
