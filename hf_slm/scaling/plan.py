"""The planner: from fitted laws and a target (a loss, a metric score) or a FLOP budget to a plan:
compute, compute-optimal N and D, the nearest model configuration in hf_slm.modeling, predicted
loss and scores, and GPU-hours at a given model-FLOPs utilisation and peak throughput.
"""

from __future__ import annotations

import math

import numpy as np

from hf_slm.errors import ConfigError
from hf_slm.modeling import SCALES, counts_for_scale
from hf_slm.scaling.compute_optimal import ComputeOptimal
from hf_slm.scaling.downstream import canonical

DEFAULT_VOCAB = 502  # the paper's 500 units + EOS + pad
DEFAULT_CONTEXT = 2050


def parse_target(text: str) -> tuple[str, float]:
    """"loss=2.1" or "<metric>=0.70" → (name, value)."""
    name, sep, value = text.partition("=")
    name = name.strip()
    try:
        v = float(value)
    except ValueError:
        v = float("nan")
    if not sep or not name or not math.isfinite(v):
        raise ConfigError("--target", f"{text!r} is not NAME=VALUE, e.g. loss=2.1 or sblimp=0.70")
    return name, v


def _group(laws: dict, mode: str) -> dict:
    groups = laws.get("laws", {})
    if mode not in groups:
        raise ConfigError("--mode", f"no laws for {mode!r} in this file; it has {', '.join(groups) or 'none'}")
    return groups[mode]


def _compute_optimal(group: dict) -> ComputeOptimal | None:
    ch = group.get("chinchilla", {})
    if not ch.get("fitted"):
        return None
    return ComputeOptimal.from_constants(ch["E"], ch["A"], ch["B"], ch["alpha"], ch["beta"])


def _metric_law(group: dict, metric: str):
    down = group.get("downstream", {})
    for name, res in down.items():
        if name == metric or canonical(name) == canonical(metric):
            return name, res
    raise ConfigError("--target", f"no downstream law for {metric!r}; fitted: "
                      f"{', '.join(k for k, v in down.items() if v.get('fitted')) or 'none'}")


def nearest_scale(n_params: float, vocab: int = DEFAULT_VOCAB, context: int = DEFAULT_CONTEXT):
    """The scale of hf_slm.modeling whose non-embedding parameter count is nearest in log."""
    best = None
    for scale in SCALES.values():
        counts = counts_for_scale(scale, vocab, context)
        dist = abs(math.log(counts.n_params) - math.log(n_params))
        if best is None or dist < best[0]:
            best = (dist, scale, counts)
    return best[1], best[2]


def plan_budget(laws: dict, flops: float, *, mode: str = "speech", mfu: float = 0.4, peak_tflops: float = 312.0,
                vocab: int = DEFAULT_VOCAB, context: int = DEFAULT_CONTEXT) -> dict:
    """What a budget of `flops` (6ND) buys: N_opt, D_opt, predicted loss and scores, GPU-hours."""
    if not (math.isfinite(flops) and flops > 0):
        raise ConfigError("--flops", f"{flops!r} must be a positive number of FLOPs")
    if not 0 < mfu <= 1:
        raise ConfigError("--mfu", f"{mfu!r} must be in (0, 1]")
    if not peak_tflops > 0:
        raise ConfigError("--peak-tflops", f"{peak_tflops!r} must be > 0")
    group = _group(laws, mode)
    co = _compute_optimal(group)
    out: dict = {"mode": mode, "flops": float(flops), "mfu": mfu, "peak_tflops": peak_tflops}
    throughput = mfu * peak_tflops * 1e12
    out["gpu_hours_6nd"] = flops / throughput / 3600.0
    if co is not None:
        n_opt, d_opt = float(co.n_opt(flops)), float(co.d_opt(flops))
        out.update(n_opt=n_opt, d_opt=d_opt, predicted_loss=float(co.loss(flops)))
        scale, counts = nearest_scale(n_opt, vocab, context)
        tokens = flops / (6.0 * counts.n_params)
        out["nearest_scale"] = {
            "name": scale.name, "layers": scale.layers, "dim": scale.dim, "heads": scale.heads,
            "n_params": counts.n_params, "n_params_total": counts.n_params_total, "tokens": tokens,
            "predicted_loss": float(co.E + co.A * counts.n_params ** -co.alpha + co.B * tokens ** -co.beta),
            "flops_6nd_attn": counts.flops_per_token_attn * tokens,
            "gpu_hours": counts.flops_per_token_attn * tokens / throughput / 3600.0}
    else:
        out["note"] = "no Chinchilla law for this mode: " + group.get("chinchilla", {}).get("reason", "")
    preds = {}
    for metric, res in group.get("downstream", {}).items():
        if res.get("fitted"):
            preds[metric] = {"value": float(res["k"] * flops ** res["gamma"]),
                             "extrapolated": bool(flops > res["x_max"] * 1.0001 or flops < res["x_min"] * 0.9999)}
    out["predicted_scores"] = preds
    return out


def plan_target(laws: dict, target: str, *, mode: str = "speech", **kwargs) -> dict:
    """The compute a target needs ("loss=2.1" or "sblimp=0.70"), and the plan for that compute."""
    name, value = parse_target(target)
    group = _group(laws, mode)
    if name == "loss":
        co = _compute_optimal(group)
        if co is None:
            raise ConfigError("--target", f"no Chinchilla law for {mode!r}: "
                              f"{group.get('chinchilla', {}).get('reason', 'not fitted')}")
        if not value > co.E:
            raise ConfigError("--target", f"loss {value} is at or below the irreducible loss E = {co.E:.4g} "
                              f"of the {mode} law: unreachable at any compute")
        flops = co.flops_for_loss(value)
    else:
        metric, res = _metric_law(group, name)
        if not res.get("fitted"):
            raise ConfigError("--target", f"the {metric!r} law was not fitted: {res.get('reason')}")
        if not 0 < value < 1:
            raise ConfigError("--target", f"{name}={value}: a score must lie in (0, 1)")
        if not res["gamma"] > 0:
            raise ConfigError("--target", f"{metric!r} does not improve with compute (γ = {res['gamma']:.3g})")
        flops = float((value / res["k"]) ** (1.0 / res["gamma"]))
        if not np.isfinite(flops):
            raise ConfigError("--target", f"{name}={value} needs more FLOPs than a float can hold")
    plan = plan_budget(laws, flops, mode=mode, **kwargs)
    plan["target"] = {"name": name, "value": value}
    return plan
