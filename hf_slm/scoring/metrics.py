"""Minimal-pair metric arithmetic shared by every benchmark and every `evaluate` module.

Inputs are log-likelihood *scores* (higher = the model prefers it), one per candidate: a pair is
right when the positive candidate scores higher, wrong when lower, and a tie counts 0.5 (so a
model that cannot tell the candidates apart sits at chance, never above it).

- accuracy: mean outcome over pairs (micro);
- macro_accuracy: mean over groups (sBLIMP phenomena) of each group's accuracy, the paper's
  headline for sBLIMP, so a phenomenon with many pairs does not dominate;
- voice_accuracy: with several voices per pair (the same item spoken by each voice), an item
  counts only if every voice is right: its outcome is the minimum over its voices.

Confidence intervals: a seeded percentile bootstrap whose unit is what was sampled independently.
Without voices that is the pair. With several voices, the voicings of one item are not independent
draws (they share the sentence), so the unit is the item: a drawn item brings all its voicings, for
the accuracy, the macro accuracy and the voice figure alike. The macro figure is stratified by group
(each phenomenon is resampled within itself, so every group stays present with its own size).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

DEFAULT_N_BOOT = 1000
DEFAULT_CONFIDENCE = 0.95


def pair_outcomes(positive_scores, negative_scores) -> np.ndarray:
    """1.0 where positive > negative, 0.0 where lower, 0.5 on a tie."""
    pos = np.asarray(positive_scores, dtype=np.float64)
    neg = np.asarray(negative_scores, dtype=np.float64)
    if pos.shape != neg.shape or pos.ndim != 1:
        raise ValueError(f"positive and negative scores must be 1-D and equal length "
                         f"(got {pos.shape} and {neg.shape})")
    if not (np.isfinite(pos).all() and np.isfinite(neg).all()):
        raise ValueError("scores must be finite")
    return np.where(pos > neg, 1.0, np.where(pos < neg, 0.0, 0.5))


def _codes(labels, n: int, name: str) -> tuple[list[str], np.ndarray]:
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"{name} has {len(labels)} entries for {n} pairs")
    uniq = list(OrderedDict.fromkeys(labels))
    index = {u: i for i, u in enumerate(uniq)}
    return uniq, np.fromiter((index[x] for x in labels), dtype=np.int64, count=n)


def macro_accuracy(outcomes: np.ndarray, group_codes: np.ndarray) -> float:
    sums = np.bincount(group_codes, weights=outcomes)
    counts = np.bincount(group_codes)
    keep = counts > 0
    return float(np.mean(sums[keep] / counts[keep]))


def item_outcomes(outcomes: np.ndarray, item_codes: np.ndarray) -> np.ndarray:
    """Per item, the worst outcome over its voices (an item is right only if every voice is)."""
    out = np.full(item_codes.max() + 1, np.inf)
    np.minimum.at(out, item_codes, outcomes)
    return out


def _interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(samples, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def bootstrap_mean(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """n_boot bootstrap means of `values` (resampled with replacement)."""
    n = len(values)
    idx = rng.integers(0, n, size=(n_boot, n))
    return values[idx].mean(axis=1)


def bootstrap_macro(outcomes: np.ndarray, group_codes: np.ndarray, n_boot: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Bootstrap macro accuracies, resampling pairs within each group (stratified)."""
    per_group = [bootstrap_mean(outcomes[group_codes == g], n_boot, rng)
                 for g in range(group_codes.max() + 1) if np.any(group_codes == g)]
    return np.mean(per_group, axis=0)


def bootstrap_clustered(outcomes: np.ndarray, cluster_codes: np.ndarray, n_boot: int, rng: np.random.Generator,
                        group_codes: np.ndarray | None = None) -> np.ndarray:
    """Bootstrap accuracies resampling whole clusters (an item's voicings together); with `group_codes`,
    macro accuracies with clusters resampled within each group (stratified). A cluster lies in one group
    (clusters are formed per (group, item) when groups are given)."""
    groups = np.zeros(len(outcomes), np.int64) if group_codes is None else group_codes
    pairs = groups * (cluster_codes.max() + 1) + cluster_codes
    uniq, inverse = np.unique(pairs, return_inverse=True)
    sums = np.bincount(inverse, weights=outcomes)
    sizes = np.bincount(inverse).astype(np.float64)
    cluster_group = uniq // (cluster_codes.max() + 1)
    per_group = []
    for g in np.unique(cluster_group):
        members = np.flatnonzero(cluster_group == g)
        draw = members[rng.integers(0, members.size, size=(n_boot, members.size))]
        per_group.append(sums[draw].sum(axis=1) / sizes[draw].sum(axis=1))
    return np.mean(per_group, axis=0)


def pair_metrics(positive_scores, negative_scores, groups=None, voices=None, items=None, *,
                 n_boot: int = DEFAULT_N_BOOT, confidence: float = DEFAULT_CONFIDENCE,
                 seed: int = 0) -> dict:
    """Every minimal-pair figure with its bootstrap interval; see the module docstring.

    `groups`: a label per pair (phenomenon); `voices`: a voice per pair; `items`: the key shared by
    the voicings of one item (needed for voice_accuracy whenever voices are given; with items, every
    interval resamples items, not pairs).
    """
    outcomes = pair_outcomes(positive_scores, negative_scores)
    n = len(outcomes)
    if n == 0:
        raise ValueError("no pairs to score")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be in (0, 1)")
    rng = np.random.default_rng(seed)
    acc = float(outcomes.mean())
    out: dict = {"n": n, "accuracy": acc, "ties": int(np.sum(outcomes == 0.5)),
                 "confidence": confidence, "n_boot": n_boot, "seed": seed}
    item_codes = _codes(items, n, "items")[1] if items is not None else None
    boot = (bootstrap_mean(outcomes, n_boot, rng) if item_codes is None
            else bootstrap_clustered(outcomes, item_codes, n_boot, rng))
    out["accuracy_ci"] = list(_interval(boot, confidence))
    out["resampling_unit"] = "pair" if item_codes is None else "item"

    if groups is not None:
        names, codes = _codes(groups, n, "groups")
        out["macro_accuracy"] = macro_accuracy(outcomes, codes)
        boot = (bootstrap_macro(outcomes, codes, n_boot, rng) if item_codes is None
                else bootstrap_clustered(outcomes, item_codes, n_boot, rng, codes))
        out["macro_accuracy_ci"] = list(_interval(boot, confidence))
        out["per_group"] = {name: {"accuracy": float(outcomes[codes == g].mean()),
                                   "n": int(np.sum(codes == g))}
                            for g, name in enumerate(names)}

    if voices is not None:
        if items is None:
            raise ValueError("voice accuracy needs `items` (the key shared by the voicings of a pair)")
        voice_names, voice_codes = _codes(voices, n, "voices")
        per_item = item_outcomes(outcomes, item_codes)
        out["per_voice"] = {name: {"accuracy": float(outcomes[voice_codes == v].mean()),
                                   "n": int(np.sum(voice_codes == v))}
                            for v, name in enumerate(voice_names)}
        out["n_items"] = int(len(per_item))
        out["voice_accuracy"] = float(per_item.mean())
        out["voice_accuracy_ci"] = list(_interval(bootstrap_mean(per_item, n_boot, rng), confidence))
    return out


def headline(metrics: dict, key: str) -> dict:
    """The run.json form {"value", "ci_low", "ci_high", "n"} of one figure of `pair_metrics`."""
    lo, hi = metrics[f"{key}_ci"]
    return {"value": metrics[key], "ci_low": lo, "ci_high": hi, "n": metrics["n"], "metric": key}
