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
