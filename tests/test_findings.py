"""hf_slm.demo.findings on hand-made laws and run records, each checked against an independent computation."""

import math

import numpy as np
import pytest
from scipy import stats

from hf_slm.demo import findings as F
from hf_slm.runrecord import RunRecord

Z = 1.959963984540054


def _rec(mode, name, n, d, loss, scores=None, epochs=1.0):
    return RunRecord(name=name, scale="s", mode=mode, n_params=n, tokens_seen=d, final_test_loss=loss,
                     epochs=epochs, scores=scores or {}, status="completed")


def _s(v, lo, hi):
    return {"value": v, "ci_low": lo, "ci_high": hi}


def _chin(ident=True, e_low=1.0, err=0.01):
    names = ("E", "A", "B", "alpha", "beta")
    return {"fitted": True, "E": 1.5, "A": 400.0, "B": 410.0, "alpha": 0.34, "beta": 0.28, "n_points": 49,
            "intervals": {"E": {"low": e_low, "high": 2.0}, **{k: {"low": 0.1, "high": 1000.0} for k in names[1:]}},
            "identifiable": {k: ident for k in names}, "warnings": [] if ident else ["E is not identified"],
            "extrapolation": {"fitted": True, "held_out": ["a", "b"], "rel_error": [err, -err / 2],
                              "max_abs_rel_error": err, "n_fit": 40}}


def test_fisher_interval_matches_scipy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=12)
    y = -0.8 * x + rng.normal(scale=0.5, size=12)
    res = stats.pearsonr(x, y)
    ci = res.confidence_interval(0.95)
    lo, hi = F.fisher_interval(float(res.statistic), 12)
    assert lo == pytest.approx(ci.low, abs=1e-9) and hi == pytest.approx(ci.high, abs=1e-9)
    assert F.fisher_interval(0.5, 3) is None and F.fisher_interval(1.0, 10) is None


def test_ratio_interval_by_hand():
    # log-symmetric intervals: a = 2 in [1, 4], b = 1 in [0.5, 2] -> se(log) = ln 4 / (2z) each
    lo, hi = F.ratio_interval(2.0, (1.0, 4.0), 1.0, (0.5, 2.0))
    half = math.sqrt(2) * math.log(2)
    assert lo == pytest.approx(2 * math.exp(-half)) and hi == pytest.approx(2 * math.exp(half))
    assert F.ratio_interval(2.0, (-1.0, 4.0), 1.0, (0.5, 2.0)) is None


def test_difference_and_mean_difference():
    a, b = _s(0.7, 0.6, 0.8), _s(0.5, 0.4, 0.6)
    d = F.difference_interval(a, b)
    se = math.hypot(0.2 / (2 * Z), 0.2 / (2 * Z))
    assert d["difference"] == pytest.approx(0.2) and d["ci_low"] == pytest.approx(0.2 - Z * se)
    m = F.mean_difference([d, d])
    assert m["difference"] == pytest.approx(0.2) and m["ci_low"] == pytest.approx(0.2 - Z * math.sqrt(2) * se / 2)


def test_loss_law_identified_needs_every_constant_and_e_away_from_zero():
    assert F.loss_law_identified({"laws": {"speech": {"chinchilla": _chin()}}})["reproduced"] is True
    no = F.loss_law_identified({"laws": {"speech": {"chinchilla": _chin(ident=False)}}})
    assert no["reproduced"] is False and "E" in no["note"] and no["evidence"]["warnings"]
    collapsed = F.loss_law_identified({"laws": {"speech": {"chinchilla": _chin(e_low=1e-30)}}})
    assert collapsed["reproduced"] is False and collapsed["evidence"]["E_interval_excludes_0"] is False
    assert F.loss_law_identified({"laws": {}})["reproduced"] is False


def test_loss_law_extrapolates_within_three_percent():
    assert F.loss_law_extrapolates({"laws": {"speech": {"chinchilla": _chin(err=0.029)}}})["reproduced"] is True
    far = F.loss_law_extrapolates({"laws": {"speech": {"chinchilla": _chin(err=0.031)}}})
    assert far["reproduced"] is False and far["evidence"]["max_abs_rel_error"] == 0.031


def _null(length=0.5, lo=0.4, hi=0.6, identical=0):
    e = {"value": length, "ci_low": lo, "ci_high": hi, "chance_in_interval": lo <= 0.5 <= hi}
    return {"sblimp": {"rows": 10, "identical": identical, "length": e,
                       "unigram": {"value": 0.5, "ci_low": 0.4, "ci_high": 0.6, "chance_in_interval": True}}}


def test_benchmarks_unbiased():
    assert F.benchmarks_unbiased(_null())["reproduced"] is True
    biased = F.benchmarks_unbiased(_null(0.8, 0.7, 0.9))
    assert biased["reproduced"] is False and "sblimp length 0.80" in biased["note"]
    assert F.benchmarks_unbiased(_null(identical=1))["reproduced"] is False
    assert F.benchmarks_unbiased({})["reproduced"] is False


def test_a_phenomenon_the_unit_stage_removed_whole_is_named_in_both_notes():
    """Seed 3 of tiny lost every NPI row to the unigram balance: the findings must say it is untested."""
    report = _null()
    report["sblimp"]["groups_removed"] = {"npi_licensing": "unigram_balance"}
    out = F.benchmarks_unbiased(report)
    assert out["reproduced"] is True and out["evidence"]["sblimp"]["groups_removed"] == {"npi_licensing": "unigram_balance"}
    assert "sblimp npi_licensing (unigram balance)" in out["note"]
    best = _rec("speech", "big", 10, 10, 2.0, {"sblimp": _s(0.6, 0.55, 0.65), "swuggy": _s(0.6, 0.55, 0.65)})
    assert "npi_licensing" in F.speech_above_chance([best], null_report=report)["note"]
    assert "removed whole" not in F.benchmarks_unbiased(_null())["note"]
    assert "removed whole" not in F.speech_above_chance([best], null_report=_null())["note"]


def test_speech_above_chance_uses_the_lowest_loss_speech_run():
    good = _rec("speech", "big", 10, 10, 2.0, {"sblimp": _s(0.7, 0.6, 0.8), "swuggy": _s(0.6, 0.55, 0.65)})
    bad = _rec("speech", "small", 1, 1, 3.0, {"sblimp": _s(0.5, 0.4, 0.6), "swuggy": _s(0.5, 0.4, 0.6)})
    text = _rec("text", "t", 10, 10, 1.0, {"sblimp": _s(0.5, 0.4, 0.6), "swuggy": _s(0.5, 0.4, 0.6)})
    assert F.speech_above_chance([bad, good, text])["reproduced"] is True
    good.scores["swuggy"] = {**_s(0.55, 0.49, 0.61), "n_items": 117}
    out = F.speech_above_chance([bad, good, text])
    assert out["reproduced"] is False and out["evidence"]["run"] == "big" and "swuggy" in out["note"]
    # above 0.5 with an interval reaching it is unresolved, not "too small to learn"
    assert "swuggy 0.550 [0.490, 0.610], above 0.5" in out["note"] and "on 117 items" in out["note"]
    assert "too small" not in out["note"] and "sblimp" not in out["note"]
    good.scores["swuggy"] = _s(0.48, 0.42, 0.54)
    note = F.speech_above_chance([bad, good, text])["note"]
    assert "swuggy 0.480 [0.420, 0.540], at chance" in note and "unresolved" not in note
    assert out["evidence"]["sblimp_beside_bigram_baseline"] == {}  # no per-phenomenon scores, no baseline


def test_speech_above_chance_sets_each_phenomenon_beside_the_bigram_baseline():
    best = _rec("speech", "big", 10, 10, 2.0, {"sblimp": {**_s(0.6, 0.55, 0.65), "per_group": {
        "npi": {"accuracy": 0.8, "n": 10}, "agr": {"accuracy": 0.4, "n": 10}, "isl": {"accuracy": 0.6, "n": 4}}}})
    null_report = {"sblimp": {"bigram": {"groups": {"npi": 0.3, "agr": 0.5}}}}
    ev = F.speech_above_chance([best], null_report=null_report)["evidence"]
    assert ev["sblimp_beside_bigram_baseline"] == {"agr": {"model": 0.4, "baseline": 0.5},
                                                   "npi": {"model": 0.8, "baseline": 0.3}}
    # a baseline above chance is said in the note, without changing the criterion (chance)
    familiar = {"sblimp": {"bigram": {**_s(0.58, 0.55, 0.61), "groups": {}}}}
    out = F.speech_above_chance([best], null_report=familiar)
    assert "unit-bigram" in out["note"] and "0.580 [0.550, 0.610]" in out["note"]
    assert out["evidence"]["sblimp_bigram_baseline"] == _s(0.58, 0.55, 0.61)
    assert "unit-bigram" not in F.speech_above_chance([best], null_report=null_report)["note"]


def _laws_vs_loss(r, n, group="speech", metric="sblimp"):
    return {"laws": {group: {"downstream": {metric: {"vs_loss": {"fitted": True, "pearson_r": r, "n_points": n}}}}}}


def test_downstream_tracks_loss_only_for_metrics_above_chance():
    best = _rec("speech", "b", 10, 10, 2.0, {"sblimp": _s(0.7, 0.6, 0.8)})
    assert F.downstream_tracks_loss(_laws_vs_loss(-0.9, 10), [best])["reproduced"] is True
    weak = F.downstream_tracks_loss(_laws_vs_loss(-0.5, 6), [best])  # Fisher interval crosses 0 at n = 6
    assert weak["reproduced"] is False and weak["evidence"]["metrics"]["sblimp"]["ci_high"] > 0
    at_chance = _rec("speech", "b", 10, 10, 2.0, {"sblimp": _s(0.55, 0.45, 0.65)})
    out = F.downstream_tracks_loss(_laws_vs_loss(-0.9, 10), [at_chance])
    assert out["reproduced"] is False and "no metric is above chance" in out["note"]


def _gamma_laws(gt, gt_ci, gs, gs_ci):
    def law(g, ci):
        return {"downstream": {"sblimp": {"fitted": True, "gamma": g, "intervals": {"gamma": {"low": ci[0],
                                                                                               "high": ci[1]}}}}}
    return {"laws": {"text": law(gt, gt_ci), "speech": law(gs, gs_ci)}}


def test_text_scales_faster_needs_the_ratio_interval_above_one():
    yes = F.text_scales_faster(_gamma_laws(0.06, (0.05, 0.07), 0.02, (0.018, 0.022)))
    assert yes["reproduced"] is True and yes["evidence"]["ratios"]["sblimp"]["ratio"] == pytest.approx(3.0)
    wide = F.text_scales_faster(_gamma_laws(0.03, (0.01, 0.09), 0.02, (0.01, 0.04)))
    assert wide["reproduced"] is False and wide["evidence"]["ratios"]["sblimp"]["ci_low"] < 1
    none = F.text_scales_faster({"laws": {"speech": {"downstream": {"sblimp": {"fitted": False, "reason": "x"}}}}})
    assert none["reproduced"] is False and none["evidence"]["not_fitted"]["sblimp"]["speech"] == "x"


def test_text_scales_faster_compares_only_table_3_metrics_and_keeps_the_rest_as_evidence():
    laws = _gamma_laws(0.06, (0.05, 0.07), 0.02, (0.018, 0.022))
    for g, gamma in (("text", 0.01), ("speech", 0.04)):  # a text lexical law slower than speech's
        laws["laws"][g]["downstream"]["swuggy"] = {"fitted": True, "gamma": gamma,
                                                   "intervals": {"gamma": {"low": gamma * 0.9, "high": gamma * 1.1}}}
    text_null = {"swuggy": {"length": {"value": 1.0, "ci_low": 1.0, "ci_high": 1.0, "chance_in_interval": False},
                            "unigram": {"value": 1.0, "ci_low": 1.0, "ci_high": 1.0, "chance_in_interval": False}},
                 "sblimp": {"unigram": {"value": 0.56, "ci_low": 0.51, "ci_high": 0.6, "chance_in_interval": False}}}
    out = F.text_scales_faster(laws, text_null)
    assert out["reproduced"] is True and set(out["evidence"]["ratios"]) == {"sblimp"}
    assert out["evidence"]["left_out"]["swuggy"]["ratio"] == pytest.approx(0.25)
    assert out["evidence"]["text_null"]["swuggy"]["unigram"]["value"] == 1.0
    assert "off chance on sblimp" in out["note"]  # a compared task's text null is reported, not hidden
    every = F.text_scales_faster(laws, tasks=("sblimp", "swuggy"))  # the old rule: swuggy's 0.25 decides
    assert every["reproduced"] is False


def test_interleaved_beats_textless_on_matched_compute():
    sp = [_rec("speech", f"s{i}", 100, d, 3.0, {"sblimp": _s(0.5, 0.45, 0.55)}) for i, d in enumerate((10, 20))]
    il = [_rec("interleaved", f"i{i}", 100, d, 2.9, {"sblimp": _s(0.7, 0.65, 0.75)}) for i, d in enumerate((10, 20))]
    other = _rec("interleaved", "unmatched", 100, 30, 2.9, {"sblimp": _s(0.9, 0.85, 0.95)})
    sp.append(_rec("speech", "multi", 100, 30, 2.0, {"sblimp": _s(0.1, 0.05, 0.15)}, epochs=4.0))  # no twin
    out = F.interleaved_beats_textless(sp + il + [other], tasks=("sblimp",))
    assert out["reproduced"] is True
    per = out["evidence"]["per_task"]["sblimp"]
    assert per["n_pairs"] == 2 and per["difference"] == pytest.approx(0.2)
    worse = [_rec("interleaved", f"i{i}", 100, d, 2.9, {"sblimp": _s(0.52, 0.47, 0.57)}) for i, d in enumerate((10, 20))]
    assert F.interleaved_beats_textless(sp + worse, tasks=("sblimp",))["reproduced"] is False
    assert F.interleaved_beats_textless(sp)["reproduced"] is False  # no interleaved runs


def test_all_findings_has_the_seven_keys_with_the_schema():
    out = F.all_findings({"laws": {}}, [], {})
    assert tuple(out) == F.KEYS
    for v in out.values():
        assert set(v) == {"reproduced", "evidence", "note"} and v["reproduced"] is False and v["note"]
