"""Audio validation: every unusable input becomes an AudioError whose `reason` goes to skips.jsonl."""

from __future__ import annotations

import numpy as np

# The reasons a sample can be skipped for (stable strings: summaries and tests count them).
REASONS = ("unreadable", "empty", "too_short", "nan_or_inf", "all_zero")


class AudioError(Exception):
    """Unusable audio; `reason` is one of REASONS, `detail` a short human explanation."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def check_waveform(x: np.ndarray, rate: int, min_seconds: float = 0.0) -> None:
    """Raise AudioError unless `x` (mono, at `rate`) is non-empty, finite, non-silent and long enough."""
    if x.size == 0:
        raise AudioError("empty", "0 samples")
    if not np.isfinite(x).all():
        raise AudioError("nan_or_inf", f"{int((~np.isfinite(x)).sum())} non-finite samples")
    seconds = x.size / rate
    if seconds < min_seconds:
        raise AudioError("too_short", f"{seconds:.3f} s < {min_seconds:.3f} s")
    if not np.any(x):
        raise AudioError("all_zero", f"{x.size} zero samples")
