"""The command-line entry of one run (training/train.py, `hf-slm train`).

Exit codes: 0 trained (or already completed), 2 bad configuration (one line, from the main
process only, so a launch of many ranks still prints it once), 75 stopped on request with a
checkpoint (hf_slm.training.stop: run again to resume).
"""

from __future__ import annotations

import os
import sys

from hf_slm.errors import ConfigError
from hf_slm.training.stop import EXIT_INTERRUPTED


def exit_code(record) -> int:
    return EXIT_INTERRUPTED if record.status == "interrupted" else 0


def main(argv: list[str] | None = None) -> int:
    from hf_slm.training.run import run_training

    argv = sys.argv[1:] if argv is None else argv
    try:
        record = run_training(argv)
    except ConfigError as e:
        if int(os.environ.get("RANK", "0")) == 0:
            sys.stderr.write(f"hf-slm train: error: {e}\n")
        return 2
    return exit_code(record)
