"""The evaluate modules load offline from their folders and agree with hf_slm's arithmetic."""

import os

import evaluate
import pytest

from hf_slm.scoring.benchmark import EvalOptions, score_pairs
from hf_slm.scoring.lm import load_lm
from hf_slm.scoring.metrics import pair_metrics
from tests.conftest import REPO
from tests.helpers.scoring import save_checkpoint

METRICS = REPO / "evaluation" / "metrics"


def load(name, config=None):
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    return evaluate.load(str(METRICS / name), config)


def test_sblimp_from_scores():
    pos, neg = [0.0, 0.0, 0.0, -5.0], [-1.0, -1.0, -1.0, 0.0]
    groups = ["a", "a", "a", "b"]
    r = load("sblimp").compute(positive_scores=pos, negative_scores=neg, groups=groups, n_boot=100)
    assert r["headline"] == "macro_accuracy" and r["score"] == pytest.approx(0.5)
    assert r["accuracy"] == pytest.approx(0.75)
    expected = pair_metrics(pos, neg, groups=groups, n_boot=100)
    assert r["macro_accuracy_ci"] == expected["macro_accuracy_ci"]


def test_spoken_cloze_configs():
    for config in ("sSC", "tSC"):
        r = load("spoken_cloze", config).compute(positive_scores=[-1.0, -1.0], negative_scores=[-2.0, -1.0])
        assert r["task"] == config and r["accuracy"] == pytest.approx(0.75)
    multi = load("spoken_cloze", "sSC_multispeaker")
    with pytest.raises(ValueError, match="voices"):
        multi.compute(positive_scores=[-1.0, -1.0], negative_scores=[-2.0, -0.5])
    r = multi.compute(positive_scores=[-1.0, -1.0], negative_scores=[-2.0, -0.5],
                      voices=["v1", "v2"], items=["s", "s"])
    assert r["accuracy"] == 0.5 and r["voice_accuracy"] == 0.0
    with pytest.raises(KeyError):
        load("spoken_cloze", "nope")


def test_swuggy_incremental_batches():
    m = load("swuggy")
    m.add_batch(positive_scores=[-1.0], negative_scores=[-2.0])
    m.add_batch(positive_scores=[-4.0], negative_scores=[-3.0])
    assert m.compute(n_boot=50)["accuracy"] == 0.5


def test_model_id_mode_matches_the_scorer(tmp_path):
    ckpt = save_checkpoint(tmp_path / "ckpt", record=False)
    prompts = [[1, 2, 3, 4], [5, 6, 7]]
    pos, neg = [[8, 9], [1, 1, 2]], [[9, 8], [3]]
    r = load("spoken_cloze", "sSC").compute(model_id=str(ckpt), prompts=prompts, positive=pos,
                                           negative=neg, n_boot=20)
    lp, ln = score_pairs(load_lm(ckpt), prompts, pos, neg, EvalOptions()).logliks("mean")
    assert r["accuracy"] == pair_metrics(lp, ln, n_boot=20)["accuracy"]
    assert r["n"] == 2
