"""Metric arithmetic on hand-made inputs: ties, macro vs micro, voice pairs, bootstrap."""

import numpy as np
import pytest

from hf_slm.scoring.metrics import headline, pair_metrics, pair_outcomes


def test_outcomes_ties_count_half():
    assert pair_outcomes([-1.0, -2.0, -3.0], [-2.0, -2.0, -1.0]).tolist() == [1.0, 0.5, 0.0]


def test_macro_differs_from_micro():
    # phenomenon a: 3 pairs all right; phenomenon b: 1 pair wrong
    pos, neg = [0.0, 0.0, 0.0, -5.0], [-1.0, -1.0, -1.0, 0.0]
    m = pair_metrics(pos, neg, groups=["a", "a", "a", "b"])
    assert m["accuracy"] == pytest.approx(0.75)
    assert m["macro_accuracy"] == pytest.approx(0.5)
    assert m["per_group"] == {"a": {"accuracy": 1.0, "n": 3}, "b": {"accuracy": 0.0, "n": 1}}


def test_voice_pairs_need_every_voice_right():
    # item x right in both voices, item y right in one voice only, item z a tie in one voice
    pos = [0.0, 0.0, 0.0, -2.0, 0.0, -1.0]
    neg = [-1.0, -1.0, -1.0, -1.0, -1.0, -1.0]
    items = ["x", "x", "y", "y", "z", "z"]
    voices = ["v1", "v2"] * 3
    m = pair_metrics(pos, neg, voices=voices, items=items)
    assert m["accuracy"] == pytest.approx((1 + 1 + 1 + 0 + 1 + 0.5) / 6)
    assert m["voice_accuracy"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert m["n_items"] == 3
    assert m["per_voice"]["v2"] == {"accuracy": pytest.approx(0.5), "n": 3}
    with pytest.raises(ValueError, match="items"):
        pair_metrics(pos, neg, voices=voices)


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(3)
    pos, neg = rng.normal(size=200) + 0.3, rng.normal(size=200)
    groups = ["a"] * 50 + ["b"] * 150
    a = pair_metrics(pos, neg, groups=groups, seed=7)
    b = pair_metrics(pos, neg, groups=groups, seed=7)
    c = pair_metrics(pos, neg, groups=groups, seed=8)
    assert a == b and a["accuracy_ci"] != c["accuracy_ci"]
    for key in ("accuracy", "macro_accuracy"):
        lo, hi = a[f"{key}_ci"]
        assert lo < a[key] < hi and hi - lo < 0.25
    h = headline(a, "macro_accuracy")
    assert h["value"] == a["macro_accuracy"] and (h["ci_low"], h["ci_high"]) == tuple(a["macro_accuracy_ci"])


@pytest.mark.parametrize("pos,neg", [([1.0], [1.0, 2.0]), ([], []), ([float("nan")], [0.0])])
def test_bad_inputs_raise(pos, neg):
    with pytest.raises(ValueError):
        pair_metrics(pos, neg)


# --- interval widths and coverage against independent computations (issue 14 item 2) ----------------------
# Each test kills one mutant of the resampling: n/2 draws, unstratified macro, pairs instead of items.

from scipy import stats  # noqa: E402


def _binomial_interval(k: int, n: int, confidence: float = 0.95):
    """The exact bootstrap distribution of a mean of n 0/1 outcomes with k ones is Binomial(n, k/n)/n."""
    a = (1 - confidence) / 2
    return stats.binom.ppf(a, n, k / n) / n, stats.binom.ppf(1 - a, n, k / n) / n


def test_accuracy_interval_matches_the_binomial_bootstrap_distribution():
    outcomes = np.array([1.0] * 280 + [0.0] * 120)  # 400 pairs, 70% right
    m = pair_metrics(outcomes, np.zeros(400) + 0.5, n_boot=4000, seed=0)
    lo, hi = m["accuracy_ci"]
    elo, ehi = _binomial_interval(280, 400)
    assert lo == pytest.approx(elo, abs=0.006) and hi == pytest.approx(ehi, abs=0.006)
    assert hi - lo == pytest.approx(ehi - elo, rel=0.1)  # n/2 draws would make it √2 wider


def test_macro_interval_is_stratified_by_group():
    # group a: one pair, right; group b: 30 pairs, half right. Stratified: a's accuracy is always 1, so the
    # macro accuracy is (1 + B/30)/2 with B ~ Binomial(30, 0.5). Unstratified draws lose group a in
    # (30/31)^31 = 36% of resamples, which drags the lower end to about 0.4.
    pos = np.array([1.0] + [1.0] * 15 + [-1.0] * 15)
    groups = ["a"] + ["b"] * 30
    m = pair_metrics(pos, np.zeros(31), groups=groups, n_boot=4000, seed=1)
    lo, hi = m["macro_accuracy_ci"]
    blo, bhi = _binomial_interval(15, 30)
    assert lo == pytest.approx((1 + blo) / 2, abs=0.01) and hi == pytest.approx((1 + bhi) / 2, abs=0.01)


def _voiced(rng, n_items: int, p: float):
    """Two voicings per item whose outcomes agree (the voice does not change what the model knows)."""
    right = rng.random(n_items) < p
    pos = np.repeat(np.where(right, 1.0, -1.0), 2)
    items = np.repeat([f"i{i}" for i in range(n_items)], 2)
    return pos, np.zeros(2 * n_items), items, ["v1", "v2"] * n_items


def test_voiced_accuracy_interval_resamples_items():
    pos, neg, items, voices = _voiced(np.random.default_rng(0), 100, 0.7)
    k = int((pos[::2] > 0).sum())
    m = pair_metrics(pos, neg, voices=voices, items=items, n_boot=4000, seed=2)
    lo, hi = m["accuracy_ci"]
    elo, ehi = _binomial_interval(k, 100)  # 100 independent items, not 200 independent pairs
    assert hi - lo == pytest.approx(ehi - elo, rel=0.1) and m["resampling_unit"] == "item"
    groups = ["g"] * 200
    mm = pair_metrics(pos, neg, groups=groups, voices=voices, items=items, n_boot=4000, seed=2)
    mlo, mhi = mm["macro_accuracy_ci"]
    assert mhi - mlo == pytest.approx(ehi - elo, rel=0.1)


def test_voiced_accuracy_interval_covers_the_truth():
    """Coverage over 300 simulated benchmarks: 95% when items are resampled (pairs would give about 83%)."""
    rng = np.random.default_rng(5)
    hits = 0
    for s in range(300):
        pos, neg, items, voices = _voiced(rng, 100, 0.7)
        lo, hi = pair_metrics(pos, neg, voices=voices, items=items, n_boot=400, seed=s)["accuracy_ci"]
        hits += lo <= 0.7 <= hi
    assert 0.90 <= hits / 300 <= 0.99
