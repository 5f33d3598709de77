"""The peers' scoring protocols: each one's numbers against a hand computation, and where they live."""

import math

import numpy as np
import pytest
import torch

from hf_slm.scoring.aggregate import headline_figure, protocol_outcomes
from hf_slm.scoring.benchmark import EvalOptions, score_pairs
from hf_slm.scoring.lm import LoadedLM
from hf_slm.scoring.protocol import PROTOCOLS, get_protocol
from hf_slm.units.tokenizer import build_unit_tokenizer
from tests.helpers.scoring import K, tiny_llama

EOS, BOS = K, K + 2  # hf_slm.units.vocab: eos = K, pad = K + 1, bos = K + 2


@pytest.fixture(scope="module")
def lm():
    return LoadedLM(model=tiny_llama(seed=3), tokenizer=build_unit_tokenizer(K), device=torch.device("cpu"))


def _logp(model, ids):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    return logits - torch.logsumexp(logits, dim=-1, keepdim=True)


def hand_score(model, start, units, terminal, reduction):
    """-NLL of `units` (+ EOS when terminal) after `start`, summed or averaged by hand."""
    ids = [start] + list(units) + ([EOS] if terminal else [])
    logp = _logp(model, ids)
    lps = [float(logp[i - 1, ids[i]]) for i in range(1, len(ids))]
    return sum(lps) if reduction == "sum" else sum(lps) / len(lps)


def test_the_protocol_table():
    cm, sims, zs = PROTOCOLS["cm2024"], PROTOCOLS["sims"], PROTOCOLS["zerospeech"]
    assert (cm.reduction, cm.start, cm.terminal, cm.cloze, cm.voices, cm.groups) == (
        "mean", "auto", False, "whole", "average", "macro")
    assert (cm.pair_tie, cm.cloze_tie, cm.split) == (0.5, 0.0, "dev")
    assert (sims.reduction, sims.terminal, sims.voices, sims.groups, sims.cloze_tie) == (
        "mean", True, "each", "micro", 0.5)
    assert (zs.reduction, zs.start, zs.terminal, zs.voices, zs.groups) == ("sum", "bos", True, "average", "micro")
    assert EvalOptions().protocol == "cm2024"
    with pytest.raises(ValueError, match="lmeval"):
        get_protocol("lmeval")
    from hf_slm.errors import ConfigError
    for bad in ({"protocol": "lmeval"}, {"convention": "median"}, {"prefix": "cls"}, {"cloze_span": "half"}):
        with pytest.raises(ConfigError):
            EvalOptions(**bad).validate()


@pytest.mark.parametrize("name", ["cm2024", "sims", "zerospeech"])
def test_one_pair_under_each_protocol_equals_a_hand_sum(lm, name):
    p = PROTOCOLS[name]
    pos, neg = [3, 7, 7, 1, 12], [3, 7, 1]
    scores = score_pairs(lm, [[]], [pos], [neg], EvalOptions(protocol=name))
    got_pos, got_neg = scores.logliks(p.reduction)
    start = BOS if p.start == "bos" else EOS  # auto = EOS for the unit tokenizer (training's separator)
    assert got_pos[0] == pytest.approx(hand_score(lm.model, start, pos, p.terminal, p.reduction), abs=1e-5)
    assert got_neg[0] == pytest.approx(hand_score(lm.model, start, neg, p.terminal, p.reduction), abs=1e-5)
    n = len(pos) + (1 if p.terminal else 0)
    assert scores.positive[0].n == n


@pytest.mark.parametrize("share", [True, False])
def test_whole_story_cloze_scores_prompt_and_ending(lm, share):
    prompt, endings = [5, 6, 2, 9, 9, 4], ([1, 2, 3], [8, 8])
    for span in ("whole", "ending"):
        s = score_pairs(lm, [prompt], [endings[0]], [endings[1]],
                        EvalOptions(share_prompt=share, cloze_span=span))
        for ending, got in zip(endings, (s.positive[0], s.negative[0])):
            ids = [EOS] + prompt + ending
            logp = _logp(lm.model, ids)
            first = 1 if span == "whole" else 1 + len(prompt)
            want = [-float(logp[i - 1, ids[i]]) for i in range(first, len(ids))]
            assert got.n == len(want) and got.sum_nll == pytest.approx(sum(want), abs=1e-4)


def test_aggregation_follows_the_protocol():
    """Two phenomena, items with 1 or 3 voicings: voice averaging and macro vs micro by hand."""
    # item a (group g1): 3 voicings, right, wrong, wrong; item b (g1): 1 voicing right; item c (g2): right
    pos = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    neg = np.array([0.0, 1.0, 1.0, 0.0, 0.0])
    groups, items = ["g1", "g1", "g1", "g1", "g2"], ["a", "a", "a", "b", "c"]
    figure = {}
    for name in PROTOCOLS:
        p = PROTOCOLS[name]
        out = protocol_outcomes(pos, neg, p, cloze=False)
        figure[name] = headline_figure(out, groups, items, p, n_boot=50, confidence=0.9, seed=0)
    # cm2024: a = 1/3, b = 1 → g1 = 2/3; g2 = 1 → macro 5/6
    assert figure["cm2024"]["value"] == pytest.approx(5 / 6) and figure["cm2024"]["metric"] == "macro_accuracy"
    # sims: every voicing counts: 3 of 5
    assert figure["sims"]["value"] == pytest.approx(3 / 5)
    # zerospeech: items averaged, then a plain mean over items: (1/3 + 1 + 1) / 3
    assert figure["zerospeech"]["value"] == pytest.approx(7 / 9) and figure["zerospeech"]["n_units"] == 3
    for f in figure.values():
        assert f["ci_low"] <= f["value"] <= f["ci_high"]


def test_cloze_ties_count_as_wrong_under_cm2024():
    pos, neg = np.array([-1.0, -2.0]), np.array([-1.0, -3.0])
    cm, sims = PROTOCOLS["cm2024"], PROTOCOLS["sims"]
    assert list(protocol_outcomes(pos, neg, cm, cloze=True)) == [0.0, 1.0]
    assert list(protocol_outcomes(pos, neg, cm, cloze=False)) == [0.5, 1.0]
    assert list(protocol_outcomes(pos, neg, sims, cloze=True)) == [0.5, 1.0]


def test_overrides_are_recorded_and_idempotent():
    opts = EvalOptions(protocol="cm2024", convention="sum").validate()
    rec = opts.scoring_protocol().as_record()
    assert rec["name"] == "cm2024" and rec["reduction"] == "sum" and rec["overrides"] == {"reduction": "sum"}
    assert opts.validate().scoring_protocol().as_record() == rec
    plain = EvalOptions(convention="mean").validate().scoring_protocol().as_record()
    assert plain["overrides"] == {}  # the protocol's own value is no override
    assert math.isclose(PROTOCOLS["cm2024"].pair_tie, 0.5)


def test_protocol_files_ship_without_hf_slm():
    """protocol.py and aggregate.py import only the standard library, numpy and their siblings, so the
    evaluate metric folders can ship them beside metrics.py."""
    import ast
    from pathlib import Path

    import hf_slm.scoring as scoring

    for name in ("protocol.py", "aggregate.py"):
        tree = ast.parse((Path(scoring.__file__).parent / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] in ("dataclasses", "numpy") for a in node.names), name
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module in ("__future__", "dataclasses"), (name, node.module)


def test_the_docs_page_shows_the_protocol_table():
    from pathlib import Path

    import hf_slm.scoring.protocol as protocol

    page = (Path(__file__).parents[1] / "docs" / "scoring_protocols.md").read_text()
    table = [line for line in protocol.__doc__.splitlines() if line.startswith("|")]
    assert len(table) >= 9 and all(line in page for line in table)


def _rows(task, groups, right):
    """A one-voice task: question i in group groups[i], answered right when right[i]."""
    n = len(groups)
    return {"id": [f"q{i}" for i in range(n)], "task": [task] * n, "group": list(groups), "voice": ["v"] * n,
            "prompt": [[1, 2]] * n, "positive": [[3]] * n, "negative": [[4]] * n,
            "prompt_text": [""] * n, "positive_text": [f"p{i}" for i in range(n)],
            "negative_text": [f"n{i}" for i in range(n)]}, right


@pytest.mark.parametrize("task, expect", [
    # 3 questions of plot "a" all right, 1 of plot "b" wrong: plain mean 3/4 for a cloze (C&M's
    # summarize), the mean over phenomena (1 + 0) / 2 for sBLIMP
    ("ssc", 0.75), ("tsc", 0.75), ("sblimp", 0.5), ("sblimp_official", 0.5)])
def test_cm2024_macro_averages_phenomena_only(task, expect):
    from hf_slm.scoring.benchmark import EvalOptions, PairScores, task_metrics
    from hf_slm.scoring.loglik import SeqScore

    ds, right = _rows(task, ["a", "a", "a", "b"], [True, True, True, False])
    scores = PairScores([SeqScore(1.0 if r else 3.0, 1) for r in right], [SeqScore(2.0, 1)] * len(right))
    entry = task_metrics(task, ds, scores, EvalOptions(protocol="cm2024", n_boot=20))
    assert entry["value"] == pytest.approx(expect)
