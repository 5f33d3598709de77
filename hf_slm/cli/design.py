"""`hf-slm design`: what a planned grid of runs will identify, before any GPU-hour is spent.

Simulates the grid from a prior law (the paper's speech law by default) with multiplicative noise
on the loss, refits every copy with the project's own fit, and prints per constant the median and
90% range of the refits and whether the grid identifies it; `--budget FLOPS` instead searches for the
grid that best identifies the law within that total compute.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from hf_slm.cli.common import positive_float, positive_int
from hf_slm.errors import ConfigError

SWEEP_VOCAB, SWEEP_CONTEXT = 503, 2050  # only for the parameter counts of named scales (non-embedding)


def register(subparsers) -> None:
    p = subparsers.add_parser("design", help="simulate a planned grid: which scaling-law constants will it identify",
                              description=__doc__)
    grid = p.add_argument_group("the grid (sizes with --budgets or --ratios, or --sweep, or --preset)")
    grid.add_argument("--sizes", nargs="+", help="model sizes N: numbers, scale names (tiny-50k, 20M) or LO:HI:COUNT "
                                                 "(log-spaced)")
    which = grid.add_mutually_exclusive_group()
    which.add_argument("--budgets", nargs="+",
                       help="tokens D per run (every size at every budget): numbers or LO:HI:COUNT")
    which.add_argument("--ratios", nargs="+", help="D/N ratios (every size at every ratio): numbers or LO:HI:COUNT")
    grid.add_argument("--sweep", help="a sweep YAML (training/configs/sweeps); its single-epoch runs are the grid")
    grid.add_argument("--preset", help="a demo preset's grid (micro, tiny, small)")
    p.add_argument("--prior", default="speech",
                   help="prior law: a Cuervo & Marxer Table 4 law (speech, text_muennighoff, speech_unigram) or a "
                        "scaling_laws.json / its folder")
    p.add_argument("--group", help="which law of a laws file (default: speech, or the only one)")
    p.add_argument("--noise", type=float, default=0.01, help="multiplicative noise on the loss: L * exp(noise * z)")
    p.add_argument("--sims", type=positive_int, default=200, help="simulated copies of the grid to refit")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--delta", type=positive_float, default=0.03, help="Huber delta of the refits (as `hf-slm fit`)")
    p.add_argument("--fit-method", choices=("varpro", "grid"), default="varpro", help="Chinchilla starts of the refits")
    p.add_argument("--target-flops", type=positive_float,
                   help="compute at which to report the predicted-loss error (default 100x the largest run; "
                        "with --budget, 10x the budget)")
    p.add_argument("--level", type=float, default=0.9, help="central range of the refits (0.9: 5th-95th percentile)")
    p.add_argument("--tol", nargs="+", default=[], metavar="NAME=VALUE",
                   help="identifiability tolerances: E, alpha, beta, a absolute (defaults 0.1, 0.05, 0.05, 0.05); "
                        "A, B as a factor (default 2)")
    p.add_argument("--budget", type=positive_float, help="search the grid that best identifies the law within this "
                                                        "total compute (FLOPs, 6ND summed over runs)")
    p.add_argument("--search-sims", type=positive_int, default=40, help="simulations per candidate grid of --budget")
    p.add_argument("--profile", action="store_true",
                   help="also run the fit's own identifiability check on every refit: how often `hf-slm fit` "
                        "would call each constant identifiable (about twice the time)")
    p.add_argument("--workers", type=positive_int, help="processes for the refits (default: the usable CPUs)")
    p.add_argument("--json", dest="json_path", help="also write the result as JSON to this file")
    p.set_defaults(func=run)


def _numbers(values, field: str, sizes: bool = False) -> np.ndarray:
    out = []
    for v in values:
        if v.count(":") == 2:
            lo, hi, k = v.split(":")
            try:
                lo_f, hi_f, k_i = float(lo), float(hi), int(k)
            except ValueError:
                raise ConfigError(field, f"{v!r} is not LO:HI:COUNT") from None
            if not (0 < lo_f < hi_f and k_i >= 2):
                raise ConfigError(field, f"{v!r}: need 0 < LO < HI and COUNT >= 2")
            out.extend(np.geomspace(lo_f, hi_f, k_i))
            continue
        try:
            out.append(float(v))
        except ValueError:
            if not sizes:
                raise ConfigError(field, f"{v!r} is not a number or LO:HI:COUNT") from None
            from hf_slm.modeling import counts_for_scale, get_scale

            out.append(float(counts_for_scale(get_scale(v, field), SWEEP_VOCAB, SWEEP_CONTEXT).n_params))
    arr = np.asarray(out, np.float64)
    if not np.all(np.isfinite(arr) & (arr > 0)):
        raise ConfigError(field, "every value must be a finite number > 0")
    return arr


def build_grid(args):
    """The design's (N, D) points from exactly one of --sizes/--sweep/--preset."""
    from hf_slm.scaling.design import Grid

    given = [name for name, v in (("--sizes", args.sizes), ("--sweep", args.sweep), ("--preset", args.preset)) if v]
    if args.budget:
        if given:
            raise ConfigError("--budget", f"searches its own grids; drop {', '.join(given)}")
        return None
    if len(given) != 1:
        raise ConfigError("--sizes", "give the grid as --sizes with --budgets or --ratios, or --sweep, or --preset")
    if args.sizes:
        if not (args.budgets or args.ratios):
            raise ConfigError("--sizes", "needs --budgets (tokens) or --ratios (D/N)")
        sizes = _numbers(args.sizes, "--sizes", sizes=True)
        if args.budgets:
            return Grid.product(sizes, _numbers(args.budgets, "--budgets"))
        return Grid.ratios(sizes, _numbers(args.ratios, "--ratios"))
    if args.budgets or args.ratios:
        raise ConfigError("--budgets" if args.budgets else "--ratios", f"goes with --sizes, not {given[0]}")
    if args.sweep:
        from hf_slm.training.sweep import load_sweep

        _, runs = load_sweep(args.sweep)
        single = [r for r in runs if r.epochs == 1]
        if not single:
            raise ConfigError("--sweep", f"{args.sweep} has no single-epoch runs (the Chinchilla fit uses those)")
        return Grid(np.array([r.n_params for r in single], np.float64),
                    np.array([r.budget.tokens for r in single], np.float64))
    from hf_slm.demo.presets import get_preset

    preset = get_preset(args.preset)
    return Grid.product(_numbers(list(preset.scales), "--preset", sizes=True), preset.budgets)


def parse_tolerances(items) -> dict:
    from hf_slm.scaling.design import TOLERANCES

    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in TOLERANCES:
            raise ConfigError("--tol", f"{item!r} is not NAME=VALUE with NAME one of {', '.join(TOLERANCES)}")
        kind = TOLERANCES[name][0]
        try:
            v = float(value)
        except ValueError:
            v = float("nan")
        if not (v > 1 if kind == "factor" else v > 0):
            raise ConfigError("--tol", f"{item!r}: {'a factor > 1' if kind == 'factor' else 'a value > 0'} is needed")
        out[name] = (kind, v)
    return out


def _prior(args):
    from hf_slm.scaling.design import PAPER_LAWS, paper_prior, prior_from_laws

    if args.prior in PAPER_LAWS:
        if args.group:
            raise ConfigError("--group", "only applies to a laws file given as --prior")
        return paper_prior(args.prior), f"Cuervo & Marxer 2024 Table 4, {args.prior}"
    path = Path(args.prior)
    if not path.exists():
        raise ConfigError("--prior", f"{args.prior!r} is neither a paper law ({', '.join(PAPER_LAWS)}) nor a file")
    from hf_slm.scaling import load_laws

    return prior_from_laws(load_laws(path, "--prior"), args.group), str(path)


def _check(args) -> None:
    if not args.noise >= 0:
        raise ConfigError("--noise", f"{args.noise!r} must be >= 0")
    if not 0 < args.level < 1:
        raise ConfigError("--level", f"{args.level!r} must be in (0, 1)")
    if args.json_path:
        p = Path(args.json_path)
        if p.is_dir() or not p.parent.is_dir():
            raise ConfigError("--json", f"{p} must be a file in an existing folder")


def _g(x) -> str:
    return "-" if x is None or not np.isfinite(x) else f"{x:.4g}"


def format_result(res: dict) -> list[str]:
    g, s = res["grid"], res["settings"]
    lines = [f"grid: {g['n_runs']} runs, N {g['n_params'][0]:.3g}..{g['n_params'][-1]:.3g}, "
             f"D/N {g['d_over_n'][0]:.3g}..{g['d_over_n'][1]:.3g}, total {g['total_flops']:.3g} FLOPs (6ND)",
             f"prior: {res.get('prior_source', '')} " + ", ".join(f"{k}={v:.4g}" for k, v in res["prior"].items()),
             f"{s['n_sims']} simulations, noise {s['noise']:g} (loss * exp(noise z)), Huber delta {s['delta']:g}, "
             f"{s['fit_method']} fit, seed {s['seed']}; Monte Carlo standard error of each share at most "
             f"{50 / np.sqrt(s['n_sims']):.1f} points",
             f"{'constant':<9} {'prior':>9} {'median':>9} {int(100 * s['level'])}% range{'':<13} "
             f"{'tolerance':<11} {'within':>7}  identifiable"]
    rows = [*res["constants"].items(), ("a", res["compute_optimal"]["a"])]
    for name, c in rows:
        t = c["tolerance"]
        tol = f"x{t['value']:g}" if t["kind"] == "factor" else f"±{t['value']:g}"
        rng = f"[{_g(c['low'])}, {_g(c['high'])}]"
        lines.append(f"{name:<9} {_g(c['truth']):>9} {_g(c['median']):>9} {rng:<22} {tol:<11} "
                     f"{100 * c['within_tolerance']:>6.1f}%  {'yes' if c['identifiable'] else 'NO'}")
    lines.append(f"E collapsed to ~0 (below {100 * s['collapse_share']:g}% of the prior's) in "
                 f"{100 * res['e_collapsed']:.1f}% of refits; a = beta/(alpha+beta) is the compute-optimal N ∝ C^a")
    if "fit_says_identifiable" in res:
        lines.append("hf-slm fit would call identifiable (profile check): " + ", ".join(
            f"{k} in {100 * v:.1f}%" for k, v in res["fit_says_identifiable"].items()) + " of simulated studies")
    t = res["target"]
    r = t["rel_error"]
    lines.append(f"compute-optimal loss at {t['flops']:.3g} FLOPs: prior {t['true_loss']:.4f}; refits' relative error "
                 f"median {_g(r['median'])}, {int(100 * r['level'])}% range [{_g(r['low'])}, {_g(r['high'])}], "
                 f"within 5% in {100 * r['within_5pct']:.1f}%")
    return lines


def run(args: argparse.Namespace) -> int:
    _check(args)
    grid = build_grid(args)
    prior, source = _prior(args)
    tol = parse_tolerances(args.tol)
    from hf_slm.scaling.design import default_workers, evaluate_design, search_grids

    kw = dict(noise=args.noise, seed=args.seed, delta=args.delta, method=args.fit_method,
              target_flops=args.target_flops, tolerances=tol, level=args.level,
              workers=args.workers or default_workers(), profile=args.profile)
    if grid is None:
        out = search_grids(prior, args.budget, n_sims=args.search_sims, **kw)
        for res in out["candidates"]:
            res["prior_source"] = source
        best = out["best"]
        c = best["candidate"]
        print(f"budget {args.budget:.3g} FLOPs: best of {len(out['candidates'])} candidate grids "
              f"({out['n_sims']} simulations each): {c['count']}x{c['count']}, N spanning {c['span_decades']:g} "
              f"decades up to {c['n_max']:.3g}, D/N {c['d_over_n'][0]:g}..{c['d_over_n'][1]:g}")
        result = out
    else:
        best = result = evaluate_design(grid, prior, n_sims=args.sims, **kw)
        result["prior_source"] = source
    print("\n".join(format_result(best)))
    if args.json_path:
        from hf_slm.atomic import write_json
        from hf_slm.scaling.laws_file import clean

        write_json(args.json_path, clean(result))
        print(f"wrote {args.json_path}")
    return 0
