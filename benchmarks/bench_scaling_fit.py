"""Benchmark: the T1 Chinchilla fit, batched, beside a plain scipy L-BFGS-B loop over the same starts.

Both use the same data (Epoch's 240 points), the same summed Huber(1e-3) objective on log loss
with an analytic gradient, and the same 4,500-start grid; the plain loop is what a replication
without batching does (one `scipy.optimize.minimize(method="L-BFGS-B")` per start, scipy's
default tolerances, keep the best converged start). Also times a bootstrap of the fit.

    python benchmarks/bench_scaling_fit.py [--starts 4500] [--resamples 1000] [--json PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize

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

    t0, c0 = time.perf_counter(), time.process_time()
    fit = fit_chinchilla(n, d, loss, delta=1e-3, grid=grid)
    batched_s, batched_cpu = time.perf_counter() - t0, time.process_time() - c0

    result = {"points": int(n.size), "starts": int(grid.shape[0]),
              "batched": {"seconds": batched_s, "cpu_seconds": batched_cpu, "objective": fit.objective,
                          "E": fit.E, "A": fit.A, "B": fit.B, "alpha": fit.alpha, "beta": fit.beta,
                          "n_converged": fit.n_converged, "n_at_optimum": fit.n_at_optimum}}
    if not args.skip_plain:
        t0, c0 = time.perf_counter(), time.process_time()
        best = plain_loop(n, d, loss, grid)
        plain_s, plain_cpu = time.perf_counter() - t0, time.process_time() - c0
        a, b, e, al, be = best.x
        result["plain"] = {"seconds": plain_s, "cpu_seconds": plain_cpu, "objective": float(best.fun),
                           "E": float(np.exp(e)), "A": float(np.exp(a)), "B": float(np.exp(b)),
                           "alpha": float(al), "beta": float(be)}
        result["speedup_wall"] = plain_s / batched_s
        result["speedup_cpu"] = plain_cpu / batched_cpu
        result["objective_rel_diff"] = (fit.objective - best.fun) / best.fun

    t0, c0 = time.perf_counter(), time.process_time()
    boot = bootstrap_chinchilla(n, d, loss, fit, n_resamples=args.resamples, delta=1e-3, seed=0)
    result["bootstrap"] = {"resamples": args.resamples, "seconds": time.perf_counter() - t0,
                           "cpu_seconds": time.process_time() - c0,
                           "n_converged": boot["n_converged"], "std": boot["std"]}
    result["hardware"] = hardware()
    result["versions"] = package_versions()

    print(f"T1 fit, {n.size} points, {grid.shape[0]} starts")
    print(f"{'method':<28}{'wall s':>10}{'cpu s':>10}{'objective':>16}")
    print(f"{'batched L-BFGS + polish':<28}{batched_s:>10.2f}{batched_cpu:>10.2f}{fit.objective:>16.9e}")
    if "plain" in result:
        p = result["plain"]
        print(f"{'plain scipy L-BFGS-B loop':<28}{p['seconds']:>10.2f}{p['cpu_seconds']:>10.2f}{p['objective']:>16.9e}")
        print(f"speed-up: {result['speedup_wall']:.1f}x wall, {result['speedup_cpu']:.1f}x cpu; "
              f"objective relative difference (batched - plain) / plain = {result['objective_rel_diff']:.2e}")
    bs = result["bootstrap"]
    print(f"bootstrap: {bs['resamples']} resamples in {bs['seconds']:.2f} s wall ({bs['cpu_seconds']:.2f} s cpu)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
