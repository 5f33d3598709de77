"""Scoring throughput: batched + prompt sharing vs one pair at a time; paper-size run on a GPU.

    python benchmarks/bench_scoring.py [--json out.json]            # CPU: tiny model, ratio
    python benchmarks/bench_scoring.py --full --scale 309M          # GPU: sBLIMP dev + sSC + tSC

Random weights and random units with realistic lengths (25 Hz units after dedup, ~20 units/s):
sBLIMP-like pairs of 1.5–4 s sentences, cloze questions of a 4-sentence prompt (8–16 s) and two
2–4 s endings. Timing does not depend on the weights.

Beside each ratio it prints the ceiling that compute puts on it: the tokens the batched path must
run × 2 FLOPs per matmul parameter (LM head included, attention left out, so the ceiling is
generous), divided by the dense matmul rate measured in the same run. On CPU a tiny model's
one-pair-at-a-time loop is already partly compute-bound, so no batching can beat that ceiling.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import torch

from hf_slm.modeling import counts_for_scale, get_scale, llama_config_for
from hf_slm.scoring.loglik import MIN_SHARED_CONTEXT, Request, score_requests, score_shared_context

K = 500  # the paper's codebook; --k 100 is the embedded default's
UNITS_PER_S = 20
SBLIMP_DEV, CLOZE = 25_200, 1_871


def units(rng, lo_s, hi_s):
    return tuple(rng.randrange(K) for _ in range(int(rng.uniform(lo_s, hi_s) * UNITS_PER_S)))


def one_sequence_at_a_time(model, questions, device):
    """The loop peer scripts run: one forward pass per candidate sequence (prompt + ending)."""
    sync(device)
    t = time.perf_counter()
    for ctx, pos, neg in questions:
        for cand in (pos, neg):
            score_requests(model, [Request(ctx, cand)], pad_id=K + 1, batch_size=1)
    sync(device)
    return time.perf_counter() - t


def make_pairs(n, rng):
    return [((K,), units(rng, 1.5, 4), units(rng, 1.5, 4)) for _ in range(n)]


def make_cloze(n, rng):
    return [((K,) + units(rng, 8, 16), units(rng, 2, 4), units(rng, 2, 4)) for _ in range(n)]


def build_model(scale, device):
    torch.manual_seed(0)
    cfg = llama_config_for(get_scale(scale), vocab_size=K + 3, context=2050)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    from transformers import LlamaForCausalLM

    return LlamaForCausalLM(cfg).to(device=device, dtype=dtype).eval()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def one_pair_at_a_time(model, questions, device):
    """The naive loop: each pair's two full sequences in one small batch, prompt re-run per ending."""
    sync(device)
    t = time.perf_counter()
    for ctx, pos, neg in questions:
        score_requests(model, [Request(ctx, pos), Request(ctx, neg)], pad_id=K + 1, batch_size=2)
    sync(device)
    return time.perf_counter() - t


def batched_shared(model, questions, device, batch_size):
    sync(device)
    t = time.perf_counter()
    score_shared_context(model, [(ctx, [pos, neg]) for ctx, pos, neg in questions], pad_id=K + 1,
                         batch_size=batch_size)
    sync(device)
    return time.perf_counter() - t


def matmul_flops_per_s(device, size=2048, reps=5):
    """Dense float matmul rate of this device (the model's dtype), measured now."""
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    x = torch.randn(size, size, device=device, dtype=dtype)
    x @ x  # warm-up
    sync(device)
    t = time.perf_counter()
    for _ in range(reps):
        x @ x
    sync(device)
    return 2.0 * size ** 3 * reps / (time.perf_counter() - t)


def batched_tokens(questions):
    """Tokens the batched path runs: a context of one token with each candidate, a longer one once."""
    return sum(len(ctx) * (1 if len(ctx) >= MIN_SHARED_CONTEXT else 2) + len(pos) + len(neg)
               for ctx, pos, neg in questions)


def compare(model, device, kind, n_naive, n_batched, batch_size, rng, flops_per_token, peak):
    make = make_pairs if kind == "pairs" else make_cloze
    naive_q, batched_q = make(n_naive, rng), make(n_batched, rng)
    one_pair_at_a_time(model, naive_q[:2], device)  # warm-up
    batched_shared(model, batched_q[:batch_size], device, batch_size)
    t_naive = one_pair_at_a_time(model, naive_q, device)
    t_seq = one_sequence_at_a_time(model, naive_q, device)
    t_batched = batched_shared(model, batched_q, device, batch_size)
    naive_rate, batched_rate = n_naive / t_naive, n_batched / t_batched
    ceiling = peak / (flops_per_token * batched_tokens(batched_q) / n_batched)
    return {"kind": kind, "one_pair_at_a_time_pairs_per_s": naive_rate,
            "one_sequence_at_a_time_pairs_per_s": n_naive / t_seq,
            "batched_shared_pairs_per_s": batched_rate, "speedup": batched_rate / naive_rate,
            "speedup_vs_one_sequence": batched_rate * t_seq / n_naive,
            "ceiling_pairs_per_s": ceiling, "speedup_ceiling": ceiling / naive_rate,
            "batched_fraction_of_ceiling": batched_rate / ceiling,
            "n_naive": n_naive, "n_batched": n_batched, "batch_size": batch_size}


def full_run(model, device, batch_size, rng):
    """All of sBLIMP dev + sSC + tSC, batched with prompt sharing, timed end to end."""
    sets = {"sblimp": make_pairs(SBLIMP_DEV, rng), "ssc": make_cloze(CLOZE, rng), "tsc": make_cloze(CLOZE, rng)}
    batched_shared(model, sets["ssc"][:batch_size], device, batch_size)  # warm-up
    times = {name: batched_shared(model, q, device, batch_size) for name, q in sets.items()}
    return {"seconds": times, "total_s": sum(times.values()),
            "pairs": sum(len(q) for q in sets.values()), "batch_size": batch_size}


def main(argv=None):
    global K  # the unit functions read the codebook size
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", default="tiny-100k", help="model scale for the comparison")
    p.add_argument("--k", type=int, default=K, help="units in the codebook (vocabulary K + 3)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--n-naive", type=int, default=60, help="pairs scored one at a time")
    p.add_argument("--n-batched", type=int, default=600, help="pairs scored batched")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--full", action="store_true", help="also time sBLIMP dev + sSC + tSC at --full-scale")
    p.add_argument("--full-scale", default="309M")
    p.add_argument("--full-batch-size", type=int, default=256)
    p.add_argument("--json", help="write the results here")
    args = p.parse_args(argv)
    K = args.k
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    rng = random.Random(0)
    out = {"device": str(device), "torch_threads": torch.get_num_threads(), "scale": args.scale, "k": K,
           "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None}
    with torch.inference_mode():
        model = build_model(args.scale, device)
        flops_per_token = 2.0 * counts_for_scale(get_scale(args.scale), K + 3, 2050).n_params_compute
        out["matmul_flops_per_s"] = peak = matmul_flops_per_s(device)
        out["compare"] = [compare(model, device, kind, args.n_naive, args.n_batched, args.batch_size, rng,
                                  flops_per_token, peak) for kind in ("pairs", "cloze")]
        print(f"dense matmul: {peak / 1e9:.0f} GFLOP/s; {args.scale}: {flops_per_token / 1e3:.0f} kFLOP per token")
        for r in out["compare"]:
            print(f"{args.scale} {r['kind']:5s}: one pair at a time {r['one_pair_at_a_time_pairs_per_s']:8.1f} "
                  f"pairs/s, one sequence at a time {r['one_sequence_at_a_time_pairs_per_s']:8.1f} pairs/s, "
                  f"batched+shared {r['batched_shared_pairs_per_s']:8.1f} pairs/s: {r['speedup']:.1f}x "
                  f"({r['speedup_vs_one_sequence']:.1f}x vs one sequence); compute ceiling "
                  f"{r['ceiling_pairs_per_s']:.0f} pairs/s = {r['speedup_ceiling']:.1f}x "
                  f"(batched runs at {r['batched_fraction_of_ceiling']:.0%} of it)")
        if args.full:
            model = build_model(args.full_scale, device)
            out["full"] = {"scale": args.full_scale, **full_run(model, device, args.full_batch_size, rng)}
            f = out["full"]
            print(f"{args.full_scale}: {f['pairs']} pairs (sBLIMP dev + sSC + tSC) in {f['total_s']:.1f} s "
                  f"({', '.join(f'{k} {v:.1f}s' for k, v in f['seconds'].items())})")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=2)
    return out


if __name__ == "__main__":
    main()
