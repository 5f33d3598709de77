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


def test_cross_modal_evaluation_of_the_run(trained):
    from hf_slm.interleave.eval import evaluate_interleaved_run
    from hf_slm.scoring.benchmark import EvalOptions
    from hf_slm.synth.schema import write_benchmark

    root, _, out = trained
    write_benchmark(root / "bench" / "ssc", cloze_questions(K))
    record = evaluate_interleaved_run(out, root / "bench", EvalOptions(n_boot=20, device="cpu"))
    assert {"ssc", "ssc_t2s", "ssc_s2t", "ssc_t", "ssc_t_base"} <= set(record.scores)
    saved = json.loads((out / "run.json").read_text())
    assert all(0.0 <= saved["scores"][k]["value"] <= 1.0 for k in record.scores)
