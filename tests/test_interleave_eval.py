"""Cross-modal StoryCloze on hand-made questions: exact request ids, and scoring a model that knows."""

import numpy as np
import pytest
import torch

from hf_slm.interleave.eval import MODALITIES, cross_modal_groups, evaluate_cross_modal, text_reference
from hf_slm.interleave.init import extend_text_lm
from hf_slm.scoring.benchmark import EvalOptions
from hf_slm.scoring.lm import LoadedLM, prefix_ids
from hf_slm.synth.schema import write_benchmark
from tests.helpers.interleave_fixtures import STORIES, cloze_questions, save_text_lm, text_tokenizer, tiny_model

K = 16


def columns(rows):
    return {k: [r[k] for r in rows] for k in rows[0]}


def test_request_ids_follow_the_marker_convention():
    tok = text_tokenizer("llama")
    layout = extend_text_lm(tiny_model(len(tok)), tok, K)
    row = cloze_questions(K)[:1]
    enc = lambda s: list(tok(s, add_special_tokens=False)["input_ids"])  # noqa: E731
    P = prefix_ids(tok)
    assert P == [tok.bos_token_id]
    sp, tx, r = layout.speech_id, layout.text_id, row[0]
    units = layout.unit_ids
    expected = {
        "S": (P + [sp] + units(r["prompt"]), units(r["positive"])),
        "T2S": (P + enc(r["prompt_text"]) + [sp], units(r["positive"])),
        "S2T": (P + [sp] + units(r["prompt"]) + [tx], enc(" " + r["positive_text"])),
        "T": (P + enc(r["prompt_text"]), enc(" " + r["positive_text"])),
    }
    for modality, (ctx, pos) in expected.items():
        (got_ctx, (got_pos, got_neg)), = cross_modal_groups(columns(row), modality, tok, layout, P)
        assert (list(got_ctx), list(got_pos)) == (ctx, pos), modality
        assert got_neg != got_pos
    # the mid-sentence form: " then" is one token here, "then" at document start is not the same ids
    assert enc(" " + r["positive_text"])[0] != enc(r["positive_text"])[0]


def _overfit(model, groups, steps=120):
    """Teach the model each question's positive ending after its context (all modalities)."""
    seqs = [list(ctx) + list(ends[0]) for ctx, ends in groups]
    width = max(map(len, seqs))
    ids = torch.zeros(len(seqs), width, dtype=torch.long)
    labels = torch.full_like(ids, -100)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        labels[i, :len(s)] = torch.tensor(s)
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        model(input_ids=ids, labels=labels).loss.backward()
        opt.step()
    model.eval()


def test_cross_modal_scores_on_a_model_that_knows_the_endings(tmp_path):
    tok = text_tokenizer("qwen")
    model = tiny_model(len(tok), "qwen")
    layout = extend_text_lm(model, tok, K)
    rows = cloze_questions(K)
    write_benchmark(tmp_path / "bench" / "ssc", rows)
    swapped = [dict(r, positive=r["negative"], negative=r["positive"], positive_text=r["negative_text"],
                    negative_text=r["positive_text"]) for r in rows]
    write_benchmark(tmp_path / "bench_swapped" / "ssc", swapped)
    P = prefix_ids(tok)
    groups = [g for m in MODALITIES for g in cross_modal_groups(columns(rows), m, tok, layout, P)]
    _overfit(model, groups)
    lm = LoadedLM(model=model, tokenizer=tok, device=torch.device("cpu"))
    opts = EvalOptions(n_boot=50, batch_size=4)
    scores = evaluate_cross_modal(lm, tmp_path / "bench", opts)
    assert set(scores) == {"ssc", "ssc_t2s", "ssc_s2t", "ssc_t"}
    for key, entry in scores.items():
        assert entry["value"] == 1.0 and entry["n"] == len(rows), key
    worse = evaluate_cross_modal(lm, tmp_path / "bench_swapped", opts)
    assert all(e["value"] == 0.0 for e in worse.values())
    # shared-prompt and per-request scoring agree (the same numbers either way)
    flat = evaluate_cross_modal(lm, tmp_path / "bench", EvalOptions(n_boot=50, share_prompt=False,
                                                                    convention="sum"))
    shared = evaluate_cross_modal(lm, tmp_path / "bench", EvalOptions(n_boot=50, convention="sum"))
    assert {k: v["value"] for k, v in flat.items()} == {k: v["value"] for k, v in shared.items()}


def test_text_reference_of_the_base_lm(tmp_path):
    save_text_lm(tmp_path / "lm", "llama")
    write_benchmark(tmp_path / "bench" / "ssc", cloze_questions(K))
    write_benchmark(tmp_path / "bench" / "sblimp", cloze_questions(K, "sblimp"))
    ref = text_reference(tmp_path / "lm", tmp_path / "bench", EvalOptions(n_boot=20, device="cpu"))
    assert list(ref) == ["ssc_t_base"]  # speech modalities and pair tasks need units: not for a text LM
    assert ref["ssc_t_base"]["n"] == len(STORIES) and 0.0 <= ref["ssc_t_base"]["value"] <= 1.0
    assert ref["ssc_t_base"]["modality"] == "T"


@pytest.mark.parametrize("modality", ["S", "T2S"])
def test_speech_modalities_need_an_interleaved_tokenizer(modality):
    from hf_slm.errors import ConfigError

    tok = text_tokenizer("llama")
    with pytest.raises(ConfigError):
        cross_modal_groups(columns(cloze_questions(K)), modality, tok, None, [])


def test_speech_heldout_loss_scores_units_after_the_marker():
    from datasets import Dataset

    from hf_slm.interleave.eval import speech_heldout_loss

    tok = text_tokenizer("llama")
    model = tiny_model(len(tok))
    layout = extend_text_lm(model, tok, K)
    docs = [[1, 5, 5, 9, 2], [0, 15, 3]]
    got = speech_heldout_loss(LoadedLM(model=model, tokenizer=tok, device=torch.device("cpu")),
                              Dataset.from_dict({"units": docs + [[]]}), EvalOptions())
    total, n = 0.0, 0
    for units in docs:  # by hand: [bos, <speech>] then units + eos are the targets
        ids = torch.tensor([[tok.bos_token_id, layout.speech_id] + layout.unit_ids(units) + [layout.eos_id]])
        with torch.no_grad():
            logp = model(ids).logits.log_softmax(-1)[0, 1:-1]
        total -= float(logp.gather(1, ids[0, 2:, None]).sum())
        n += ids.shape[1] - 2
    assert got["n_docs"] == 2 and got["n_tokens"] == n
    assert abs(got["value"] - total / n) < 1e-4


def _by_hand(model, ctx, ending, first):
    """(summed NLL, count) of seq[first:] read off the model's log-probs of the one full sequence."""
    seq = list(ctx) + list(ending)
    with torch.no_grad():
        logp = model(torch.tensor([seq])).logits.log_softmax(-1)[0]
    return -sum(float(logp[i - 1, seq[i]]) for i in range(first, len(seq))), len(seq) - first


@pytest.fixture(scope="module")
def interleaved(tmp_path_factory):
    tok = text_tokenizer("qwen")
    model = tiny_model(len(tok), "qwen")
    layout = extend_text_lm(model, tok, K)
    bench = tmp_path_factory.mktemp("bench")
    write_benchmark(bench / "ssc", cloze_questions(K))
    return LoadedLM(model=model, tokenizer=tok, device=torch.device("cpu")), layout, bench


@pytest.mark.parametrize("protocol,span", [("cm2024", None), ("cm2024", "ending"), ("sims", None)])
def test_cross_modal_scores_follow_the_protocol(interleaved, monkeypatch, protocol, span):
    """The scores an interleaved run's figures are made of, one question by hand per modality:
    cm2024 scores the whole story (every token after P, markers included), `cloze_span="ending"`
    the ending alone, sims the whole story and the terminal EOS."""
    import hf_slm.interleave.eval as ie
    from hf_slm.interleave.eval import score_interleaved_run

    lm, layout, bench = interleaved
    seen = []  # the PairScores each figure is computed from, in the order of the keys

    def spy(task, ds, scores, options):
        seen.append(scores)
        return real(task, ds, scores, options)

    real = ie.task_metrics
    monkeypatch.setattr(ie, "task_metrics", spy)
    options = EvalOptions(protocol=protocol, cloze_span=span, n_boot=20, batch_size=4)
    scores = score_interleaved_run(lm, None, bench, options, reference=False)
    assert list(scores) == ["ssc", "ssc_t2s", "ssc_s2t", "ssc_t"]
    whole, eos = span != "ending", [lm.tokenizer.eos_token_id] if protocol == "sims" else []
    rows = columns(cloze_questions(K))
    P = prefix_ids(lm.tokenizer)
    for (key, entry), got, modality in zip(scores.items(), seen, MODALITIES):
        assert entry["protocol"]["cloze"] == ("whole" if whole else "ending") and entry["modality"] == modality
        (ctx, (pos, neg)), = cross_modal_groups({k: v[:1] for k, v in rows.items()}, modality, lm.tokenizer,
                                                layout, P)
        for score, ending in ((got.positive[0], pos), (got.negative[0], neg)):
            nll, n = _by_hand(lm.model, ctx, list(ending) + eos, 1 if whole else len(ctx))
            assert score.n == n and score.sum_nll == pytest.approx(nll, abs=1e-4), key


def test_whole_story_and_ending_scores_differ(interleaved):
    """The cross-modal figures are no longer ending-only: the same question scores otherwise."""
    from hf_slm.scoring.benchmark import score_groups

    lm, layout, _ = interleaved
    rows = columns(cloze_questions(K))
    for modality in MODALITIES:
        groups = cross_modal_groups(rows, modality, lm.tokenizer, layout, prefix_ids(lm.tokenizer))
        whole = score_groups(lm, groups, EvalOptions())
        ending = score_groups(lm, groups, EvalOptions(cloze_span="ending"))
        for w, e, (ctx, _) in zip(whole.positive, ending.positive, groups):
            assert w.n == e.n + len(ctx) - 1 and w.sum_nll > e.sum_nll + 1.0, modality
        assert not np.allclose(whole.logliks("mean")[0], ending.logliks("mean")[0], rtol=0, atol=1e-3), modality


def test_speech_heldout_loss_follows_training_not_the_benchmark_protocol():
    """zerospeech starts benchmarks with BOS, which a Qwen-like tokenizer lacks: the held-out loss
    keeps training's start token (auto: EOS here) unless --prefix is given."""
    from datasets import Dataset

    from hf_slm.interleave.eval import speech_heldout_loss

    tok = text_tokenizer("qwen")
    model = tiny_model(len(tok), "qwen")
    layout = extend_text_lm(model, tok, K)
    lm = LoadedLM(model=model, tokenizer=tok, device=torch.device("cpu"))
    docs = Dataset.from_dict({"units": [[1, 5, 5, 9, 2], [0, 15, 3]]})
    for options, start in ((EvalOptions(protocol="zerospeech"), "auto"), (EvalOptions(prefix="eos"), "eos")):
        got = speech_heldout_loss(lm, docs, options)
        assert got["prefix"] == start
        total, n = 0.0, 0
        for units in docs["units"]:  # [eos, <speech>] then units + eos are the targets
            nll, count = _by_hand(model, [tok.eos_token_id, layout.speech_id], layout.unit_ids(units) + [layout.eos_id], 2)
            total, n = total + nll, n + count
        assert got["n_tokens"] == n and got["value"] == pytest.approx(total / n, abs=1e-4)
