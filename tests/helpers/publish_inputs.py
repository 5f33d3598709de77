"""Inputs for the publish tests, made on the spot: a tiny checkpoint + run.json, a laws folder, a
unit dataset and an evaluate module; nothing is downloaded."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

K = 20  # units in the toy vocabulary

SCORES = {"sblimp": {"value": 0.5625, "ci_low": 0.51, "ci_high": 0.61, "n": 320},
          "ssc": {"value": 0.53125, "ci_low": 0.49, "ci_high": 0.57, "n": 160}}


def make_checkpoint(folder: Path, name: str, status: str = "completed", seed: int = 0):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from hf_slm.runrecord import RunRecord
    from hf_slm.units import vocab
    from hf_slm.units.tokenizer import save_unit_tokenizer

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=vocab.vocab_size(K), hidden_size=16, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
                         max_position_embeddings=64, eos_token_id=vocab.eos_id(K),
                         pad_token_id=vocab.pad_id(K), bos_token_id=vocab.bos_id(K))
    LlamaForCausalLM(config).save_pretrained(folder)
    save_unit_tokenizer(K, folder)
    record = RunRecord(
        name=name, scale="tiny-50k", mode="speech", status=status, n_params=3000, n_params_total=3700,
        layers=1, dim=16, heads=2, vocab_size=vocab.vocab_size(K), context=64, tokens_seen=60_000,
        unique_tokens=30_000, epochs=2.0, tokens_per_update=1024, steps=58, flops_6nd=6 * 3000 * 60_000,
        flops_6nd_attn=1.3e9, final_test_loss=2.875, scores=dict(SCORES), dataset="toy-units",
        tokens_per_modality={"speech": 60_000}, seed=seed, recipe={"lr": 5e-4, "schedule": "cosine"},
        learning_curve=[{"step": s, "tokens": s * 1024, "flops": 6 * 3000 * s * 1024.0, "test_loss": 3.0 - s / 100}
                        for s in range(0, 60, 5)],
        versions={"torch": torch.__version__}, git_commit="0123abc",
    )
    record.save(folder)
    return record


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A valid grey PNG, written by hand (no plotting library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes([128] * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# Shaped like hf_slm.scaling.laws_file documents (schema_version 1).
LAWS = {
    "schema_version": 1,
    "kind": "hf-slm/scaling-laws",
    "laws": {
        "speech": {
            "n_runs": 3,
            "chinchilla": {"fitted": True, "E": 1.7, "A": 14.0, "B": 40.0, "alpha": 0.25, "beta": 0.24,
                           "delta": 0.03, "n_points": 12, "converged": True,
                           "intervals": {"E": {"low": 1.6, "high": 1.8, "std": 0.05, "level": 0.95},
                                         "alpha": {"low": 0.2, "high": 0.3, "std": 0.02, "level": 0.95}}},
            "data_constrained": {"fitted": True, "R_D_star": 20.0, "R_N_star": None,
                                 "intervals": {"R_D_star": {"low": 12.0, "high": 31.0, "method": "profile"}},
                                 "ill_determined": ["R_N_star"]},
            "envelope": {"fitted": False, "reason": "fewer than 3 compute bins"},
            "downstream": {"sblimp": {"fitted": True, "k": 0.4, "gamma": 0.02, "r2": 0.9, "n_points": 5,
                                      "intervals": {"gamma": {"low": 0.015, "high": 0.025}}},
                           "ssc": {"fitted": False, "reason": "saturated"}},
        },
        "text": {"chinchilla": {"fitted": False, "reason": "no text runs"}},
    },
    "comparisons": {"sblimp": {"speech/text": {"ratio": 2.0}}},
    "points": [{"run": "speech-tiny-a", "path": "/runs/a", "group": "speech", "mode": "speech", "n_params": 3000,
                "tokens": 60000, "unique_tokens": 30000, "epochs": 2.0, "flops": 1.08e9, "loss": 2.875,
                "scores": {"sblimp": 0.5625}, "used_in": ["chinchilla"]}],
    "excluded": [{"run": "run-b", "path": "/runs/b", "reason": "diverged"}],
    "settings": {"delta": 0.03, "bootstrap": 200, "seed": 0},
    "versions": {"numpy": "2.0", "git_commit": None},
}


def make_laws(folder: Path, laws: dict = LAWS) -> None:
    (folder / "plots").mkdir(parents=True, exist_ok=True)
    (folder / "scaling_laws.json").write_text(json.dumps(laws, indent=2))
    (folder / "plots" / "isoflops.png").write_bytes(png_bytes())
    (folder / "plots" / "loss_vs_compute.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3"><rect width="4" height="3"/></svg>')


def make_dataset(folder: Path) -> dict:
    from hf_slm.atomic import write_json
    from hf_slm.units.card import write_card
    from hf_slm.units.dataset import write_shard
    from hf_slm.units.tokenizer import save_unit_tokenizer

    rows = {"train": [[1, 2, 3, 4], [5, 6, 7]], "test": [[8, 9]]}
    counts = {}
    for split, seqs in rows.items():
        write_shard(folder, split, 0, 1, [
            {"id": f"{split}-{i}", "units": u, "durations": [1] * len(u), "duration": len(u) / 25,
             "speaker": f"spk{i}", "text": "hello", "words": []} for i, u in enumerate(seqs)])
        seconds = sum(len(u) / 25 for u in seqs)
        units = sum(map(len, seqs))
        counts[split] = {"rows": len(seqs), "seconds": seconds, "units": units, "units_per_second": units / seconds}
    import numpy as np

    from hf_slm.units.quantizer import Codebook

    encoder = {"name": "mel", "id": "log-mel-80", "layer": None, "sample_rate": 16000, "frame_rate": 25}
    # the codebook lies outside the dataset folder, where `hf-slm units fit-kmeans` put it (as in the demo)
    codebook = Codebook(np.random.default_rng(0).normal(size=(K, 4)), encoder, {"seed": 0})
    codebook_path = codebook.save(folder.parent / "codebook.safetensors")
    meta = {"encoder": encoder,
            "codebook": {"path": str(codebook_path), "k": K, "sha256": codebook.content_sha256()},
            "source": {"input": str(folder.parent / "audio"), "kind": "parquet"},
            "dedup": True, "counts": counts,
            "stats": {"hours": 9 / 25 / 3600, "units": 9, "units_per_second": 25.0, "skipped": 0, "skip_reasons": {}},
            "license": "cc-by-4.0", "sources": [{"name": "built-in stories", "license": "cc-by-4.0"}],
            "command": ["hf-slm", "units", "extract", "--k", str(K)], "versions": {"datasets": "5.2.0"}}
    save_unit_tokenizer(K, folder / "tokenizer")
    write_json(folder / "meta.json", meta)
    write_card(folder, meta)
    return meta


METRIC_PY = '''"""Toy accuracy: the share of predictions equal to references."""

import datasets
import evaluate


class ToyAccuracy(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description="share of equal pairs", citation="", inputs_description="predictions, references",
            features=datasets.Features({"predictions": datasets.Value("int32"),
                                        "references": datasets.Value("int32")}))

    def _compute(self, predictions, references):
        return {"accuracy": sum(p == r for p, r in zip(predictions, references)) / len(predictions)}
'''


def make_metric(root: Path, name: str = "toy_accuracy") -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / f"{name}.py").write_text(METRIC_PY)
    (folder / "README.md").write_text(f"---\ntitle: {name}\ndescription: share of equal pairs\ntags:\n- accuracy\n---\n\n"
                                      f"# {name}\n\nA toy metric.\n")
    return folder


STORIES = ["once upon a time a cat sat on the mat", "the dog ran to the park and back",
           "a bird sang in the tall green tree", "the children laughed and played all day"] * 8


def make_mode_checkpoint(folder: Path, mode: str, tokenization: str | None = None, k: int = K):
    """A tiny checkpoint + run.json of `mode` whose tokenizer is the one that mode really trains with.

    speech: the unit tokenizer (units 0..K-1, specials after them); unigram: the same layout over
    K pieces; text: a byte-level BPE with its specials at ids 0-2; interleaved: that BPE extended with
    K units and the `<speech>`/`<text>` markers.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from hf_slm.runrecord import RunRecord
    from hf_slm.textlm.tokenizer import save_text_tokenizer, train_text_tokenizer
    from hf_slm.units.tokenizer import save_unit_tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    if mode == "speech":
        tok = save_unit_tokenizer(k, folder)
    else:
        tok = train_text_tokenizer(STORIES, vocab_size=300)
        if mode == "interleaved":
            from hf_slm.interleave.init import extend_tokenizer

            extend_tokenizer(tok, k)
        save_text_tokenizer(tok, folder)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=128,
                         eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id)
    LlamaForCausalLM(config).save_pretrained(folder)
    record = RunRecord(
        name=f"{mode}-{tokenization or 'x'}", scale="tiny-50k", mode=mode, status="completed", n_params=3000,
        n_params_total=3700, layers=1, dim=16, heads=2, vocab_size=len(tok), context=128, tokens_seen=60_000,
        tokenization=tokenization, final_test_loss=2.5, scores=dict(SCORES), dataset=str(folder.parent / "data"))
    record.save(folder)
    return record, tok


def make_text_dataset(folder: Path):
    """A text-token dataset as the text side writes it (hf_slm.textlm.dataset), with its BPE tokenizer."""
    from hf_slm.textlm.dataset import write_text_dataset
    from hf_slm.textlm.tokenizer import train_text_tokenizer

    tok = train_text_tokenizer(STORIES, vocab_size=300)
    splits = {"train": [{"id": f"s{i}", "text": t} for i, t in enumerate(STORIES[:6])],
              "test": [{"id": "t0", "text": STORIES[6]}]}
    write_text_dataset(folder, splits, tok, source=str(folder.parent / "toy-units"))
    return tok
