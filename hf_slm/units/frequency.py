"""Unit frequencies of a training split: the unigram model that both the unit-stage counterbalance
(hf_slm.units.length_balance) and the unigram null scorer (hf_slm.scoring.null) use, so the two
agree on which candidate is the more typical."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def unigram_logprobs(train_sequences: Iterable[Sequence[int]], k: int) -> np.ndarray:
    """log p(unit) for units 0..k-1 from training sequences, add-one smoothed (float64)."""
    counts = np.ones(k, dtype=np.float64)
    for seq in train_sequences:
        if len(seq):
            counts += np.bincount(np.asarray(seq, dtype=np.int64), minlength=k)[:k]
    return np.log(counts) - np.log(counts.sum())


def mean_logprob(logp: np.ndarray, seq: Sequence[int]) -> float:
    """Mean unit log-probability of a sequence (0 for an empty one)."""
    seq = np.asarray(seq, np.int64)
    return float(logp[seq].mean()) if seq.size else 0.0


def dataset_unigram(units_dir) -> np.ndarray:
    """unigram_logprobs of a unit dataset's train split."""
    from hf_slm.units.dataset import load_unit_dataset

    units = load_unit_dataset(units_dir)
    return unigram_logprobs(units.splits["train"]["units"], units.k)
