"""The command-line entry of one run (training/train.py, `hf-slm train`): ConfigError → one line, exit 2."""

from __future__ import annotations

import sys

from hf_slm.errors import ConfigError


def main(argv: list[str] | None = None) -> int:
    from hf_slm.training.run import run_training

    argv = sys.argv[1:] if argv is None else argv
    try:
        run_training(argv)
    except ConfigError as e:
        sys.stderr.write(f"hf-slm train: error: {e}\n")
        return 2
    return 0
