"""From run records to every law the data supports: the one entry point of `hf-slm fit` and the demo.

Runs are grouped by mode (speech / text / interleaved), and by run.json's `tokenization` when it is
not the mode's own ("speech_unigram": the paper's unigram runs are their own law). Per group:
Chinchilla on single-epoch runs (with identifiability, bootstrap and extrapolation check:
chinchilla_section.py), compute-optimal allocation from it, the data-constrained decay on
multi-epoch runs, the loss envelope from learning curves, and a power law per downstream metric on
envelope points distinguishable from chance. Unusable runs are listed under "excluded" with the
reason, laws the data cannot support under "fitted": false with the reason. See laws_file.py for the
schema.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from hf_slm.errors import ConfigError
from hf_slm.provenance import git_commit, package_versions
from hf_slm.runrecord import RUN_FILE, RunRecord, find_runs
from hf_slm.scaling.bootstrap import LEVEL, summarize
from hf_slm.scaling.chinchilla import METHODS, default_grid
from hf_slm.scaling.chinchilla_section import chinchilla_section
from hf_slm.scaling.compute_optimal import ComputeOptimal
from hf_slm.scaling.data_constrained import Constants, data_constrained_loss, fit_decay
from hf_slm.scaling.downstream import SATURATION, canonical, chance_level, efficiency_ratio, fit_downstream
from hf_slm.scaling.envelope import curve_points, fit_envelope
from hf_slm.scaling.extrapolation import extrapolation_check
from hf_slm.scaling.formulas import compute_optimal_split
from hf_slm.scaling.huber import DELTA_CUERVO_MARXER
from hf_slm.scaling.laws_file import KIND, SCHEMA_VERSION, clean

CHINCHILLA_PARAMS = 5
MIN_MULTI = 3  # multi-epoch runs the data-constrained stage needs for R*_D and R*_N
MODES = ("speech", "text", "interleaved")
# pairs compared by γ ratio: (faster-learning mode, slower), as the papers report them
COMPARE = (("text", "speech"), ("interleaved", "speech"), ("text", "interleaved"))


def load_records(runs) -> list[tuple[RunRecord, str]]:
    """RunRecords from folders (searched for run.json), run.json files, RunRecords or dicts."""
    if isinstance(runs, (str, Path, RunRecord, dict)):
        runs = [runs]
    out = []
    for item in runs:
        if isinstance(item, RunRecord):
            out.append((item, item.name))
        elif isinstance(item, dict):
            out.append((RunRecord.from_dict(item), str(item.get("name", ""))))
        else:
            p = Path(item)
            if p.is_file():
                out.append((RunRecord.load(p), str(p)))
            elif p.is_dir():
                for folder in find_runs(p):
                    out.append((RunRecord.load(folder), str(folder / RUN_FILE)))
            else:
                raise ConfigError("--runs", f"{p} does not exist")
    return out


def _bad(x) -> bool:
    return x is None or not isinstance(x, (int, float)) or not math.isfinite(x) or x <= 0


# tokenizations that are a mode's own (speech units, text tokens): their runs form the mode's group
PLAIN_TOKENIZATIONS = (None, "", "units", "text")


def group_of(rec: RunRecord) -> str:
    """The law a run belongs to: its mode, or "<mode>_<tokenization>" for another token kind (speech_unigram).

    run.json's `tokenization` (written by training from the dataset's meta.json), else the recipe's or an
    older record's extra key.
    """
    tok = (getattr(rec, "tokenization", None) or (rec.recipe or {}).get("tokenization")
           or rec.extra.get("tokenization"))
    return rec.mode if tok in PLAIN_TOKENIZATIONS else f"{rec.mode}_{tok}"


def _point(rec: RunRecord, path: str):
    """The run as a data point, or the reason it cannot be one."""
    if rec.mode not in MODES:
        return None, f"mode {rec.mode!r} is not one of {', '.join(MODES)}"
    if rec.status != "completed":
        return None, f"status {rec.status!r} (only completed runs are fitted)"
    for name, value in (("n_params", rec.n_params), ("tokens_seen", rec.tokens_seen)):
        if _bad(value):
            return None, f"{name} is {value!r}: not a finite positive number"
    no_loss = (f"final_test_loss is {rec.final_test_loss!r}: not a finite positive number"
               if _bad(rec.final_test_loss) else None)
    flops = rec.flops_6nd if not _bad(rec.flops_6nd) else 6.0 * rec.n_params * rec.tokens_seen
    unique = rec.unique_tokens if not _bad(rec.unique_tokens) else None
    if unique is None and rec.epochs and rec.epochs > 1:  # unique count not recorded: derive it
        unique = rec.tokens_seen / rec.epochs
    scores, score_ci = {}, {}
    for metric, s in (rec.scores or {}).items():
        v = s.get("value") if isinstance(s, dict) else s
        if isinstance(v, (int, float)) and math.isfinite(v):
            scores[metric] = float(v)
            lo, hi = (s.get("ci_low"), s.get("ci_high")) if isinstance(s, dict) else (None, None)
            if all(isinstance(x, (int, float)) and math.isfinite(x) for x in (lo, hi)):
                score_ci[metric] = [float(lo), float(hi)]
    if no_loss and not scores:
        return None, no_loss
    point = {"run": rec.name, "path": path, "group": group_of(rec), "mode": rec.mode,
             "n_params": float(rec.n_params), "tokens": float(rec.tokens_seen),
             "unique_tokens": float(unique) if unique else None, "epochs": float(rec.epochs or 1.0),
             "flops": float(flops), "loss": None if no_loss else float(rec.final_test_loss), "scores": scores,
             "score_ci": score_ci, "used_in": []}
    if no_loss:  # still a point of the downstream laws, which need no loss (published results often have none)
        point["loss_missing"] = no_loss
    return point, None


def _multi_epoch(p) -> bool:
    return p["unique_tokens"] is not None and p["tokens"] > p["unique_tokens"] * (1 + 1e-9)


def _not(reason: str) -> dict:
    return {"fitted": False, "reason": reason}


def fit_group(points, records, *, delta, grid, bootstrap, seed, saturation, envelope_bins, skip_fraction,
              level=LEVEL, method="varpro") -> dict:
    out: dict = {"n_runs": len(points)}
    with_loss = [p for p in points if p["loss"] is not None]
    single = [p for p in with_loss if not _multi_epoch(p)]
    multi = [p for p in with_loss if _multi_epoch(p)]
    chin = _fit_chinchilla(single, delta=delta, grid=grid, method=method, bootstrap=bootstrap, seed=seed,
                           level=level)
    out["chinchilla"] = chin
    if chin["fitted"]:
        for p in single:
            p["used_in"].append("chinchilla")
        out["compute_optimal"] = _compute_optimal(chin, level)
        c = Constants(chin["E"], chin["A"], chin["B"], chin["alpha"], chin["beta"])
        if len(multi) < MIN_MULTI:
            out["data_constrained"] = _not(f"{len(multi)} multi-epoch runs (need {MIN_MULTI} to fit R*_D and R*_N)")
        else:
            out["data_constrained"] = _data_constrained(multi, c, delta=delta, bootstrap=bootstrap, seed=seed,
                                                        level=level)
            for p in multi:
                p["used_in"].append("data_constrained")
    else:
        out["compute_optimal"] = _not("needs the Chinchilla law: " + chin["reason"])
        out["data_constrained"] = _not("needs the Chinchilla law: " + chin["reason"])
    flops, loss, runs = curve_points(records, skip_fraction)
    if flops.size:
        out["envelope"] = fit_envelope(flops, loss, runs, n_bins=envelope_bins, bootstrap=bootstrap, seed=seed,
                                       level=level)
    else:
        out["envelope"] = _not("no learning-curve points")
    out["downstream"] = {}
    metrics = sorted({m for p in points for m in p["scores"]})
    for metric in metrics:
        have = [p for p in points if metric in p["scores"]]
        ci = [p["score_ci"].get(metric, (np.nan, np.nan)) for p in have]
        losses = [np.nan if p["loss"] is None else p["loss"] for p in have]
        res = fit_downstream([p["flops"] for p in have], [p["scores"][metric] for p in have], losses,
                             saturation=saturation, bootstrap=bootstrap, seed=seed, level=level, ci=ci,
                             chance=chance_level(metric))
        out["downstream"][metric] = res
        if res["fitted"]:
            for p in have:
                p["used_in"].append(f"downstream:{metric}")
    return out


def _data_constrained(multi, c: Constants, *, delta, bootstrap, seed, level) -> dict:
    """Stage 2 on the multi-epoch runs, with identifiability from its profile and the extrapolation check."""
    arr = {k: np.array([p[k] for p in multi]) for k in ("n_params", "tokens", "unique_tokens", "loss", "flops")}
    dec = fit_decay(arr["n_params"], arr["tokens"], arr["unique_tokens"], arr["loss"], c, delta=delta,
                    bootstrap=bootstrap, seed=seed, level=level)
    out = {"fitted": True, **dec.to_dict()}
    out["identifiable"] = {k: k not in dec.ill_determined for k in ("R_D_star", "R_N_star")}
    out["warnings"] = [f"{k} is not identified: the runs fit about as well with it anywhere from "
                       f"{dec.intervals[k]['low']:.3g} to {dec.intervals[k]['high']:.3g}" for k in dec.ill_determined]

    def refit_predict(keep, held):
        sub = fit_decay(*(arr[k][keep] for k in ("n_params", "tokens", "unique_tokens", "loss")), c, delta=delta)
        return data_constrained_loss(*(arr[k][held] for k in ("n_params", "tokens", "unique_tokens")), c,
                                     sub.R_D_star, sub.R_N_star)

    out["extrapolation"] = extrapolation_check(arr["flops"], arr["loss"], refit_predict, min_fit=MIN_MULTI,
                                               names=[p["run"] for p in multi])
    return out


def _fit_chinchilla(single, *, delta, grid, method, bootstrap, seed, level) -> dict:
    npts = len(single)
    if npts <= CHINCHILLA_PARAMS:
        return _not(f"{npts} single-epoch runs with a loss; 5 constants need at least {CHINCHILLA_PARAMS + 1}")
    n = np.array([p["n_params"] for p in single])
    d = np.array([p["tokens"] for p in single])
    loss = np.array([p["loss"] for p in single])
    if np.unique(n).size < 2:
        return _not(f"a single model size ({n[0]:.4g} parameters): α and A cannot be separated from E")
    if np.unique(d).size < 2:
        return _not(f"a single token count ({d[0]:.4g}): β and B cannot be separated from E")
    return chinchilla_section(n, d, loss, flops=[p["flops"] for p in single], names=[p["run"] for p in single],
                              delta=delta, grid=grid, method=method, bootstrap=bootstrap, seed=seed, level=level)


def _compute_optimal(chin: dict, level) -> dict:
    infinite = [k for k in ("E", "A", "B", "alpha", "beta") if not np.isfinite(chin[k])]
    if infinite:  # e.g. B = inf with β in the hundreds, from two budgets: no allocation follows from it
        return _not(f"the fitted law has a constant that is not finite ({', '.join(infinite)})")
    co = ComputeOptimal.from_constants(chin["E"], chin["A"], chin["B"], chin["alpha"], chin["beta"])
    out = {"fitted": True, "G": co.G, "a": co.a, "b": co.b,
           "examples": [{"flops": c, "n_opt": float(co.n_opt(c)), "d_opt": float(co.d_opt(c)),
                         "loss": float(co.loss(c))} for c in (1e18, 1e20, 1e22, 5.76e23)]}
    needed = [k for k in ("A", "B", "alpha", "beta") if chin.get("identifiable", {}).get(k) is False]
    out["identifiable"] = {k: not needed for k in ("G", "a", "b")}
    out["warnings"] = ([f"the allocation depends on {', '.join(needed)}, which the runs do not identify: N_opt and "
                        f"D_opt are not reliable"] if needed else [])
    s = chin.get("_samples")
    if s is not None and len(s["E"]):
        g, a, b = compute_optimal_split(s["A"], s["B"], s["alpha"], s["beta"])
        out["intervals"] = summarize({"G": g, "a": a, "b": b}, level)
    return out


def fit_runs(runs, *, delta: float = DELTA_CUERVO_MARXER, bootstrap: int = 0, seed: int = 0, grid=None,
             method: str = "varpro",
             saturation: float = SATURATION, envelope_bins: int = 40, envelope_skip_fraction: float = 0.0,
             level: float = LEVEL) -> dict:
    """Fit every law the runs support; returns the scaling_laws.json dict (see laws_file.py).

    runs: a folder (searched for run.json), a list of folders / run.json files / RunRecords / dicts.
    delta: Huber δ (0.03 as Cuervo & Marxer; 1e-3 as Hoffmann and Epoch). bootstrap: resamples for
    the intervals (0: none). method: the Chinchilla starts, "varpro" (default) or "grid" (see
    fit_chinchilla). Raises ConfigError when no run is usable or no law could be fitted.
    """
    if not delta > 0:
        raise ConfigError("--delta", f"{delta!r} must be > 0")
    if method not in METHODS:
        raise ConfigError("--fit-method", f"{method!r} is not one of {', '.join(METHODS)}")
    if bootstrap < 0:
        raise ConfigError("--bootstrap", f"{bootstrap!r} must be >= 0")
    loaded = load_records(runs)
    if not loaded:
        raise ConfigError("--runs", f"no {RUN_FILE} found")
    grid = default_grid() if grid is None else np.atleast_2d(np.asarray(grid, np.float64))
    points, excluded, by_group = [], [], {}
    for rec, path in loaded:
        p, reason = _point(rec, path)
        if p is None:
            excluded.append({"run": rec.name, "path": path, "reason": reason})
            continue
        points.append(p)
        by_group.setdefault(p["group"], ([], []))
        by_group[p["group"]][0].append(p)
        by_group[p["group"]][1].append(rec)
    if not points:
        raise ConfigError("--runs", f"none of the {len(loaded)} runs is usable: {excluded[0]['reason']}")
    laws = {}
    for group in sorted(by_group):
        pts, recs = by_group[group]
        laws[group] = fit_group(pts, recs, delta=delta, grid=grid, method=method, bootstrap=bootstrap, seed=seed,
                                saturation=saturation, envelope_bins=envelope_bins,
                                skip_fraction=envelope_skip_fraction, level=level)
        laws[group]["chinchilla"].pop("_samples", None)
    if not any(_any_fitted(g) for g in laws.values()):
        reasons = "; ".join(f"{g}: {v['chinchilla']['reason']}" for g, v in laws.items())
        raise ConfigError("--runs", f"no law can be fitted from these runs ({reasons})")
    return clean({
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "laws": laws,
        "comparisons": compare_modes(laws),
        "points": points,
        "excluded": excluded,
        "settings": {"delta": delta, "grid_starts": int(grid.shape[0]), "chinchilla_method": method,
                     "bootstrap": bootstrap, "seed": seed,
                     "level": level, "saturation": saturation, "envelope_bins": envelope_bins,
                     "envelope_skip_fraction": envelope_skip_fraction},
        "versions": {**package_versions(), "git_commit": git_commit()},
    })


def _any_fitted(group: dict) -> bool:
    laws = [v for k, v in group.items() if k != "downstream" and isinstance(v, dict)]
    return any(v.get("fitted") for v in laws + list(group.get("downstream", {}).values()))


def compare_modes(laws: dict) -> dict:
    """γ ratios between modes for each metric fitted in both (names paired through aliases)."""
    gammas: dict[str, dict[str, float]] = {}
    for group, g in laws.items():
        for metric, res in g.get("downstream", {}).items():
            if res.get("fitted") and res["gamma"] > 0:
                gammas.setdefault(canonical(metric), {})[group] = res["gamma"]
    out = {}
    for metric, by_mode in gammas.items():
        for fast, slow in COMPARE:
            if fast in by_mode and slow in by_mode:
                out.setdefault(metric, {})[f"{fast}/{slow}"] = {
                    f"gamma_{fast}": by_mode[fast], f"gamma_{slow}": by_mode[slow],
                    **efficiency_ratio(by_mode[fast], by_mode[slow])}
    return out
