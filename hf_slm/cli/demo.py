"""`hf-slm demo`: the whole study end to end on the embedded default (or the paper's plan)."""

from __future__ import annotations


def register(sub) -> None:
    from hf_slm.demo.presets import PRESET_NAMES

    p = sub.add_parser("demo", help="run the whole scaling study at toy scale, offline on CPU",
                       description="Synthesize stories, make units, train a grid, evaluate, fit laws, "
                                   "publish Hub-shaped repos and write a report. Rerun to resume.")
    p.add_argument("--out", required=True, help="output folder (reused to resume)")
    p.add_argument("--preset", default="tiny", choices=PRESET_NAMES,
                   help="micro (~3 min), tiny (≤15 min), small, or paper (plans the paper's grid, no training)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_run)


def _run(args) -> int:
    from hf_slm.demo.pipeline import run_demo

    run_demo(args.out, args.preset, seed=args.seed)
    return 0
