"""Scoring throughput: batched + prompt sharing vs one pair at a time; against lm-evaluation-harness
on the same text pairs; paper-size run on a GPU.

    python benchmarks/bench_scoring.py [--json out.json]            # CPU: tiny model, ratios
    python benchmarks/bench_scoring.py --full --scale 309M          # GPU: sBLIMP dev + sSC + tSC

lm-evaluation-harness row (`lm_eval`, an optional benchmark dependency: `pip install lm_eval`; the
row is skipped, saying so, when it is missing): one text LM, one text tokenizer, the same requests
through both scorers in one run, per task. hf-slm runs under the definitions lm-eval uses (summed
log-likelihood of the continuation given the context, no terminal token, EOS before an empty
context only: protocol cm2024 with `convention="sum"`, `cloze_span="ending"`, and `prefix="none"`
for the cloze prompts). sBLIMP-like and
sWUGGY-like tasks have each text once per voice (VOICES), as hf-slm's text columns do; both
scorers see every row. The row reports pairs/s of each, the ratio, the largest difference in
log-likelihood and whether every decision agrees.

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
import dataclasses
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


VOICES = 4  # sBLIMP dev: every pair spoken by 4 voices
WORDS = [f"w{i}" for i in range(400)]


def text_tokenizer():
    """A word-level GPT-2-like text tokenizer (EOS, no BOS added), built on the spot."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(WORDS)}
    vocab.update({"<unk>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    core = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|endoftext|>", unk_token="<unk>",
                                   pad_token="<|endoftext|>")


def text_tasks(rng, n_pairs, n_cloze):
    """{task: (prompts, positives, negatives)}: word sentences, pair tasks repeated once per voice."""
    def sent(lo, hi):
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))
    pairs = [(sent(4, 12), sent(4, 12)) for _ in range(n_pairs)]
    words = [(rng.choice(WORDS), rng.choice(WORDS)) for _ in range(n_pairs)]
    cloze = [(sent(30, 60), sent(6, 12), sent(6, 12)) for _ in range(n_cloze)]
    voiced = lambda rows: [r for r in rows for _ in range(VOICES)]  # noqa: E731
    return {"sblimp": ([""] * n_pairs * VOICES, *map(list, zip(*voiced(pairs)))),
            "swuggy": ([""] * n_pairs * VOICES, *map(list, zip(*voiced(words)))),
            "ssc": tuple(map(list, zip(*cloze)))}


def versus_lm_eval(scale, device, batch_size, rng, n_pairs, n_cloze, repeats=3):
    """hf-slm vs lm-evaluation-harness on the same text requests (None fields when lm_eval is missing)."""
    try:
        from lm_eval.api.instance import Instance
        from lm_eval.models.huggingface import HFLM
    except ImportError:
        return {"skipped": "lm_eval is not installed (pip install lm_eval)"}
    import lm_eval
    from transformers import LlamaForCausalLM

    from hf_slm.scoring.benchmark import EvalOptions, score_pairs
    from hf_slm.scoring.lm import LoadedLM

    tok = text_tokenizer()
    torch.manual_seed(0)
    cfg = llama_config_for(get_scale(scale), vocab_size=len(tok), context=2050)
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    model = LlamaForCausalLM(cfg).to(device=device, dtype=dtype).eval()
    ours = LoadedLM(model=model, tokenizer=tok, device=device)
    theirs = HFLM(pretrained=model, tokenizer=tok, batch_size=batch_size, device=str(device))
    # lm-eval puts EOS before an empty context only, so a cloze prompt starts the sequence itself
    pair_options = EvalOptions(modality="text", convention="sum", cloze_span="ending", batch_size=batch_size)
    cloze_options = dataclasses.replace(pair_options, prefix="none")
    out = {"lm_eval_version": lm_eval.__version__ if hasattr(lm_eval, "__version__") else None,
           "voices": VOICES, "batch_size": batch_size, "repeats": repeats, "tasks": []}
    for task, (prompts, pos, neg) in text_tasks(rng, n_pairs, n_cloze).items():
        options = cloze_options if any(prompts) else pair_options
        reqs = [Instance(request_type="loglikelihood", doc={}, arguments=(p, (" " if p else "") + c), idx=0)
                for cands in (pos, neg) for p, c in zip(prompts, cands)]
        score_pairs(ours, prompts[:batch_size], pos[:batch_size], neg[:batch_size], options)  # warm-up
        theirs.loglikelihood(reqs[:batch_size], disable_tqdm=True)
        t_ours, t_theirs = [], []
        for _ in range(repeats):  # alternated, best of `repeats`: a shared CPU's noise hits both alike
            sync(device)
            t = time.perf_counter()
            mine = score_pairs(ours, prompts, pos, neg, options)
            sync(device)
            t_ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            ll = [x[0] for x in theirs.loglikelihood(reqs, disable_tqdm=True)]
            sync(device)
            t_theirs.append(time.perf_counter() - t)
        t_ours, t_theirs = min(t_ours), min(t_theirs)
        n = len(pos)
        a_pos, a_neg = mine.logliks("sum")
        b_pos, b_neg = torch.tensor(ll[:n], dtype=torch.float64), torch.tensor(ll[n:], dtype=torch.float64)
        diff = max((torch.tensor(a_pos) - b_pos).abs().max().item(), (torch.tensor(a_neg) - b_neg).abs().max().item())
        same = int(((torch.tensor(a_pos) > torch.tensor(a_neg)) == (b_pos > b_neg)).sum())
        out["tasks"].append({"task": task, "pairs": n, "hf_slm_pairs_per_s": n / t_ours,
                             "lm_eval_pairs_per_s": n / t_theirs, "ratio": t_theirs / t_ours,
                             "max_abs_diff_nats": diff, "same_decisions": same})
    return out


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
    p.add_argument("--lm-eval-pairs", type=int, default=150, help="text pairs per pair task for the lm-eval row "
                                                                  "(each scored once per voice)")
    p.add_argument("--lm-eval-cloze", type=int, default=150, help="cloze questions for the lm-eval row")
    p.add_argument("--lm-eval-repeats", type=int, default=3, help="timings per scorer (best kept)")
    p.add_argument("--no-lm-eval", action="store_true", help="skip the lm-evaluation-harness row")
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
        if not args.no_lm_eval:
            out["lm_eval"] = le = versus_lm_eval(args.scale, device, args.batch_size, rng, args.lm_eval_pairs,
                                                 args.lm_eval_cloze, args.lm_eval_repeats)
            if "skipped" in le:
                print(f"lm-evaluation-harness row skipped: {le['skipped']}")
            for r in le.get("tasks", []):
                print(f"{args.scale} text {r['task']:6s} vs lm-evaluation-harness: hf-slm {r['hf_slm_pairs_per_s']:8.1f} "
                      f"pairs/s, lm-eval {r['lm_eval_pairs_per_s']:8.1f} pairs/s: {r['ratio']:.2f}x; max |diff| "
                      f"{r['max_abs_diff_nats']:.1e} nats, {r['same_decisions']}/{r['pairs']} same decisions")
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
