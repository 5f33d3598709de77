"""Benchmark validity: model-free null scorers (hf_slm.scoring.null), identical-unit removal and the
generators' counterbalancing, on hand-made benchmark rows and on the generators' text."""

from collections import defaultdict

import numpy as np
import pytest

from hf_slm.scoring import null


def _row(i, group, pos, neg, prompt=(), voice="v1", text=None):
    t = text or f"{group} item {i}"
    return {"id": f"{group}-{i}-{voice}", "task": "sblimp", "group": group, "voice": voice,
            "prompt": list(prompt), "positive": list(pos), "negative": list(neg),
            "prompt_text": "", "positive_text": t + " +", "negative_text": t + " -",
            "prompt_words": [], "positive_words": [], "negative_words": []}


def _write(folder, rows, task="sblimp"):
    from hf_slm.dataset_format.benchmark import write_task

    write_task(folder, task, rows, "units", {"seed": 0}, [])
    return folder


def _balanced_rows():
    """Half the pairs have the shorter positive, half the longer; two voices each."""
    rows = []
    for i in range(20):
        pos, neg = ([1, 2, 3], [1, 2, 3, 4]) if i % 2 == 0 else ([1, 2, 3, 4, 5], [1, 2])
        rows += [_row(i, "g1" if i < 10 else "g2", pos, neg, voice=v) for v in ("v1", "v2")]
    return rows


def test_length_scorer_scores_half_on_a_balanced_set_and_one_on_a_biased_set(tmp_path):
    from hf_slm.dataset_format.benchmark import load_benchmark

    ds = load_benchmark(_write(tmp_path / "bal", _balanced_rows()))
    out = null.null_task(ds, null.length_score, n_boot=200)
    assert out["value"] == pytest.approx(0.5) and out["chance_in_interval"]
    assert out["groups"] == {"g1": pytest.approx(0.5), "g2": pytest.approx(0.5)}
    # every positive shorter: the length scorer is always right, far outside chance
    biased = [_row(i, "g1", [1] * 3, [1] * (4 + i % 3)) for i in range(12)]
    out = null.null_task(load_benchmark(_write(tmp_path / "bias", biased)), null.length_score, n_boot=200)
    assert out["value"] == 1.0 and not out["chance_in_interval"]


def test_unigram_logprobs_are_smoothed_relative_frequencies():
    logp = null.unigram_logprobs([[0, 0, 1], [0, 2]], k=4)
    counts = np.array([3, 1, 1, 0]) + 1.0
    np.testing.assert_allclose(np.exp(logp), counts / counts.sum())


def test_unigram_scorer_prefers_frequent_units_and_scores_the_whole_cloze_story(tmp_path):
    from hf_slm.dataset_format.benchmark import load_benchmark

    logp = np.log(np.array([0.7, 0.2, 0.1]))
    score = null.unigram_scorer(logp)
    assert score([0, 0], [1]) == pytest.approx(np.mean(logp[[0, 0, 1]]))
    rows = [_row(i, "g", [0, 0, 1], [2, 2, 1]) for i in range(8)]
    out = null.null_task(load_benchmark(_write(tmp_path / "u", rows)), score, n_boot=100)
    assert out["value"] == 1.0 and not out["chance_in_interval"]


def test_identical_unit_pairs_are_found(tmp_path):
    # (their removal at build time is the unit stage's: tests/test_units_benchmark.py)
    rows = _balanced_rows()
    rows[3]["negative"] = list(rows[3]["positive"])  # "puppies"/"puppys": the same units
    rows[10]["negative"] = list(rows[10]["positive"])
    assert null.identical_rows(rows) == [3, 10]
    assert null.identical_rows(_balanced_rows()) == []


def test_null_benchmarks_and_unbiased_over_task_folders(tmp_path):
    bench = tmp_path / "bench"
    _write(bench / "sblimp", _balanced_rows())
    logp = null.unigram_logprobs([[1, 2, 3, 4, 5]], k=8)
    report = null.null_benchmarks(bench, logp, n_boot=100)
    assert set(report) == {"sblimp"} and report["sblimp"]["identical"] == 0
    assert report["sblimp"]["length"]["value"] == pytest.approx(0.5)
    assert null.unbiased({"x": {**report["sblimp"], "identical": 1}}) is False
    e = report["sblimp"]["length"]  # one task x two scorers: Bonferroni over 2 tests
    assert e["confidence"] == pytest.approx(0.975) and null.familywise_confidence(8) == pytest.approx(1 - 0.05 / 8)
    assert e["ci_low"] <= e["ci95"][0] and e["ci95"][1] <= e["ci_high"]


# ---- the generators' counterbalancing, on their text (the demo measures it on units) ------------
def _words(s):
    return len(s.replace("?", "").replace(".", "").split())


def _chars(s):
    return len("".join(ch for ch in s if ch.isalpha()))


def _is_good(q):
    from hf_slm.synth.stories import make_story

    namespace, seed, index = q["id"][len("ssc-"):].rsplit("-", 2)
    return make_story(namespace, int(seed), int(index), coda=False).good


def _balance(pairs):
    signs = [(_chars(p["positive"]) > _chars(p["negative"])) - (_chars(p["positive"]) < _chars(p["negative"]))
             for p in pairs]
    return sum(s > 0 for s in signs), sum(s < 0 for s in signs)


def test_every_phenomenon_and_cloze_task_is_length_counterbalanced():
    from hf_slm.synth.cloze import TrainingText, make_cloze
    from hf_slm.synth.pairs import make_pairs

    by = defaultdict(list)
    for p in make_pairs(60, seed=0):
        by[p["group"]].append(p)
    assert len(by) == 10 and all(len(v) == 60 for v in by.values())
    for group, pairs in by.items():
        longer, shorter = _balance(pairs)
        assert abs(longer - shorter) <= 1, (group, longer, shorter)  # NPI, quantifiers, islands were 0 / 60
    cloze = make_cloze(80, seed=0, training=TrainingText())
    # the happy ending is the right one in half of each plot's sSC questions (the metric is a macro over
    # plots, so a balance over the whole task alone let a unigram scorer reach 0.8 on two plots)
    outcome = defaultdict(int)
    for q in cloze["ssc"]:
        outcome[q["group"]] += 1 if _is_good(q) else -1
    assert len(outcome) == 6 and all(abs(v) <= 2 for v in outcome.values()), dict(outcome)  # ±1 per template
    for task in ("ssc", "tsc"):
        assert len(cloze[task]) == 80
        plots = defaultdict(list)
        for q in cloze[task]:
            plots[q["group"]].append(q)
        for plot, qs in plots.items():
            longer, shorter = _balance(qs)
            assert abs(longer - shorter) <= 1, (task, plot, longer, shorter)


def test_length_balance_takes_a_question_only_while_the_count_stays_within_slack():
    from hf_slm.synth.balance import LengthBalance, longer_sign

    assert longer_sign("abc d", "ab") == 1 and longer_sign("a", "b.") == 0 and longer_sign("a", "bc") == -1
    b = LengthBalance(slack=1)
    assert b.take("long one", "short") and not b.take("longer", "short") and b.take("a", "b")
    assert b.take("x", "xyz") and b.count == 0


def test_no_homophone_contrasts_and_no_repeated_word_pairs():
    from hf_slm.synth.pairs import make_pairs
    from hf_slm.synth.wuggy import make_wuggy

    texts = " ".join(p["negative"] for p in make_pairs(60, seed=0))
    for bad in ("puppys", "bunnys"):
        assert bad not in texts
    pairs = make_wuggy(200, seed=0)
    assert len(pairs) == len({(p["positive"], p["negative"]) for p in pairs})
    # only the stressed vowel changes: "balloon" keeps its schwa-initial syllable
    assert all(p["negative"].startswith("ball") for p in pairs if p["positive"] == "balloon")
