"""The planner: from fitted laws and a target (a loss, a metric score) or a FLOP budget to a plan:
compute, compute-optimal N and D, the nearest model configuration in hf_slm.modeling, predicted
loss and scores, and GPU-hours at a given model-FLOPs utilisation and peak throughput.
"""

from __future__ import annotations

import math

import numpy as np

from hf_slm.errors import ConfigError
from hf_slm.modeling import A100_BF16_TFLOPS, SCALES, counts_for_scale, gpu_hours
from hf_slm.scaling.compute_optimal import ComputeOptimal
from hf_slm.scaling.downstream import canonical
from hf_slm.scaling.formulas import power_law, power_law_inverse

DEFAULT_VOCAB = 502  # the paper's 500 units + EOS + pad
DEFAULT_CONTEXT = 2050
CHINCHILLA_CONSTANTS = ("E", "A", "B", "alpha", "beta")  # N_opt needs A, B, α, β; the predicted loss also E
FAR_FACTOR = 2.0  # a nearest scale more than 2x from N_opt is worth a warning


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
    return ComputeOptimal.from_group(group)


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


def unidentified(section: dict, names) -> list[str]:
    """The constants among `names` that the law's diagnostics mark as not identifiable (absent: unknown, [])."""
    ident = (section or {}).get("identifiable") or {}
    return [k for k in names if ident.get(k) is False]


def _check_identified(section: dict, names, what: str, field: str, force: bool) -> list[str]:
    """Refuse (ConfigError) to plan from unidentified constants unless forced; returns them for labels."""
    bad = unidentified(section, names)
    if bad and not force:
        raise ConfigError(field, f"the {what} does not identify {', '.join(bad)} (see its warnings in "
                                 f"scaling_laws.json); a plan from it would extrapolate noise: pass --force to plan "
                                 f"anyway, every prediction then labelled unreliable")
    return bad


def _label(bad: list[str]) -> str | None:
    return f"unreliable: {', '.join(bad)} not identified by the fit" if bad else None


def plan_budget(laws: dict, flops: float, *, mode: str = "speech", mfu: float = 0.4,
                peak_tflops: float = A100_BF16_TFLOPS, vocab: int = DEFAULT_VOCAB, context: int = DEFAULT_CONTEXT,
                force: bool = False) -> dict:
    """What a budget of `flops` (6ND) buys: N_opt, D_opt, predicted loss and scores, GPU-hours.

    Refuses (ConfigError on --laws) when the Chinchilla law's diagnostics say a constant is not identified,
    unless `force`; then every prediction carries "reliable": false and a label. Downstream predictions are
    clamped to [0, 1] (an accuracy cannot exceed 1; the power law does not know that) and labelled the same
    way when their law's γ is not identified.
    """
    if not (math.isfinite(flops) and flops > 0):
        raise ConfigError("--flops", f"{flops!r} must be a positive number of FLOPs")
    if not 0 < mfu <= 1:
        raise ConfigError("--mfu", f"{mfu!r} must be in (0, 1]")
    if not peak_tflops > 0:
        raise ConfigError("--peak-tflops", f"{peak_tflops!r} must be > 0")
    group = _group(laws, mode)
    co = _compute_optimal(group)
    out: dict = {"mode": mode, "flops": float(flops), "mfu": mfu, "peak_tflops": peak_tflops, "warnings": []}
    out["gpu_hours_6nd"] = gpu_hours(flops, mfu, peak_tflops)
    if co is not None:
        bad = _check_identified(group.get("chinchilla"), CHINCHILLA_CONSTANTS, f"{mode} Chinchilla law", "--laws",
                                force)
        n_opt, d_opt = float(co.n_opt(flops)), float(co.d_opt(flops))
        out.update(n_opt=n_opt, d_opt=d_opt, predicted_loss=float(co.loss(flops)), reliable=not bad,
                   label=_label(bad))
        scale, counts = nearest_scale(n_opt, vocab, context)
        tokens = flops / (6.0 * counts.n_params)
        out["nearest_scale"] = {
            "name": scale.name, "layers": scale.layers, "dim": scale.dim, "heads": scale.heads,
            "n_params": counts.n_params, "n_params_total": counts.n_params_total, "tokens": tokens,
            "predicted_loss": float(co.loss_at(counts.n_params, tokens)),
            "flops_6nd_attn": counts.flops_per_token_attn * tokens,
            "gpu_hours": gpu_hours(counts.flops_per_token_attn * tokens, mfu, peak_tflops),
            "reliable": not bad, "label": _label(bad)}
        factor = counts.n_params / n_opt
        if not 1 / FAR_FACTOR <= factor <= FAR_FACTOR:
            out["warnings"].append(
                f"the nearest configured scale {scale.name} ({counts.n_params:,} parameters) is "
                f"{factor if factor > 1 else 1 / factor:.3g}x {'larger' if factor > 1 else 'smaller'} than "
                f"N_opt = {n_opt:.3g}: trained on {tokens:.3g} tokens it is far from the compute-optimal split "
                f"(add a scale near N_opt to hf_slm.modeling for this budget)")
        if bad:
            out["warnings"].append(_label(bad) + " (planned with --force)")
    else:
        out["note"] = "no Chinchilla law for this mode: " + group.get("chinchilla", {}).get("reason", "")
    preds = {}
    for metric, res in group.get("downstream", {}).items():
        if res.get("fitted"):
            raw = float(power_law(flops, res["k"], res["gamma"]))
            value = min(max(raw, 0.0), 1.0)
            weak = unidentified(res, ("k", "gamma"))
            preds[metric] = {"value": value, "clamped": value != raw, "reliable": not weak, "label": _label(weak),
                             "extrapolated": bool(flops > res["x_max"] * 1.0001 or flops < res["x_min"] * 0.9999)}
    out["predicted_scores"] = preds
    return out


def plan_target(laws: dict, target: str, *, mode: str = "speech", force: bool = False, **kwargs) -> dict:
    """The compute a target needs ("loss=2.1" or "sblimp=0.70"), and the plan for that compute.

    Refuses, unless `force`, when a constant the target needs is not identified (see plan_budget).
    """
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
        _check_identified(group.get("chinchilla"), CHINCHILLA_CONSTANTS, f"{mode} Chinchilla law", "--laws", force)
        flops = co.flops_for_loss(value)
    else:
        metric, res = _metric_law(group, name)
        if not res.get("fitted"):
            raise ConfigError("--target", f"the {metric!r} law was not fitted: {res.get('reason')}")
        if not 0 < value < 1:
            raise ConfigError("--target", f"{name}={value}: a score must lie in (0, 1)")
        _check_identified(res, ("k", "gamma"), f"{mode} {metric} law", "--laws", force)
        if not res["gamma"] > 0:
            raise ConfigError("--target", f"{metric!r} does not improve with compute (γ = {res['gamma']:.3g})")
        flops = float(power_law_inverse(value, res["k"], res["gamma"]))
        if not np.isfinite(flops):
            raise ConfigError("--target", f"{name}={value} needs more FLOPs than a float can hold")
    plan = plan_budget(laws, flops, mode=mode, force=force, **kwargs)
    plan["target"] = {"name": name, "value": value}
    return plan
