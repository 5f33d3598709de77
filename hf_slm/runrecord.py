"""`run.json`: the contract between training, evaluation, scaling and hub.

One file per checkpoint folder. Training writes it (status "running" → "completed"), evaluation
adds `scores`, the fits read it, publishing turns it into a model card. Unknown keys are kept, so a
later stage may add fields without breaking an earlier reader.

Conventions:
- `n_params` is the non-embedding parameter count (Kaplan convention; the paper's scale names
  20M…823M are this number). `n_params_total` includes embeddings and the LM head.
- `flops_6nd` = 6 · n_params · tokens_seen, the compute the laws use.
- `flops_6nd_attn` = (6 · n_params_compute + 12 · layers · dim · context) · tokens_seen (PaLM /
  nanoGPT estimate, for MFU), where n_params_compute = non-embedding + LM head.
- `scores` maps a metric name ("sblimp", "ssc", "tsc", "swuggy", ...) to
  {"value": float in [0, 1], "ci_low": float, "ci_high": float, "n": int, ...}.
- `learning_curve` is a list of {"step", "tokens", "flops", "test_loss"}.
- `tokenization` is what the training tokens are ("units", "unigram", "text"): the dataset's
  meta.json `tokenization`, else the mode's; fits group unigram runs apart from unit runs by it.
- `status` "interrupted": stopped on request (a Slurm signal before the time limit) after saving a
  checkpoint; a rerun resumes. A "running" record whose process is gone (kill -9, node loss) is
  told apart by `process` ({"host", "pid", "heartbeat"}, beaten every HEARTBEAT_S): see `liveness`.
- `dataset` is an absolute local path or a Hub id, so a run can be evaluated from any folder.
"""

from __future__ import annotations

import dataclasses
import math
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hf_slm.atomic import read_json, write_json

SCHEMA_VERSION = 1
RUN_FILE = "run.json"
STATUSES = ("running", "completed", "failed", "interrupted")
HEARTBEAT_S = 30.0  # how often a training process rewrites process.heartbeat
STALE_S = 5 * HEARTBEAT_S  # a heartbeat older than this is a dead process


@dataclass
class RunRecord:
    name: str
    scale: str
    mode: str = "speech"  # speech | text | interleaved | any registered mode (hf_slm.modes)
    tokenization: str | None = None  # units | unigram | text: the dataset's token kind (None: older run.json)
    status: str = "running"
    n_params: int = 0
    n_params_total: int = 0
    layers: int = 0
    dim: int = 0
    heads: int = 0
    vocab_size: int = 0
    context: int = 0
    tokens_seen: int = 0  # D
    unique_tokens: int = 0  # U_D
    epochs: float = 1.0
    tokens_per_update: int = 0
    steps: int = 0
    flops_6nd: float = 0.0
    flops_6nd_attn: float = 0.0
    final_test_loss: float | None = None
    learning_curve: list[dict] = field(default_factory=list)
    scores: dict[str, dict] = field(default_factory=dict)
    dataset: str | None = None
    base_model: str | None = None
    tokens_per_modality: dict[str, int] = field(default_factory=dict)
    seed: int = 0
    wall_time_s: float = 0.0
    hardware: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    git_commit: str | None = None
    recipe: dict = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        extra = d.pop("extra")
        d.update(extra)
        return _finite(d)

    @classmethod
    def from_dict(cls, d: dict) -> "RunRecord":
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        known = {k: v for k, v in d.items() if k in names}
        extra = {k: v for k, v in d.items() if k not in names}
        return cls(**known, extra=extra)

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / RUN_FILE
        write_json(path, self.to_dict())
        return path

    @classmethod
    def load(cls, folder_or_file: str | Path) -> "RunRecord":
        p = Path(folder_or_file)
        return cls.from_dict(read_json(p / RUN_FILE if p.is_dir() else p))


def _finite(obj):
    """JSON has no NaN/inf: store them as null so every reader parses the file."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def find_runs(root: str | Path) -> list[Path]:
    """Every folder under `root` (itself included) that holds a run.json, sorted."""
    root = Path(root)
    return sorted(p.parent for p in root.rglob(RUN_FILE))


# ---- is the process that writes a "running" record still alive? ---------------------------------

def process_info() -> dict:
    """What identifies the process that trains a run, for `liveness` to test later."""
    now = time.time()
    return {"host": socket.gethostname(), "pid": os.getpid(), "started": now, "heartbeat": now}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def liveness(record: RunRecord, now: float | None = None, stale_s: float = STALE_S) -> str:
    """"live" (another process is training it now), "dead" (running, but its process is gone) or
    the status itself for a run that is not running.

    On the record's own host the pid must exist and the heartbeat be fresh; from another host only
    the heartbeat can tell. This process's own pid is never "live" (an earlier call in this process
    that raised has ended). Records without `process` (older ones) are "dead" when running.
    """
    if record.status != "running":
        return record.status
    proc = record.extra.get("process") or {}
    beat = proc.get("heartbeat")
    now = time.time() if now is None else now
    if beat is None or now - float(beat) > stale_s:
        return "dead"
    if proc.get("host") == socket.gethostname():
        pid = int(proc.get("pid") or 0)
        if pid == os.getpid() or pid <= 0 or not _pid_alive(pid):
            return "dead"
    return "live"
