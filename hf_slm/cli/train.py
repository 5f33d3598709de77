"""`hf-slm train ARGS…`: one training run; the arguments are training/train.py's (see --help there)."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help="train one model of a scale on a unit dataset (all train.py / TrainingArguments flags)",
        description="Forwards every argument to hf_slm.training (training/train.py): e.g. hf-slm train "
                    "--scale tiny-100k --dataset DIR --budget_ratio 20 --context 128 --output_dir runs/a; "
                    "a YAML/JSON file may come first. Use `accelerate launch training/train.py` for many GPUs.",
        prefix_chars="\0")  # nothing is an option here: every token goes to the training parser
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_train)


def _train(args) -> int:
    from hf_slm.training.entry import exit_code
    from hf_slm.training.run import run_training

    # ConfigError → one line, exit 2 (hf_slm.cli.main); stopped on request → 75 (rerun resumes)
    return exit_code(run_training(list(args.args)))
