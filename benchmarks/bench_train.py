#!/usr/bin/env python
"""Training throughput: tokens/s and MFU per scale, through the same Trainer path as train.py.

CPU (default): packed EOS windows (the paper's packing, hf_slm.data.pack) against a padded
one-document-per-row baseline, same scale, same rows per step; real (non-pad) tokens/s and the
pad fraction of each. GPU (`--gpu`): each paper scale with the recipe (bf16, SDPA, fused AdamW,
optional torch.compile) beside a default TrainingArguments configuration (fp32), with MFU =
tokens/s × (6N + attention FLOPs per token) / the card's dense bf16 peak.

    python benchmarks/bench_train.py --json bench_train_cpu.json
    python benchmarks/bench_train.py --gpu --scales 20M 85M 155M 309M 823M --json bench_train_gpu.json
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from hf_slm.data.pack import pack_windows
from hf_slm.data.windows import WindowDataset
from hf_slm.modeling import counts_for_scale, get_scale, llama_config_for
from hf_slm.provenance import hardware, package_versions

# Dense bf16 peak FLOP/s by card (vendor data sheets, no sparsity); MFU divides by these.
BF16_PEAK = {"A100": 312e12, "H100": 989e12, "H200": 989e12, "L40S": 362e12, "A10": 125e12, "L4": 121e12}
K = 500  # the paper's units; vocab K + eos, pad, bos
EOS, PAD, VOCAB = K, K + 1, K + 3


def gpu_peak() -> float | None:
    name = torch.cuda.get_device_name(0) if torch.cuda.is_available() else ""
    return next((v for k, v in BF16_PEAK.items() if k in name), None)


def synthetic_docs(n: int, seed: int = 0, mean_len: int = 200, max_len: int = 1000) -> list[list[int]]:
    """Utterance-like documents: lengths lognormal around `mean_len` units (spoken sentences/stories)."""
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(np.log(mean_len), 0.6, size=n).astype(int), 8, max_len)
    return [rng.integers(0, K, size=int(n_)).tolist() for n_ in lengths]


class PaddedRows(torch.utils.data.Dataset):
    """Baseline: one document per row (truncated to the context), padded per batch by the collator."""

    def __init__(self, docs, context):
        self.docs = [d[: context - 1] + [EOS] for d in docs]

    def __len__(self):
        return len(self.docs)

    def __getitem__(self, i):
        return {"input_ids": self.docs[i]}


def pad_collate(features):
    width = max(len(f["input_ids"]) for f in features)
    ids = torch.full((len(features), width), PAD, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, f in enumerate(features):
        ids[i, : len(f["input_ids"])] = torch.tensor(f["input_ids"])
        mask[i, : len(f["input_ids"])] = 1
    labels = ids.masked_fill(mask == 0, -100)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


class StepTimer:
    """Durations of the optimizer steps after `warmup`; the median resists a shared machine's spikes."""

    def __init__(self, warmup):
        from transformers import TrainerCallback

        timer = self

        class _CB(TrainerCallback):
            def on_step_begin(self, args, state, control, **kw):
                timer.t0 = time.perf_counter()

            def on_step_end(self, args, state, control, **kw):
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                if state.global_step > timer.warmup:
                    timer.durations.append(time.perf_counter() - timer.t0)

        self.warmup, self.t0, self.durations, self.callback = warmup, None, [], _CB()

    def median_step_s(self) -> float:
        return float(np.median(self.durations))


class TokenCounter:
    """Counts real (label != -100) and total positions the collator hands to the model."""

    def __init__(self, collate):
        self.collate, self.real, self.total, self.batches = collate, 0, 0, 0

    def __call__(self, features):
        batch = self.collate(features)
        self.real += int((batch["labels"] != -100).sum())
        self.total += batch["labels"].numel()
        self.batches += 1  # the loader may fetch a batch ahead of the last step: average per batch
        return batch


def train_throughput(scale_name, dataset, collate, rows, steps, warmup, context, recipe: bool, compile_=False):
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments, set_seed

    scale = get_scale(scale_name)
    set_seed(0)
    config = llama_config_for(scale, VOCAB, context, eos_token_id=EOS, pad_token_id=PAD, bos_token_id=K + 2)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="sdpa" if recipe else None)
    on_gpu = torch.cuda.is_available()
    extra = dict(bf16=on_gpu, learning_rate=5e-4, lr_scheduler_type="cosine_with_min_lr",
                 lr_scheduler_kwargs={"min_lr_rate": 0.1}, weight_decay=0.1, torch_compile=compile_) if recipe else {}
    args = TrainingArguments(output_dir="/tmp/hf_slm_bench", max_steps=warmup + steps, per_device_train_batch_size=rows,
                             save_strategy="no", report_to="none", disable_tqdm=True, logging_strategy="no",
                             dataloader_pin_memory=on_gpu, remove_unused_columns=False,
                             train_sampling_strategy="sequential", **extra)
    counter = TokenCounter(collate)
    timer = StepTimer(warmup)
    trainer = Trainer(model=model, args=args, train_dataset=dataset, data_collator=counter, callbacks=[timer.callback])
    trainer.train()
    per_step_real = counter.real / counter.batches  # data are homogeneous: same mean per step
    tokens_s = per_step_real / timer.median_step_s()
    counts = counts_for_scale(scale, VOCAB, context)
    flops_s = tokens_s * counts.flops_per_token_attn
    return {"scale": scale_name, "tokens_per_s": tokens_s, "flops_per_s_6n_attn": flops_s,
            "pad_fraction": 1 - counter.real / counter.total, "rows_per_step": rows, "steps_timed": steps,
            "median_step_s": timer.median_step_s(), "real_tokens_per_step": per_step_real,
            "n_params": counts.n_params}


def cpu_bench(scales, context, rows, steps, warmup, n_docs):
    docs = synthetic_docs(n_docs)
    windows, _ = pack_windows(docs, context, EOS, PAD)
    from transformers import default_data_collator

    out = []
    for s in scales:
        packed = train_throughput(s, WindowDataset(windows, pad_id=PAD), default_data_collator, rows, steps, warmup,
                                  context, recipe=True)
        padded = train_throughput(s, PaddedRows(docs, context), pad_collate, rows, steps, warmup, context, recipe=True)
        out.append({"scale": s, "packed": packed, "padded": padded,
                    "speedup_real_tokens": packed["tokens_per_s"] / padded["tokens_per_s"]})
        print(f"{s:>10}: packed {packed['tokens_per_s']:9.0f} tok/s (pad {packed['pad_fraction']:.2%}) | "
              f"padded {padded['tokens_per_s']:9.0f} tok/s (pad {padded['pad_fraction']:.2%}) | "
              f"×{out[-1]['speedup_real_tokens']:.2f}")
    return out


def gpu_bench(scales, context, rows, steps, warmup, compile_):
    from transformers import default_data_collator

    peak = gpu_peak()
    docs = synthetic_docs(rows * (steps + warmup) * 12, mean_len=200)
    windows, _ = pack_windows(docs, context, EOS, PAD)
    out = []
    for s in scales:
        row = {"scale": s}
        for label, recipe in (("recipe", True), ("trainer_default", False)):
            r = train_throughput(s, WindowDataset(windows, pad_id=PAD), default_data_collator, rows, steps, warmup,
                                 context, recipe=recipe, compile_=compile_ and recipe)
            r["mfu"] = r["flops_per_s_6n_attn"] / peak if peak else None
            row[label] = r
            torch.cuda.empty_cache()
        out.append(row)
        print(f"{s:>6}: recipe {row['recipe']['tokens_per_s']:10.0f} tok/s MFU {row['recipe']['mfu'] or 0:.1%} | "
              f"default {row['trainer_default']['tokens_per_s']:10.0f} tok/s MFU {row['trainer_default']['mfu'] or 0:.1%}")
    return {"bf16_peak_flops": peak, "device": torch.cuda.get_device_name(0), "scales": out}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gpu", action="store_true", help="paper scales on the GPU (MFU vs bf16 peak)")
    p.add_argument("--scales", nargs="+")
    p.add_argument("--context", type=int)
    p.add_argument("--rows", type=int, help="sequences per step")
    p.add_argument("--steps", type=int, default=None, help="timed steps")
    p.add_argument("--warmup", type=int, default=None, help="untimed steps first")
    p.add_argument("--compile", action="store_true", help="torch.compile in the recipe configuration (GPU)")
    p.add_argument("--json", help="write the results here")
    a = p.parse_args()
    if a.gpu:
        if not torch.cuda.is_available():
            p.error("--gpu needs CUDA")
        res = gpu_bench(a.scales or ["20M", "85M", "155M", "309M", "823M"], a.context or 2050, a.rows or 8,
                        a.steps or 20, a.warmup or 5, a.compile)
    else:
        res = cpu_bench(a.scales or ["tiny-250k", "tiny-1m"], a.context or 512, a.rows or 8, a.steps or 10,
                        a.warmup or 2, n_docs=400)
    doc = {"benchmark": "train_throughput", "gpu": a.gpu, "results": res, "hardware": hardware(),
           "versions": package_versions(), "platform": platform.platform(), "threads": torch.get_num_threads(),
           "omp_num_threads": os.environ.get("OMP_NUM_THREADS")}
    if a.json:
        from hf_slm.atomic import write_json

        write_json(a.json, doc)


if __name__ == "__main__":
    main()
