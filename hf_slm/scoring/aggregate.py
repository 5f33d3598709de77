"""A task's headline figure as a protocol aggregates it: ties, voices, groups (hf_slm.scoring.protocol).

Outcomes are hf_slm.scoring.metrics' pair outcomes (1 right, 0 wrong, 0.5 tie) with the tie
re-valued as the protocol says (cm2024 counts a StoryCloze tie as wrong). Then:

- voices "average": the outcomes of one item's voicings are averaged first, so an item is one unit
  whatever its number of voicings (cm2024's pair score, ZeroSpeech's `evaluate_by_pair`);
  "each": every voicing is one unit (slamkit's mean over every audio pair);
- groups "macro": mean over groups of each group's mean (sBLIMP phenomena); "micro": mean over units.

The interval is a seeded percentile bootstrap over items (metrics' resamplers: stratified by group
for macro; voicings of one item drawn together when voices are kept apart).
"""

from __future__ import annotations

import numpy as np

# Relative imports, numpy only: like metrics.py and protocol.py this file can ship inside a metric folder.
from .metrics import (
    _codes, _interval, bootstrap_clustered, bootstrap_macro, bootstrap_mean, macro_accuracy, pair_outcomes)
from .protocol import Protocol


def protocol_outcomes(positive_scores, negative_scores, protocol: Protocol, cloze: bool) -> np.ndarray:
    out = pair_outcomes(positive_scores, negative_scores)
    ties = np.asarray(positive_scores, np.float64) == np.asarray(negative_scores, np.float64)
    out[ties] = protocol.tie(cloze)
    return out


def item_means(outcomes: np.ndarray, item_codes: np.ndarray) -> np.ndarray:
    """Per item (code 0..n-1), the mean outcome over its voicings."""
    return np.bincount(item_codes, weights=outcomes) / np.bincount(item_codes)


def headline_figure(outcomes: np.ndarray, groups, items, protocol: Protocol, *, n_boot: int,
                    confidence: float, seed: int) -> dict:
    """{"value", "ci_low", "ci_high", "n", "metric", "n_units"} of the protocol's headline."""
    n = len(outcomes)
    _, group_codes = _codes(groups, n, "groups")
    _, item_codes = _codes(items, n, "items")
    rng = np.random.default_rng(seed)
    if protocol.voices == "average":
        values = item_means(outcomes, item_codes)
        first = np.unique(item_codes, return_index=True)[1]  # an item lies in one group
        unit_groups = group_codes[first]
        if protocol.groups == "macro":
            value, boot = macro_accuracy(values, unit_groups), bootstrap_macro(values, unit_groups, n_boot, rng)
        else:
            value, boot = float(values.mean()), bootstrap_mean(values, n_boot, rng)
        n_units = len(values)
    else:
        if protocol.groups == "macro":
            value = macro_accuracy(outcomes, group_codes)
            boot = bootstrap_clustered(outcomes, item_codes, n_boot, rng, group_codes)
        else:
            value, boot = float(outcomes.mean()), bootstrap_clustered(outcomes, item_codes, n_boot, rng)
        n_units = n
    lo, hi = _interval(boot, confidence)
    return {"value": float(value), "ci_low": lo, "ci_high": hi, "n": n, "metric": protocol.headline,
            "n_units": int(n_units)}
