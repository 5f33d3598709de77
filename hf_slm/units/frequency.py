"""Unit frequencies of a training split: the unigram model that both the unit-stage counterbalance
(hf_slm.units.length_balance) and the unigram null scorer (hf_slm.scoring.null) use, so the two
agree on which candidate is the more typical, and the unit-bigram model of the null scorers'
baseline (how familiar a candidate's local unit sequence is)."""

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


def bigram_logprobs(train_sequences: Iterable[Sequence[int]], k: int) -> np.ndarray:
    """log p(b | a) as a k x k matrix from training sequences, add-one smoothed per row (float64)."""
    counts = np.ones((k, k), dtype=np.float64)
    for seq in train_sequences:
        seq = np.asarray(seq, dtype=np.int64)
        if seq.size > 1:
            np.add.at(counts, (seq[:-1], seq[1:]), 1.0)
    return np.log(counts) - np.log(counts.sum(axis=1, keepdims=True))


def mean_bigram_logprob(unigram: np.ndarray, bigram: np.ndarray, seq: Sequence[int]) -> float:
    """Mean unit log-probability of a sequence under the bigram model, its first unit under the
    unigram (0 for an empty sequence)."""
    seq = np.asarray(seq, np.int64)
    if not seq.size:
        return 0.0
    return float((unigram[seq[0]] + bigram[seq[:-1], seq[1:]].sum()) / seq.size)


def train_split(units_dir):
    """(train split, K) of a unit dataset: what the count models here are learned from."""
    from hf_slm.units.dataset import load_unit_dataset

    units = load_unit_dataset(units_dir)
    return units.splits["train"], units.k


def count_models(train_sequences, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(unigram_logprobs, bigram_logprobs) of one set of training sequences."""
    return unigram_logprobs(train_sequences, k), bigram_logprobs(train_sequences, k)


def dataset_count_models(units_dir) -> tuple[np.ndarray, np.ndarray]:
    """(unigram_logprobs, bigram_logprobs) of a unit dataset's train split, read once."""
    train, k = train_split(units_dir)
    return count_models(train["units"], k)
