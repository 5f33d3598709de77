"""`hf-slm plan`: from fitted laws to a training plan: the compute a target needs, or what a
budget buys (N_opt, D_opt, the nearest model scale, predicted loss and scores, GPU-hours)."""

from __future__ import annotations

import argparse
import json

from hf_slm.modeling import A100_BF16_TFLOPS


def register(subparsers) -> None:
    p = subparsers.add_parser("plan", help="plan compute for a target loss or score, or spend a FLOP budget",
                              description=__doc__)
    p.add_argument("--laws", required=True, help="scaling_laws.json (or its folder) from `hf-slm fit`")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--target", help="loss=2.1 or METRIC=VALUE such as sblimp=0.70")
    which.add_argument("--flops", type=float, help="a compute budget in FLOPs (6ND), e.g. 1e21")
    p.add_argument("--mode", default="speech", help="which group's laws (speech, text, interleaved, ...)")
    p.add_argument("--mfu", type=float, default=0.4, help="model-FLOPs utilisation for GPU-hours")
    p.add_argument("--peak-tflops", type=float, default=A100_BF16_TFLOPS,
                   help=f"peak TFLOP/s of one GPU ({A100_BF16_TFLOPS:g}: A100 bf16)")
    p.add_argument("--vocab", type=int, default=502, help="vocabulary for the configuration's counts")
    p.add_argument("--context", type=int, default=2050, help="context length for attention FLOPs")
    p.add_argument("--force", action="store_true",
                   help="plan even from a law whose needed constants the fit did not identify (every prediction "
                        "is then labelled unreliable)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(func=run)


def _tag(item: dict) -> str:
    return f"  [{item['label'].upper()}]" if item.get("label") else ""


def _fmt(plan: dict) -> list[str]:
    lines = []
    if "target" in plan:
        t = plan["target"]
        lines.append(f"target {t['name']} = {t['value']:g} ({plan['mode']})")
    lines.append(f"compute: {plan['flops']:.4g} FLOPs (6ND); {plan['gpu_hours_6nd']:.4g} GPU-hours at "
                 f"MFU {plan['mfu']:g} of {plan['peak_tflops']:g} TFLOP/s")
    if "n_opt" in plan:
        lines.append(f"compute-optimal: N = {plan['n_opt']:.4g} parameters, D = {plan['d_opt']:.4g} tokens, "
                     f"predicted loss {plan['predicted_loss']:.4f}" + _tag(plan))
        s = plan["nearest_scale"]
        lines.append(f"nearest scale: {s['name']} ({s['layers']} layers, dim {s['dim']}, {s['n_params']:,} "
                     f"non-embedding parameters) on {s['tokens']:.4g} tokens: loss {s['predicted_loss']:.4f}, "
                     f"{s['gpu_hours']:.4g} GPU-hours with attention FLOPs" + _tag(s))
    elif plan.get("note"):
        lines.append(plan["note"])
    for metric, v in plan.get("predicted_scores", {}).items():
        notes = [n for n, on in (("extrapolated", v["extrapolated"]), ("clamped to [0, 1]", v.get("clamped")))
                 if on]
        lines.append(f"predicted {metric}: {v['value']:.4f}" + (f" ({', '.join(notes)})" if notes else "")
                     + _tag(v))
    lines += [f"warning: {w}" for w in plan.get("warnings", [])]
    return lines


def run(args: argparse.Namespace) -> int:
    from hf_slm.scaling import load_laws, plan_budget, plan_target

    laws = load_laws(args.laws)
    kw = dict(mode=args.mode, mfu=args.mfu, peak_tflops=args.peak_tflops, vocab=args.vocab, context=args.context,
              force=args.force)
    plan = plan_target(laws, args.target, **kw) if args.target else plan_budget(laws, args.flops, **kw)
    if args.json:
        print(json.dumps(plan, indent=2))
    else:
        print("\n".join(_fmt(plan)))
    return 0
