"""The "interleaved" dataset builder: windows per epoch, resampling, token counts, test split."""

import dataclasses

import numpy as np
import pytest

from hf_slm import modes
from hf_slm.errors import ConfigError
from hf_slm.interleave.data import build_interleaved_dataset, mix_from_args
from hf_slm.interleave.init import extend_tokenizer
from hf_slm.training.budget import plan_budget
from hf_slm.units.dataset import load_unit_dataset
from tests.helpers.interleave_fixtures import text_tokenizer, write_aligned_dataset

K = 24


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    folder = write_aligned_dataset(tmp_path_factory.mktemp("aligned") / "units", K)
    src = load_unit_dataset(folder)
    tok = text_tokenizer("qwen")
    extend_tokenizer(tok, K)
    return dataclasses.replace(src, tokenizer=tok)


def test_epochs_are_resampled_counted_and_deterministic(source):
    from hf_slm.interleave.layout import layout_from_tokenizer

    layout = layout_from_tokenizer(source.tokenizer)
    budget = plan_budget(10_000, context=64, global_batch=4, tokens=2 * 4 * 64 * 10, epochs=2.0)
    data = build_interleaved_dataset(source, budget, seed=3)
    assert len(data.train) == budget.total_windows
    windows = np.stack([data.train[i]["input_ids"].numpy() for i in range(len(data.train))])
    assert windows.shape == (budget.total_windows, 64)
    # epoch 1 re-renders the pool: its windows are not a permutation of epoch 0's
    pool = data.train.windows
    e0, e1 = {w.tobytes() for w in pool[:budget.pool_windows]}, {w.tobytes() for w in pool[budget.pool_windows:]}
    assert e0 != e1
    tpm = data.tokens_per_modality
    assert sum(tpm.values()) == budget.tokens and tpm["speech"] > 0 and tpm["text"] > 0 and tpm["marker"] > 0
    assert tpm["speech"] == int(np.count_nonzero(windows >= layout.unit_offset) - np.count_nonzero(
        windows >= layout.speech_id))
    info = data.record_extra["interleave"]
    assert 0.1 < info["realised_speech_word_fraction"] < 0.5 and info["epochs_rendered"] == 2
    assert set(info["docs_per_stream"]) == {"text", "interleaved", "speech"}
    test = data.test.windows
    assert data.test_pad_tokens == int(np.count_nonzero(test == layout.pad_id))
    assert not np.any(windows == layout.pad_id)  # training windows are full: pad is never a target
    again = build_interleaved_dataset(source, budget, seed=3)
    assert np.array_equal(again.train.windows, pool) and np.array_equal(again.train.order, data.train.order)


def test_the_mode_builds_it_and_refuses_a_unit_tokenizer(source, tmp_path):
    from hf_slm.training.arguments import DataArguments

    build = modes.get("interleaved").build_data
    budget = plan_budget(10_000, context=64, global_batch=4, tokens=2 * 4 * 64 * 10, epochs=2.0)
    args = DataArguments(mix_text=0.0, mix_interleaved=1.0, mix_speech=0.0, interleave_method="word")
    by_mode = build(source, budget, 3, args)
    direct = build_interleaved_dataset(source, budget, seed=3, mix=mix_from_args(args, 3))
    assert np.array_equal(by_mode.train.windows, direct.train.windows)
    assert by_mode.record_extra["interleave"]["docs_per_stream"].keys() == {"interleaved"}  # the flags reached it
    unit_source = load_unit_dataset(write_aligned_dataset(tmp_path / "u", K, n_train=10, n_test=2))
    budget = plan_budget(10_000, context=32, global_batch=2, tokens=64)
    with pytest.raises(ConfigError, match="base-model"):
        build(unit_source, budget, 0, DataArguments())
    too_much = plan_budget(10_000, context=64, global_batch=4, tokens=10_000_000)
    with pytest.raises(ConfigError):
        build_interleaved_dataset(source, too_much, seed=0)


def _model_args(**kw):
    from types import SimpleNamespace

    return SimpleNamespace(**{"scale": None, "context": 64, "global_batch": 4, "attn_implementation": "sdpa",
                              "base_model": None, **kw})


def setup_from_text_lm(mode, model_args, source, seed):
    return modes.get(mode).setup_model(model_args, source, seed)


def test_model_setup_interleaved_twist_and_errors(source, tmp_path):
    from hf_slm.units import vocab
    from tests.helpers.interleave_fixtures import save_text_lm

    base = save_text_lm(tmp_path / "base", "llama")
    units_only = dataclasses.replace(source, tokenizer=load_unit_dataset(source.path).tokenizer)
    inter = setup_from_text_lm("interleaved", _model_args(base_model=str(base)), units_only, seed=0)
    assert inter.base_model == str(base) and inter.record["init"] == "interleaved"
    assert inter.record["interleave_layout"]["k"] == K and inter.config.vocab_size == len(inter.tokenizer)
    assert inter.counts.n_params == inter.record["base_model_n_params"]
    assert inter.scale.layers == 2 and inter.scale.batch_sequences == 4
    twist = setup_from_text_lm("speech", _model_args(base_model=str(base)), units_only, seed=0)
    assert twist.record["init"] == "twist" and twist.config.vocab_size == vocab.vocab_size(K)
    assert twist.tokenizer is units_only.tokenizer
    assert setup_from_text_lm("speech", _model_args(), units_only, seed=0) is None  # random init by scale
    for mode, kw, field in [("interleaved", {}, "--base-model"),
                            ("interleaved", {"base_model": str(base), "scale": "tiny-50k"}, "--scale"),
                            ("interleaved", {"base_model": str(base), "global_batch": None}, "--global_batch"),
                            ("text", {"base_model": str(base)}, "--base-model")]:
        with pytest.raises(ConfigError, match=field):
            setup_from_text_lm(mode, _model_args(**kw), units_only, seed=0)
