"""Stop on request: save a checkpoint and end the run cleanly, so a requeued job resumes there.

A request is SIGUSR1 to a training process, or a file STOP_FILE in the run folder (what the
emitted Slurm script writes when Slurm signals the batch shell before the time limit: the file
reaches every rank on every node, whatever launcher sits between). Ranks agree on the step to stop
at (an all-reduce of the flag), so none waits forever in a collective the others skipped.
A stop file older than this process is a leftover of an earlier launch and is ignored.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

from transformers import TrainerCallback

STOP_FILE = "stop.request"
STOP_SIGNAL = signal.SIGUSR1
EXIT_INTERRUPTED = 75  # EX_TEMPFAIL: stopped with a checkpoint, run again to resume


class StopOnRequest(TrainerCallback):
    """At a step end after a request: save a checkpoint and stop training (on every rank)."""

    def __init__(self, out_dir: Path):
        self.file = Path(out_dir) / STOP_FILE
        self.started = time.time()
        self.signalled = False
        self.stopped_at: int | None = None
        self._previous = None

    def install(self) -> "StopOnRequest":
        try:
            self._previous = signal.signal(STOP_SIGNAL, self._on_signal)
        except ValueError:  # not the main thread (an embedding application): the stop file still works
            self._previous = None
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            signal.signal(STOP_SIGNAL, self._previous)
            self._previous = None

    def _on_signal(self, signum, frame):
        self.signalled = True

    def requested_here(self) -> bool:
        if self.signalled:
            return True
        try:
            return self.file.stat().st_mtime >= self.started - 1.0
        except OSError:
            return False

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step >= state.max_steps or not _any_rank(self.requested_here(), args):
            return control
        self.stopped_at = state.global_step
        control.should_save = True
        control.should_training_stop = True
        return control

    def clear(self, is_main: bool) -> None:
        """After the checkpoint is on disk: the request is honoured."""
        if is_main:
            self.file.unlink(missing_ok=True)


def _any_rank(flag: bool, args) -> bool:
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=args.device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())
