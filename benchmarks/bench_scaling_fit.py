"""Benchmark: the T1 Chinchilla fit beside a plain scipy L-BFGS-B loop over the same starts.

All use the same data (Epoch's 240 points), the same summed Huber(1e-3) objective on log loss
with an analytic gradient, and the same 4,500-start grid. The plain loop is what a replication
without batching does (one `scipy.optimize.minimize(method="L-BFGS-B")` per start, scipy's
default tolerances, keep the best converged start). Measured against it: `fit_chinchilla` as
shipped (method="varpro": one start per distinct (α, β) of the grid, E, A, B solved there) and
with method="grid" (every grid row a start, all batched). Also times a bootstrap of the fit.

    python benchmarks/bench_scaling_fit.py [--starts 4500] [--resamples 1000] [--json PATH]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize

from hf_slm.atomic import write_json
from hf_slm.provenance import hardware, package_versions
from hf_slm.scaling.bootstrap import bootstrap_chinchilla
from hf_slm.scaling.chinchilla import default_grid, fit_chinchilla
from hf_slm.scaling.huber import ChinchillaObjective

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "chinchilla_epoch_svg.csv"


def load_points():
    rows = list(csv.DictReader(DATA.open()))
    n = np.array([float(r["Model Size"]) for r in rows])
    c = np.array([float(r["Training FLOP"]) for r in rows])
    loss = np.array([float(r["loss"]) for r in rows])
    keep = loss < np.sort(loss)[-5]  # Epoch drops the 5 highest losses
    return n[keep], c[keep] / (6 * n[keep]), loss[keep]


def plain_loop(n, d, loss, grid, delta=1e-3):
    obj = ChinchillaObjective(np.log(n), np.log(d), np.log(loss), delta)

    def fun(t):
        f, g = obj(t[None])
        return float(f[0]), g[0]

    best = None
    for x0 in grid:
        out = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B")
        if out.success and (best is None or out.fun < best.fun):
            best = out
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=4500, help="first K starts of the grid (default all)")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--skip-plain", action="store_true", help="time only the batched fit")
    ap.add_argument("--json", type=Path, help="write the numbers here")
    args = ap.parse_args(argv)
    n, d, loss = load_points()
    grid = default_grid()[: args.starts]

    result = {"points": int(n.size), "starts": int(grid.shape[0])}
    fits = {}
    for key, method in (("batched", "varpro"), ("batched_grid", "grid")):
        t0, c0 = time.perf_counter(), time.process_time()
        fits[key] = fit = fit_chinchilla(n, d, loss, delta=1e-3, grid=grid, method=method)
        result[key] = {"method": method, "seconds": time.perf_counter() - t0,
                       "cpu_seconds": time.process_time() - c0, "objective": fit.objective,
                       "E": fit.E, "A": fit.A, "B": fit.B, "alpha": fit.alpha, "beta": fit.beta,
                       "n_starts": fit.n_starts, "n_converged": fit.n_converged,
                       "n_at_optimum": fit.n_at_optimum}
    fit = fits["batched"]  # the shipped default (varpro) is the bootstrap's start
    if not args.skip_plain:
        t0, c0 = time.perf_counter(), time.process_time()
        best = plain_loop(n, d, loss, grid)
        plain_s, plain_cpu = time.perf_counter() - t0, time.process_time() - c0
        a, b, e, al, be = best.x
        result["plain"] = {"seconds": plain_s, "cpu_seconds": plain_cpu, "objective": float(best.fun),
                           "E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)),
                           "alpha": float(al), "beta": float(be)}
        for key, suffix in (("batched", ""), ("batched_grid", "_grid")):
            r = result[key]
            result["speedup_wall" + suffix] = plain_s / r["seconds"]
            result["speedup_cpu" + suffix] = plain_cpu / r["cpu_seconds"]
            result["objective_rel_diff" + suffix] = (r["objective"] - best.fun) / best.fun

    t0, c0 = time.perf_counter(), time.process_time()
    boot = bootstrap_chinchilla(n, d, loss, fit, n_resamples=args.resamples, delta=1e-3, seed=0)
    result["bootstrap"] = {"resamples": args.resamples, "seconds": time.perf_counter() - t0,
                           "cpu_seconds": time.process_time() - c0,
                           "n_converged": boot["n_converged"], "std": boot["std"]}
    result["hardware"] = hardware()
    result["versions"] = package_versions()

    print(f"T1 fit, {n.size} points, {grid.shape[0]} starts")
    print(f"{'method':<34}{'starts':>8}{'wall s':>10}{'cpu s':>10}{'objective':>17}")
    rows = [("fit_chinchilla (varpro)", result["batched"]), ("fit_chinchilla(method='grid')", result["batched_grid"])]
    if "plain" in result:
        rows.append(("plain scipy L-BFGS-B loop", {**result["plain"], "n_starts": grid.shape[0]}))
    for label, r in rows:
        print(f"{label:<34}{r['n_starts']:>8}{r['seconds']:>10.2f}{r['cpu_seconds']:>10.2f}{r['objective']:>17.9e}")
    if "plain" in result:
        for label, suffix in (("varpro", ""), ("grid", "_grid")):
            print(f"{label} vs plain loop: {result['speedup_wall' + suffix]:.1f}x wall, "
                  f"{result['speedup_cpu' + suffix]:.1f}x cpu; objective (fit - plain) / plain = "
                  f"{result['objective_rel_diff' + suffix]:.2e}")
    bs = result["bootstrap"]
    print(f"bootstrap: {bs['resamples']} resamples in {bs['seconds']:.2f} s wall ({bs['cpu_seconds']:.2f} s cpu)")
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
