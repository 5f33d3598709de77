"""Packing token sequences into fixed windows with EOS separators (the paper's packing).

Documents are joined as `doc₀ EOS doc₁ EOS …` into one stream that is cut into windows of
`window` tokens, so no position is padding except, optionally, the tail of the last window. A
stream is numpy (uint16 while the vocabulary fits, halving memory at paper scale).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def stream_dtype(vocab_size: int):
    return np.uint16 if vocab_size <= np.iinfo(np.uint16).max + 1 else np.int32


def join_with_eos(docs: Iterable[Sequence[int]], eos_id: int, dtype=np.int32,
                  limit: int | None = None) -> np.ndarray:
    """`doc EOS doc EOS …` as one array; with `limit`, stop (and cut) once it holds that many tokens."""
    parts, total = [], 0
    eos = np.array([eos_id], dtype=dtype)
    for doc in docs:
        if limit is not None and total >= limit:
            break
        parts.append(np.asarray(doc, dtype=dtype))
        parts.append(eos)
        total += len(doc) + 1
    stream = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
    return stream[:limit] if limit is not None else stream


def pack_windows(docs: Iterable[Sequence[int]], window: int, eos_id: int, pad_id: int,
                 dtype=np.int32) -> tuple[np.ndarray, int]:
    """Every token of every document exactly once, in windows of `window`; returns (windows, n_pad).

    Only the last window is padded (with `pad_id`, which training masks out of the loss).
    """
    stream = join_with_eos(docs, eos_id, dtype)
    n_windows = -(-len(stream) // window)
    n_pad = n_windows * window - len(stream)
    if n_pad:
        stream = np.concatenate([stream, np.full(n_pad, pad_id, dtype=dtype)])
    return stream.reshape(n_windows, window), n_pad


def epoch_order(pool_windows: int, total_windows: int, seed: int) -> np.ndarray:
    """Window indices for `total_windows` draws: each epoch is a fresh permutation of the pool.

    The order depends on (pool_windows, seed) only, so a resumed run sees the same batches, and a
    multi-epoch run sees every pool window once per epoch (the last epoch may be partial).
    """
    epochs = -(-total_windows // pool_windows)
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(pool_windows) for _ in range(epochs)])[:total_windows]


def split_at_eos(window: Sequence[int], eos_id: int) -> list[list[int]]:
    """A packed window as its document segments (each ends at an EOS, the last may not)."""
    segments, start = [], 0
    window = list(window)
    for i, tok in enumerate(window):
        if tok == eos_id:
            segments.append(window[start:i + 1])
            start = i + 1
    if start < len(window):
        segments.append(window[start:])
    return segments
