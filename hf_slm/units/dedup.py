"""Run-length dedup of unit sequences (on by default, as in the paper) and word-time mapping.

`dedup([5, 5, 7, 7, 7, 5])` → units [5, 7, 5], durations [2, 3, 1] (frames per kept unit).
Word alignments in seconds map to half-open spans [start, end) over the deduplicated units.
"""

from __future__ import annotations

import numpy as np

MAX_RUN = np.iinfo(np.int16).max  # durations are int16; longer runs are split into several


def dedup(units) -> tuple[np.ndarray, np.ndarray]:
    """Collapse repeats → (units int16, durations int16), durations summing to len(units)."""
    u = np.asarray(units)
    if u.size == 0:
        return u.astype(np.int16), np.zeros(0, np.int16)
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    lengths = np.diff(np.r_[starts, u.size])
    if lengths.max() > MAX_RUN:
        reps = -(-lengths // MAX_RUN)
        starts = np.repeat(starts, reps)
        lengths = np.concatenate([[MAX_RUN] * (r - 1) + [n - MAX_RUN * (r - 1)] for n, r in zip(lengths, reps)])
    return u[starts].astype(np.int16), lengths.astype(np.int16)


def expand(units, durations) -> np.ndarray:
    """Inverse of dedup: repeat each unit by its duration."""
    return np.repeat(np.asarray(units), np.asarray(durations, dtype=np.int64))


def word_spans(word_times, durations, frame_rate: float) -> list[dict]:
    """[{word, start, end} in seconds] → [{word, start, end} as unit indices] over dedup'd units.

    A word covers frames floor(start*fr) .. ceil(end*fr) (at least one frame), clipped to the audio;
    its span is every deduplicated unit whose run touches those frames. Words wholly past the end
    of the audio are dropped.
    """
    durations = np.asarray(durations, dtype=np.int64)
    n_frames = int(durations.sum())
    run_start = np.r_[0, np.cumsum(durations)[:-1]] if durations.size else np.zeros(0, np.int64)
    out = []
    for w in word_times or []:
        f0 = int(np.floor(float(w["start"]) * frame_rate + 1e-6))
        f1 = max(f0 + 1, int(np.ceil(float(w["end"]) * frame_rate - 1e-6)))
        f0, f1 = max(0, f0), min(n_frames, f1)
        if f0 >= n_frames or f1 <= f0:
            continue
        a = int(np.searchsorted(run_start, f0, side="right") - 1)
        b = int(np.searchsorted(run_start, f1 - 1, side="right"))
        out.append({"word": str(w["word"]), "start": a, "end": b})
    return out
