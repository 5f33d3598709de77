"""`training/train.py --mode interleaved --base-model DIR` trains a few CPU steps from a tiny text LM."""

import json
import os
import subprocess
import sys

import pytest
import torch

from tests.conftest import REPO
from tests.helpers.interleave_fixtures import cloze_questions, save_text_lm, text_tokenizer, write_aligned_dataset

K = 24


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("interleaved")
    data = write_aligned_dataset(root / "units", K, n_train=120, n_test=12)
    base = save_text_lm(root / "base", "qwen")
    out = root / "run"
    cmd = [sys.executable, str(REPO / "training" / "train.py"), "--mode", "interleaved", "--base-model", str(base),
           "--dataset", str(data), "--context", "64", "--global_batch", "4", "--budget_tokens", str(4 * 64 * 4),
           "--epochs", "2", "--min_warmup_steps", "0", "--curve_points", "2", "--checkpoints", "1",
           "--output_dir", str(out), "--disable_tqdm", "true", "--use_cpu", "true"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, base, out


def test_run_record_says_mode_base_model_and_tokens_per_modality(trained):
    root, base, out = trained
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "completed" and run["mode"] == "interleaved" and run["base_model"] == str(base)
    tpm = run["tokens_per_modality"]
    assert set(tpm) == {"text", "speech", "marker"} and sum(tpm.values()) == run["tokens_seen"] == 4 * 64 * 4
    assert tpm["speech"] > 0 and tpm["text"] > 0
    assert run["n_params"] == run["base_model_n_params"] > 0  # non-embedding N: unchanged by extension
    assert run["n_params_total"] > run["base_model_params_total"] and run["init"] == "interleaved"
    info = run["interleave"]
    assert 0.0 < info["realised_speech_word_fraction"] < 1.0 and info["epochs_rendered"] == 2
    assert run["final_test_loss"] is not None


def test_checkpoint_keeps_text_ids_and_reopens_as_interleaved(trained):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from hf_slm.interleave.layout import layout_from_tokenizer

    _, base, out = trained
    tok = AutoTokenizer.from_pretrained(out)
    layout = layout_from_tokenizer(tok)
    text = "the cat sat on a tree"
    assert tok(text)["input_ids"] == text_tokenizer("qwen")(text)["input_ids"]
    assert layout.k == K and layout.pad_id != layout.eos_id
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.get_input_embeddings().weight.shape[0] >= len(tok)
    base_model = AutoModelForCausalLM.from_pretrained(base)
    moved = model.model.layers[0].mlp.up_proj.weight - base_model.model.layers[0].mlp.up_proj.weight
    assert torch.count_nonzero(moved) > 0  # training updated the text LM's transformer


def test_hf_slm_eval_scores_the_run_in_every_modality(trained):
    """evaluate_run asks the run's mode: the interleaved one scores with hf_slm.interleave.eval."""
    from hf_slm.modes import evaluate_run
    from hf_slm.scoring.benchmark import EvalOptions
    from hf_slm.synth.schema import write_benchmark

    root, _, out = trained
    write_benchmark(root / "bench" / "ssc", cloze_questions(K))
    record = evaluate_run(out, root / "bench", options=EvalOptions(n_boot=20, device="cpu"))
    assert {"ssc", "ssc_t2s", "ssc_s2t", "ssc_t", "ssc_t_base"} == set(record.scores)
    saved = json.loads((out / "run.json").read_text())
    assert all(0.0 <= saved["scores"][k]["value"] <= 1.0 for k in record.scores)
    held = saved["eval_test_loss"]
    assert held["modality"] == "S" and 0.0 < held["value"] < 10.0 and held["n_docs"] == 12


def test_twist_run_from_the_same_text_lm(trained):
    """`--mode speech --base-model DIR`: the text LM's transformer with the data's unit vocabulary."""
    from transformers import AutoModelForCausalLM

    from hf_slm.training import run_training
    from hf_slm.units import vocab

    root, base, _ = trained
    out = root / "twist"
    record = run_training(mode="speech", base_model=str(base), dataset=str(root / "units"), context=64,
                          global_batch=4, budget_tokens=4 * 64 * 2, min_warmup_steps=0, curve_points=1,
                          checkpoints=1, output_dir=str(out), disable_tqdm=True, use_cpu=True)
    assert record.status == "completed" and record.base_model == str(base) and record.extra["init"] == "twist"
    assert record.vocab_size == vocab.vocab_size(K) and record.tokens_per_modality == {"speech": 4 * 64 * 2}
    model = AutoModelForCausalLM.from_pretrained(out)
    assert model.get_input_embeddings().weight.shape[0] == vocab.vocab_size(K)


def test_mixture_flags_reach_the_data_and_bad_ones_stop_early(trained, tmp_path):
    from hf_slm.errors import ConfigError
    from hf_slm.training import run_training

    root, base, _ = trained
    common = dict(mode="interleaved", base_model=str(base), dataset=str(root / "units"), context=64, global_batch=4,
                  budget_tokens=4 * 64, min_warmup_steps=0, curve_points=1, checkpoints=1, disable_tqdm=True,
                  use_cpu=True)
    record = run_training(output_dir=str(tmp_path / "all"), mix_text=0.0, mix_interleaved=1.0, mix_speech=0.0,
                          interleave_method="word", speech_fraction=0.5, **common)
    info = record.extra["interleave"]
    assert info["method"] == "word" and set(info["docs_per_stream"]) == {"interleaved"}
    assert abs(info["realised_speech_word_fraction"] - 0.5) < 0.1
    with pytest.raises(ConfigError, match="interleave-method"):
        run_training(output_dir=str(tmp_path / "bad"), interleave_method="sentence", **common)
    assert not (tmp_path / "bad").exists()
