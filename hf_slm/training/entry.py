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


def leave_process_group() -> None:
    """Tear down the launch's process group before the rank exits. Left to interpreter exit, its gloo
    threads can be destroyed while still joinable and the rank aborts ("terminate called without an
    active exception", exit -6): seen once in the 2-process DeepSpeed test on a loaded 2-core machine."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def main(argv: list[str] | None = None) -> int:
    from hf_slm.training.run import run_training

    argv = sys.argv[1:] if argv is None else argv
    try:
        record = run_training(argv)
    except ConfigError as e:
        if int(os.environ.get("RANK", "0")) == 0:
            sys.stderr.write(f"hf-slm train: error: {e}\n")
        return 2
    finally:
        leave_process_group()
    return exit_code(record)
