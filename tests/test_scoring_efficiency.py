"""Identical requests scored once, over-length sequences truncated (counted) or refused, --dtype, splits."""

import pytest
import torch

import hf_slm.scoring.benchmark as benchmark
from hf_slm.errors import ConfigError
from hf_slm.scoring.benchmark import EvalOptions, score_pairs, truncate_left
from hf_slm.scoring.lm import LoadedLM, load_lm
from hf_slm.scoring.loglik import Request, score_requests
from hf_slm.units.tokenizer import build_unit_tokenizer
from tests.helpers.scoring import K, make_benchmarks, save_checkpoint, tiny_llama

EOS = K


@pytest.fixture()
def lm():
    return LoadedLM(model=tiny_llama(seed=4), tokenizer=build_unit_tokenizer(K), device=torch.device("cpu"))


def _count_requests(monkeypatch):
    """Requests reaching the batched scorer, whichever path (full sequences or shared prompt) sends them."""
    import hf_slm.scoring.loglik as loglik

    seen = []
    real = loglik.score_requests
    counting = lambda m, reqs, *a: seen.append(len(reqs)) or real(m, reqs, *a)  # noqa: E731
    monkeypatch.setattr(benchmark, "score_requests", counting)
    monkeypatch.setattr(loglik, "score_requests", counting)
    return seen


def test_identical_requests_are_scored_once(lm, monkeypatch):
    seen = _count_requests(monkeypatch)
    pos, neg = [[1, 2, 3], [4, 5]], [[6, 7], [8, 9, 9]]
    once = score_pairs(lm, [[], []], pos, neg)
    twice = score_pairs(lm, [[]] * 4, pos * 2, neg * 2)  # the same pairs in a second voice
    assert seen == [4, 4]  # 8 candidates, 4 distinct
    seen.clear()
    score_pairs(lm, [[]] * 4, pos * 2, neg * 2, EvalOptions(share_prompt=False))
    assert seen == [4]
    assert [s.sum_nll for s in twice.positive] == [s.sum_nll for s in once.positive] * 2
    assert [s.sum_nll for s in twice.negative] == [s.sum_nll for s in once.negative] * 2


def test_truncate_left_keeps_the_end():
    r = truncate_left(Request((EOS, 1, 2, 3), (4, 5)), limit=4)
    assert r == Request((1, 2, 3), (4, 5))  # 5 tokens kept: an input of 4 positions
    assert truncate_left(Request((EOS,), (1, 2, 3, 4, 5, 6)), limit=3) == Request((3,), (4, 5, 6))
    short = Request((EOS, 1), (2,))
    assert truncate_left(short, limit=8) is short


def test_overlength_is_truncated_and_counted_or_refused(lm, capsys):
    lm.model.config.max_position_embeddings = 6
    prompt, pos, neg = [1, 2, 3, 4, 5, 6, 7], [8, 9], [10, 11, 12]
    # the prompt is cut once, for the longer ending (3 tokens + 4 of context = 6 input positions), so both
    # endings are scored after the same window (cut apart, the shorter would keep one prompt token more)
    context = tuple(([EOS] + prompt)[-4:])
    for span in ("ending", "whole"):
        s = score_pairs(lm, [prompt], [pos], [neg], EvalOptions(cloze_span=span))
        assert s.truncated == 2
        for cand, got in zip((pos, neg), (s.positive[0], s.negative[0])):
            req = Request(context, tuple(cand)) if span == "ending" else Request((), context + tuple(cand))
            want = score_requests(lm.model, [req], pad_id=K + 1)[0]
            assert got.n == want.n and got.sum_nll == pytest.approx(want.sum_nll, abs=1e-5)
        assert s.positive[0].n == (2 if span == "ending" else 5) and s.negative[0].n == (3 if span == "ending" else 6)
    with pytest.raises(ConfigError, match="exceed the model's 6 positions"):
        score_pairs(lm, [prompt], [pos], [neg], EvalOptions(overlength="refuse"))
    short = score_pairs(lm, [[]], [[1, 2]], [[3]], EvalOptions(overlength="refuse"))
    assert short.truncated == 0


def test_truncation_is_reported_in_the_entry(tmp_path, capsys):
    from hf_slm.scoring.benchmark import evaluate_checkpoint

    bench = make_benchmarks(tmp_path / "bench")
    ckpt = save_checkpoint(tmp_path / "m", record=False)
    lm = load_lm(ckpt, device="cpu")
    lm.model.config.max_position_embeddings = 8
    entry = evaluate_checkpoint(None, bench, EvalOptions(n_boot=10), tasks=["ssc"], lm=lm)["ssc"]
    assert entry["truncated"] > 0
    assert f"ssc: {entry['truncated']} sequences exceed" in capsys.readouterr().err


def test_dtype_option(tmp_path):
    ckpt = save_checkpoint(tmp_path / "m", record=False)
    assert load_lm(ckpt, device="cpu", dtype="bfloat16").model.dtype == torch.bfloat16
    with pytest.raises(ConfigError, match="--dtype"):
        EvalOptions(dtype="float8").validate()


def test_the_protocol_split_is_chosen(tmp_path):
    """A task folder with dev and test shards: cm2024 scores dev; one split is used whatever it is."""
    from hf_slm.dataset_format import write_shard
    from hf_slm.dataset_format.benchmark import benchmark_features, load_benchmark
    from hf_slm.scoring.benchmark import load_task
    from hf_slm.scoring.protocol import PROTOCOLS

    bench = make_benchmarks(tmp_path / "bench")
    rows = load_benchmark(bench / "sblimp").to_list()
    write_shard(bench / "sblimp", "dev", 0, 1, rows[:4], benchmark_features())
    ds, split = load_task(bench / "sblimp", PROTOCOLS["cm2024"])
    assert split == "dev" and len(ds) == 4
    with pytest.raises(ConfigError, match="--protocol"):
        load_task(bench / "sblimp", PROTOCOLS["sims"])  # "the folder given": two splits are ambiguous
    assert load_task(bench / "ssc", PROTOCOLS["cm2024"])[1] == "test"
