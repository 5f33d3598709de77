"""The evaluate modules load offline from their folders and agree with hf_slm's arithmetic."""

import os

import evaluate
import pytest
import torch

from hf_slm.scoring.benchmark import EvalOptions, score_pairs
from hf_slm.scoring.lm import load_lm
from hf_slm.scoring.metric_module import scores_from_model
from hf_slm.scoring.metrics import pair_metrics
from hf_slm.scoring.protocol import PROTOCOLS
from tests.conftest import REPO
from tests.helpers.scoring import K, save_checkpoint

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


PROMPTS = [[1, 2, 3, 4], [5, 6, 7]]
POS, NEG = [[8, 9], [1, 1, 2]], [[9, 8], [3]]
EOS, BOS = K, K + 2  # hf_slm.units.vocab: unit k is id k, then eos, pad, bos


def by_hand(model, start, prompt, ending, terminal, whole, reduction):
    """Minus the NLL of the scored tokens, read off the model's log-probs of one full sequence."""
    seq = [start] + prompt + ending + ([EOS] if terminal else [])
    with torch.no_grad():
        logp = model(torch.tensor([seq])).logits.log_softmax(-1)[0]
    first = 1 if whole else 1 + len(prompt)  # whole story: every token after the start token
    lps = [float(logp[i - 1, seq[i]]) for i in range(first, len(seq))]
    return sum(lps) / len(lps) if reduction == "mean" else sum(lps)


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    return save_checkpoint(tmp_path_factory.mktemp("ckpt"), record=False)


@pytest.mark.parametrize("protocol,overrides", [("cm2024", {}), ("sims", {}), ("zerospeech", {}),
                                                ("cm2024", {"cloze_span": "ending"}),
                                                ("cm2024", {"convention": "sum"}),
                                                ("zerospeech", {"prefix": "eos"})])
def test_model_id_scores_candidates_as_the_protocol_says(ckpt, protocol, overrides):
    """Start token, terminal EOS, whole story or ending, mean or sum: checked token by token."""
    p = PROTOCOLS[protocol]
    start = {"bos": BOS, "eos": EOS, "auto": EOS}[overrides.get("prefix", p.start)]  # auto: a unit LM's EOS
    whole = overrides.get("cloze_span", p.cloze) == "whole"
    reduction = overrides.get("convention", p.reduction)
    got_pos, got_neg = scores_from_model(str(ckpt), POS, NEG, PROMPTS, protocol=protocol, **overrides)
    model = load_lm(ckpt).model
    for got, endings in ((got_pos, POS), (got_neg, NEG)):
        want = [by_hand(model, start, pr, e, p.terminal, whole, reduction) for pr, e in zip(PROMPTS, endings)]
        assert got == pytest.approx(want, abs=1e-5)


def test_model_id_figures_follow_the_protocol(ckpt):
    for protocol in PROTOCOLS:
        r = load("spoken_cloze", "sSC").compute(model_id=str(ckpt), prompts=PROMPTS, positive=POS,
                                               negative=NEG, protocol=protocol, n_boot=20)
        pos, neg = scores_from_model(str(ckpt), POS, NEG, PROMPTS, protocol=protocol)
        figures = load("spoken_cloze", "sSC").compute(positive_scores=pos, negative_scores=neg,
                                                      protocol=protocol, n_boot=20)
        assert r["protocol"] == protocol and r == figures


def test_protocol_and_model_arguments_are_checked():
    m = load("sblimp")
    with pytest.raises(ValueError, match="cm2024, sims, zerospeech"):
        m.compute(positive_scores=[-1.0], negative_scores=[-2.0], protocol="lm_eval")
    with pytest.raises(ValueError, match="model_id"):  # ignoring it would misreport the scores
        m.compute(positive_scores=[-1.0], negative_scores=[-2.0], convention="sum")
    with pytest.raises(ValueError, match="cm2024, sims, zerospeech"):  # before any model is loaded
        m.compute(model_id="no/such-model", positive=[[1]], negative=[[2]], protocol="nope")
