"""`hf-slm fit`: fit the scaling laws of a folder of runs, or of a CSV table of results (published or
external: n_params, tokens, optional unique_tokens, loss, flops, group and task scores as fractions),
into scaling_laws.json and plots."""

from __future__ import annotations

import argparse
from pathlib import Path

from hf_slm.cli.common import existing_path, nonnegative_int
from hf_slm.errors import ConfigError
from hf_slm.scaling.huber import DELTA_CUERVO_MARXER, DELTA_HOFFMANN


def register(subparsers) -> None:
    p = subparsers.add_parser("fit", help="fit scaling laws (Chinchilla, data-constrained, downstream) to runs",
                              description=__doc__)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--runs", help="folder searched for run.json files (run records)")
    p.add_argument("--out", required=True, help="output folder: scaling_laws.json and the plots")
    src.add_argument("--table", help="instead of --runs: a CSV of results with n_params, tokens, [unique_tokens, "
                                     "loss, flops, group, run] and task scores (sblimp, ssc, tsc, swuggy) as "
                                     "fractions in [0, 1]")
    p.add_argument("--delta", type=float, default=DELTA_CUERVO_MARXER,
                   help=f"Huber delta on log-loss residuals ({DELTA_CUERVO_MARXER:g} as Cuervo & Marxer; "
                        f"{DELTA_HOFFMANN:g} as Hoffmann)")
    p.add_argument("--bootstrap", type=nonnegative_int, default=1000,
                   help="bootstrap resamples of the runs for confidence intervals (0: none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fit-method", choices=("varpro", "grid"), default="varpro",
                   help="Chinchilla starts: one per (alpha, beta) of the 4,500-start grid with E, A, B solved "
                        "(varpro, default), or every grid row as Hoffmann et al. (grid, 15-25x slower)")
    p.add_argument("--saturation", type=float, default=0.98,
                   help="downstream scores at or above this are left out of the power-law fit")
    p.add_argument("--envelope-bins", type=int, default=40, help="log-FLOP bins of the loss envelope")
    p.add_argument("--envelope-skip", type=float, default=0.0,
                   help="fraction of each run's compute (warm-up) left out of the loss envelope")
    p.add_argument("--no-plots", dest="plots", action="store_false", help="write only scaling_laws.json")
    p.add_argument("--no-reference", dest="reference", action="store_false",
                   help="do not draw the papers' laws as reference lines")
    p.set_defaults(func=run)


def _check(args) -> None:
    if not args.delta > 0:
        raise ConfigError("--delta", f"{args.delta!r} must be > 0")
    if not 0 < args.saturation <= 1:
        raise ConfigError("--saturation", f"{args.saturation!r} must be in (0, 1]")
    if args.envelope_bins < 3:
        raise ConfigError("--envelope-bins", f"{args.envelope_bins!r} must be >= 3")
    if not 0 <= args.envelope_skip < 1:
        raise ConfigError("--envelope-skip", f"{args.envelope_skip!r} must be in [0, 1)")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ConfigError("--out", f"{out} exists and is not a folder")


def _diagnostics(group: str, ch: dict) -> list[str]:
    """What the fit says about itself: constants the data do not identify, warnings, extrapolation."""
    lines = []
    ident = ch.get("identifiable") or {}
    missing = [k for k, v in ident.items() if v is False]
    if missing:
        lines.append(f"{group}: NOT identified by these runs: {', '.join(missing)}")
    lines.extend(f"{group}: warning: {w}" for w in ch.get("warnings") or [])
    ex = ch.get("extrapolation") or {}
    if ex.get("max_abs_rel_error") is not None:
        lines.append(f"{group}: extrapolation check: refit without the {len(ex.get('held_out') or [])} top-compute "
                     f"runs predicts them within {100 * ex['max_abs_rel_error']:.2f}%")
    return lines


def _summary(laws: dict) -> list[str]:
    lines = []
    for group, g in laws["laws"].items():
        ch = g["chinchilla"]
        if ch.get("fitted"):
            lines.append(f"{group}: L = {ch['E']:.4g} + {ch['A']:.4g}/N^{ch['alpha']:.4f} + "
                         f"{ch['B']:.4g}/D^{ch['beta']:.4f}  ({ch['n_points']} runs, "
                         f"{ch['n_at_optimum']}/{ch['n_starts']} starts at the optimum)")
            lines.extend(_diagnostics(group, ch))
        else:
            lines.append(f"{group}: Chinchilla not fitted: {ch['reason']}")
        dc = g.get("data_constrained", {})
        if dc.get("fitted"):
            ill = f"; ill-determined: {', '.join(dc['ill_determined'])}" if dc["ill_determined"] else ""
            lines.append(f"{group}: R*_D = {dc['R_D_star']:.4g}, R*_N = {dc['R_N_star']:.4g}{ill}")
        env = g.get("envelope", {})
        if env.get("fitted"):
            lines.append(f"{group}: envelope L = {env['k']:.4g}·C^{env['gamma']:.4f}")
            lines.extend(f"{group}: envelope warning: {w}" for w in env.get("warnings") or [])
        for metric, res in g.get("downstream", {}).items():
            if res.get("fitted"):
                lines.append(f"{group}: {metric} = {res['k']:.4g}·C^{res['gamma']:.4f}")
                lines.extend(f"{group}: {metric} warning: {w}" for w in res.get("warnings") or [])
            else:
                lines.append(f"{group}: {metric} not fitted: {res['reason']}")
    for metric, pairs in laws.get("comparisons", {}).items():
        for pair, v in pairs.items():
            lines.append(f"{metric} {pair}: gamma ratio {v['ratio']:.3g} "
                         f"(10x compute there = 10^{v['log10_compute_factor_for_10x']:.3g}x here)")
    if laws["excluded"]:
        lines.append(f"excluded {len(laws['excluded'])} runs (reasons in scaling_laws.json)")
    return lines


def _inputs(args):
    """What fit_runs reads: the --runs folder, or the --table rows as run records (same fit, same file)."""
    if args.runs:
        return existing_path(args.runs, "--runs"), "--runs"
    from hf_slm.scaling.table import read_table

    return read_table(args.table), "--table"


def run(args: argparse.Namespace) -> int:
    _check(args)
    runs, field = _inputs(args)
    from hf_slm.scaling import fit_runs, write_laws

    try:
        laws = fit_runs(runs, delta=args.delta, bootstrap=args.bootstrap, seed=args.seed, method=args.fit_method,
                        saturation=args.saturation, envelope_bins=args.envelope_bins,
                        envelope_skip_fraction=args.envelope_skip)
    except ConfigError as e:  # fit_runs names its input --runs; say which input it was
        raise (ConfigError(field, e.message) if e.field == "--runs" else e) from None
    out = Path(args.out)
    path = write_laws(out, laws)
    for line in _summary(laws):
        print(line)
    print(f"wrote {path}")
    if args.plots:
        from hf_slm.scaling import write_plots

        paths = write_plots(laws, out, reference=args.reference)
        print(f"wrote {len(paths)} plots to {out}")
    return 0
