"""`hf-slm sweep CONFIG`: print the grid's compute, then run it here or write launch scripts."""

from __future__ import annotations

import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("sweep", help="a grid of scales × D/N × epochs: compute, local runs or launch scripts")
    p.add_argument("config", help="sweep YAML (e.g. training/configs/sweeps/tiny_cpu.yaml)")
    p.add_argument("--emit", choices=["accelerate", "slurm"],
                   help="write launch commands instead of running (accelerate: one line per run; slurm: array job)")
    p.add_argument("--out", help="file for --emit (default: stdout)")
    p.add_argument("--dry-run", action="store_true", help="only print each run's compute and status")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these runs (names as printed)")
    p.set_defaults(func=_sweep)


def _sweep(args) -> int:
    from hf_slm.atomic import write_text
    from hf_slm.errors import ConfigError
    from hf_slm.training.sweep import EMITTERS, compute_table, load_sweep, run_locally, run_status, slurm_log_dir

    cfg, runs = load_sweep(args.config)
    if args.only:
        unknown = sorted(set(args.only) - {r.name for r in runs})
        if unknown:
            raise ConfigError("--only", f"{unknown[0]} is not a run of this sweep")
        runs = [r for r in runs if r.name in args.only]
    print(compute_table(runs))
    if args.emit:
        script = EMITTERS[args.emit](cfg, runs)
        if args.out:
            if args.emit == "slurm":
                slurm_log_dir(cfg).mkdir(parents=True, exist_ok=True)  # Slurm opens logs before the script runs
            write_text(args.out, script)
            print(f"wrote {args.out} ({len(runs)} runs)", file=sys.stderr)
        else:
            sys.stdout.write(script)
        return 0
    if args.dry_run:
        for r in runs:
            print(f"{r.name}: {run_status(r)}")
        return 0
    if not cfg.get("dataset"):
        raise ConfigError("sweep.dataset", "is required to run the grid")
    run_locally(runs)
    return 0
