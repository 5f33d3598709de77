"""`scaling_laws.json`: what `hf-slm fit` writes and the planner, the hub cards and the demo read.

Schema (version 1; keys are stable, new keys may be added, readers must ignore unknown ones)::

    {
      "schema_version": 1,
      "kind": "hf-slm/scaling-laws",
      "laws": {
        "<group>": {                      # group = run mode ("speech", "text", "interleaved"),
                                          # suffixed "_<tokenization>" when a run's recipe names one
          "n_runs": int,
          "chinchilla": {"fitted": true, "E", "A", "B", "alpha", "beta",   # L = E + A/N^α + B/D^β
                         "objective", "delta", "n_points", "n_starts", "n_converged",
                         "n_at_optimum", "converged", "message",
                         "identifiable": {"E": bool, "A": bool, "B": bool, "alpha": bool, "beta": bool},
                         "profile": {"E": {"low", "high", "open_low", "open_high", "at_bound"}, ...},
                         "identifiability_criterion": str,                    # diagnostics.py
                         "warnings": [str, ...],                              # plain language
                         "extrapolation": EXTRAPOLATION,
                         "intervals": {"E": {"low", "high", "std", "level"}, ...},  # when bootstrapped
                         "bootstrap_resamples": int, "bootstrap_scheme": "warm" | "restart"},
          "compute_optimal": {"fitted": true, "G", "a", "b",      # N_opt = G (C/6)^a, D_opt = (C/6)^b / G
                              "identifiable": {"G", "a", "b"}, "warnings": [...],
                              "intervals": {...}, "examples": [{"flops", "n_opt", "d_opt", "loss"}]},
          "data_constrained": {"fitted": true, "R_D_star", "R_N_star", "objective", "delta", "n_points",
                               "intervals": {"R_D_star": {"low", "high", "method", "ill_determined"}, ...},
                               "ill_determined": ["R_D_star", ...], "identifiable": {"R_D_star", "R_N_star"},
                               "warnings": [...], "extrapolation": EXTRAPOLATION},
          "envelope": {"fitted": true, "k", "gamma", "r2", "n_points", "gamma_se", "x_min", "x_max",
                       "points": {"flops": [...], "loss": [...]}, "intervals": {...},   # L ≈ k C^γ
                       "identifiable": {"k", "gamma"}, "warnings": [...], "extrapolation": EXTRAPOLATION},
          "downstream": {"<metric>": {"fitted": true, "k", "gamma", "r2", "n_points", "gamma_se",
                                      "x_min", "x_max", "saturation", "chance", "envelope_at_chance",
                                      "identifiable": {"k", "gamma"}, "warnings": [...], "intervals": {...},
                                      "envelope": {"flops", "value"}, "points_used": {...},
                                      "vs_loss": {"pearson_r", "p_value", "slope", "intercept", ...}}}
        }
      },
      "comparisons": {"<metric>": {"<fast>/<slow>": {"gamma_<fast>", "gamma_<slow>", "ratio",
                                                      "log10_compute_factor_for_10x",
                                                      "compute_factor_for_10x"}}},
      "points": [{"run", "path", "group", "mode", "n_params", "tokens", "unique_tokens", "epochs",
                  "flops", "loss", "scores": {metric: value}, "score_ci": {metric: [low, high]},
                  "used_in": [law, ...]}],
      "excluded": [{"run", "path", "reason"}],
      "settings": {"delta", "grid_starts", "chinchilla_method",   # "varpro" | "grid": see fit_chinchilla
                   "bootstrap", "seed", "level", "saturation", "envelope_bins", "envelope_skip_fraction"},
      "versions": {package: version, ..., "git_commit": str | null}
    }

EXTRAPOLATION = {"fitted": true, "held_out": [run, ...], "flops", "observed", "predicted", "rel_error": [...],
"max_abs_rel_error", "n_fit", "share"}: the law refitted without its top 20% of points by compute
(at least one), predicting them (extrapolation.py); or {"fitted": false, "reason"}.
`identifiable` false means the data do not pin the constant down (diagnostics.py for the Chinchilla
constants, a 95% t-interval of γ that includes 0 for power laws); `hf-slm plan` refuses to plan from
such a law without --force.

A law that the data cannot support is {"fitted": false, "reason": "..."}; nothing is fitted
silently. Every float is finite (JSON has no NaN; an unknown number is null).
"""

from __future__ import annotations

import math
from pathlib import Path

from hf_slm.atomic import read_json, write_json
from hf_slm.errors import ConfigError

SCHEMA_VERSION = 1
KIND = "hf-slm/scaling-laws"
LAWS_FILE = "scaling_laws.json"


def clean(obj):
    """numpy scalars → Python, NaN/inf → None, recursively (the file must be strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):
        return clean(obj.tolist())
    if isinstance(obj, bool) or obj is None or isinstance(obj, (int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj


def write_laws(path: str | Path, laws: dict) -> Path:
    path = Path(path)
    if path.is_dir() or path.suffix != ".json":
        path = path / LAWS_FILE
    write_json(path, clean(laws))
    return path


def load_laws(path: str | Path, field: str = "--laws", *, strict: bool = True) -> dict:
    """Read a scaling_laws.json (or the one in a folder); a wrong or newer file is a ConfigError.

    strict=False (the cards): any object with a "laws" object is accepted, so a hand-written or older
    file still renders; a file that names another kind or a newer schema is still refused.
    """
    p = Path(path)
    if p.is_dir():
        p = p / LAWS_FILE
    if not p.exists():
        raise ConfigError(field, f"{p} does not exist (write it with `hf-slm fit`)")
    try:
        data = read_json(p)
    except ValueError as e:
        raise ConfigError(field, f"{p} is not JSON: {e}") from None
    if not isinstance(data, dict):
        raise ConfigError(field, f"{p} is not a scaling-laws file (not a JSON object)")
    if data.get("kind") != KIND and (strict or "kind" in data):
        raise ConfigError(field, f"{p} is not a scaling-laws file (no kind {KIND!r})")
    if not isinstance(data.get("laws"), dict):
        raise ConfigError(field, f"{p} is not a scaling-laws file (no 'laws' object)")
    version = data.get("schema_version")
    if (strict or version is not None) and (not isinstance(version, int) or version > SCHEMA_VERSION):
        raise ConfigError(field, f"{p} has schema_version {version!r}; this hf-slm reads up to {SCHEMA_VERSION}")
    return data
