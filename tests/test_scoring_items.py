"""Items: voicings of a question and the two questions of a cloze mirror pair are one resampling unit."""

import numpy as np
import pytest

from hf_slm.scoring.items import item_keys


def _cols(rows):
    keys = ("id", "group", "prompt_text", "positive_text", "negative_text")
    return {k: [r[i] for r in rows] for i, k in enumerate(keys)}


def test_a_mirror_pair_with_all_its_voicings_is_one_item_and_nothing_else_is_merged():
    rows = [("a1", "plot", "story A", "end A", "end B"), ("a2", "plot", "story A", "end A", "end B"),  # 2 voicings
            ("b1", "plot", "story B", "end B", "end A"), ("b2", "plot", "story B", "end B", "end A"),  # A's mirror
            ("c1", "plot", "story C", "end B", "end A"),  # a third question with the same swap: no partner left
            ("d1", "plot", "story D", "end D", "end E"), ("d2", "plot", "story D", "end E", "end D"),  # same prompt: not
            ("e1", "other", "story E", "end E", "end D"),  # swaps d's endings but in another group
            ("s1", "agr", "", "dogs are", "dogs is"), ("s2", "agr", "", "dogs is", "dogs are")]  # pairs: no prompt
    keys = item_keys(_cols(rows))
    assert len({keys[0], keys[1], keys[2], keys[3]}) == 1
    others = keys[4:]
    assert len(set(others)) == len(others) and keys[0] not in others
    ids_only = [(f"r{i}", "g", "", "", "") for i in range(3)]
    assert item_keys(_cols(ids_only)) == ["r0", "r1", "r2"]


def _mirror_ds(n_pairs, rng):
    """n_pairs mirror pairs over unit sequences of random lengths (one voice): a length-only scorer is
    right on exactly one question of each pair."""
    rows = {"id": [], "group": [], "voice": [], "prompt": [], "positive": [], "negative": [],
            "prompt_text": [], "positive_text": [], "negative_text": []}
    for i in range(n_pairs):
        a, b = [1] * int(rng.integers(2, 9)), [2] * int(rng.integers(9, 15))
        for j, (prompt, pos, neg) in enumerate(((f"p{i}", a, b), (f"q{i}", b, a))):
            rows["id"].append(f"{i}-{j}"), rows["group"].append("plot"), rows["voice"].append("v")
            rows["prompt"].append([3]), rows["positive"].append(pos), rows["negative"].append(neg)
            rows["prompt_text"].append(prompt)
            rows["positive_text"].append(f"e{i}a" if j == 0 else f"e{i}b")
            rows["negative_text"].append(f"e{i}b" if j == 0 else f"e{i}a")
    return rows


def test_a_prompt_blind_scorer_on_mirror_pairs_has_an_interval_of_zero_width():
    from hf_slm.scoring import null

    ds = _mirror_ds(30, np.random.default_rng(0))
    out = null.null_task(ds, null.length_score, n_boot=300)
    # exactly one right per pair, whichever pairs a bootstrap draws: 0.5 with no spread
    assert out["value"] == 0.5 and out["ci_low"] == pytest.approx(0.5) and out["ci_high"] == pytest.approx(0.5)
    # the same outcomes resampled as 60 independent rows would give a binomial spread of about ±0.13
    flat = dict(ds, positive_text=[f"x{i}" for i in range(60)])  # texts no longer swapped: no pairs
    out = null.null_task(flat, null.length_score, n_boot=300)
    assert out["ci_high"] - out["ci_low"] > 0.15
