"""Modes are plugins: the registry, what the built-in modes say, and a toy mode defined here that
trains, evaluates and publishes through the library without any change to it."""

import dataclasses
import subprocess
import sys
from types import SimpleNamespace

import pytest

from hf_slm import modes
from hf_slm.errors import ConfigError
from hf_slm.runrecord import RunRecord
from tests.conftest import REPO


def test_unknown_mode_is_one_config_error_naming_the_known_ones():
    with pytest.raises(ConfigError) as e:
        modes.get("video")
    assert e.value.field == "--mode"
    assert str(e.value) == "--mode: 'video' is not a known mode; known: " + ", ".join(modes.names())
    assert {"speech", "text", "interleaved"} <= set(modes.names())


def test_train_py_with_an_unknown_mode_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "training" / "train.py"), "--mode", "video", "--dataset",
                           str(tmp_path / "none"), "--output_dir", str(tmp_path / "run")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "'video' is not a known mode; known: speech, text, interleaved" in lines[0]
    assert not (tmp_path / "run").exists()


def test_register_refuses_a_taken_name_and_non_modes():
    with pytest.raises(ValueError, match="already registered"):
        modes.register(modes.get("speech"))
    with pytest.raises(TypeError):
        modes.register({"name": "dict-mode"})


def test_cards_and_scoring_come_from_the_mode():
    from hf_slm.hub.model_index import eval_results_for

    speech, text = modes.get("speech"), modes.get("text")
    rec = RunRecord(name="r", scale="tiny-50k", vocab_size=23, scores={"ssc": {"value": 0.5}})
    assert speech.card.vocabulary(rec) == "23 tokens (20 units + `</s>`, `<pad>`, `<s>`)"
    assert "20 unigram pieces" in speech.card.vocabulary(dataclasses.replace(rec, tokenization="unigram"))
    assert [r.task_type for r in eval_results_for(rec)] == ["speech-language-modeling"]
    assert [r.task_type for r in eval_results_for(dataclasses.replace(rec, mode="text"))] == ["text-generation"]
    # "auto" means the mode's benchmark columns; an explicit choice is kept
    from hf_slm.scoring.benchmark import EvalOptions

    assert speech.scoring.options_for(EvalOptions()).modality == "units"
    assert text.scoring.options_for(EvalOptions()).modality == "text"
    assert text.scoring.options_for(EvalOptions(modality="units")).modality == "units"
    assert (speech.tokenization, text.tokenization) == ("units", "text")


@pytest.mark.parametrize("mode, words, tags, vocab", [
    ("speech", "speech language model over discrete speech units", ["discrete-units"],
     "23 tokens (20 units + `</s>`, `<pad>`, `<s>`)"),
    ("text", "text language model (the scaling study's text baseline) over text tokens", ["text-language-model"],
     "23 tokens (the dataset's text tokenizer)"),
    ("interleaved", "interleaved speech-text language model (SIMS)", ["interleaved-speech-text"],
     "23 tokens (the base text LM's first 10, 8 units from id 10, `<speech>` = 18, `<text>` = 19, pad = 20)"),
])
def test_model_card_says_what_the_mode_says(mode, words, tags, vocab):
    from hf_slm.hub.model_card import model_card

    layout = {"k": 8, "unit_offset": 10, "speech_id": 18, "text_id": 19, "pad_id": 20, "eos_id": 3}
    rec = RunRecord(name="r", scale="tiny-50k", mode=mode, vocab_size=23, extra={"interleave_layout": layout})
    card = model_card(rec, repo_id="acme/r")
    assert f"A **tiny-50k** {words}" in card.text and f"| Vocabulary | {vocab} |" in card.text
    assert set(tags) <= set(card.data.tags) and card.data.tags[-2:] == [f"mode-{mode}", "scale-tiny-50k"]
    assert ("speech-language-model" in card.data.tags) == (mode != "text")


def test_old_run_json_without_tokenization_still_loads(tmp_path):
    RunRecord(name="old", scale="tiny-50k").save(tmp_path)
    raw = (tmp_path / "run.json").read_text().replace('"tokenization": null,', "")
    assert "tokenization" not in raw
    (tmp_path / "run.json").write_text(raw)
    rec = RunRecord.load(tmp_path)
    assert rec.tokenization is None and "tokenization" not in rec.extra


# ---- a toy mode, defined and registered here --------------------------------------------------

REVERSED = "reversed-units"
DESCRIPTION = "toy language model over time-reversed speech units"


def _reversed_source(source):
    """The dataset with every sequence read back to front (the toy mode's whole idea)."""
    splits = type(source.splits)({name: split.map(lambda row: {"units": row["units"][::-1]})
                                  for name, split in source.splits.items()})
    return dataclasses.replace(source, splits=splits)


def _build_reversed(source, budget, seed, data_args):
    from hf_slm.data.lm import build_token_lm_dataset

    data = build_token_lm_dataset(_reversed_source(source), budget, seed, modality="reversed-speech",
                                  max_test_tokens=data_args.max_test_tokens)
    data.record_extra = {"reversed": True}
    return data


def _score_reversed(lm, record, bench_dir, options, tasks=None):
    """Each benchmark with its unit candidates reversed, under keys of the toy's own."""
    from hf_slm.scoring.benchmark import score_pairs, task_metrics
    from hf_slm.synth.schema import load_benchmark, task_folders

    out = {}
    for task, folder in task_folders(bench_dir).items():
        ds = load_benchmark(folder)
        back = [[list(u)[::-1] for u in ds[c]] for c in ("prompt", "positive", "negative")]
        entry = task_metrics(task, ds, score_pairs(lm, *back, options), options)
        out[f"{task}_reversed"] = entry
    return out


def _heldout_reversed(lm, split, options):
    from hf_slm.scoring.heldout import heldout_loss

    return heldout_loss(lm, split.map(lambda row: {"units": row["units"][::-1]}), options)


def _toy_mode():
    return modes.Mode(
        name=REVERSED, tokenization="units-reversed", build_data=_build_reversed,
        setup_model=lambda model_args, source, seed: None,
        scoring=modes.RunScoring(score=_score_reversed, heldout=_heldout_reversed, modality="units"),
        card=modes.CardText(description=DESCRIPTION, tags=("hf-slm", "toy-mode"), task_type="toy-modeling",
                            vocabulary=lambda r: f"{r.vocab_size} reversed-unit tokens"))


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    from hf_slm.training import run_training
    from tests.helpers import scoring as S
    from tests.helpers.unit_data import make_unit_dataset

    modes.register(_toy_mode())
    root = tmp_path_factory.mktemp("toy")
    data = make_unit_dataset(root / "units", k=S.K, n_train=80, n_test=6)
    bench = S.make_benchmarks(root / "bench")
    record = run_training(mode=REVERSED, scale="tiny-50k", dataset=str(data), output_dir=str(root / "runs" / "toy"),
                          context=64, budget_tokens=8 * 64 * 3, per_device_train_batch_size=8, global_batch=8,
                          min_warmup_steps=0, curve_points=1, checkpoints=1, disable_tqdm=True, use_cpu=True)
    yield root, data, bench, record
    modes.unregister(REVERSED)


def test_toy_mode_trains_on_what_its_builder_makes(toy):
    import numpy as np

    from hf_slm.data.lm import build_token_lm_dataset
    from hf_slm.training.budget import plan_budget
    from hf_slm.units.dataset import load_unit_dataset

    root, data, _, record = toy
    saved = RunRecord.load(root / "runs" / "toy")
    assert saved.status == "completed" and saved.mode == REVERSED
    assert saved.tokenization == "units"  # the dataset's meta.json says it; the mode's word is the fallback
    assert saved.tokens_per_modality == {"reversed-speech": saved.tokens_seen} and saved.extra["reversed"] is True
    # the windows it trained on are the reversed documents' (checked against the plain builder on the
    # plain documents: the same pool, each document read backwards between its EOS separators)
    source = load_unit_dataset(data)
    budget = plan_budget(saved.n_params, context=64, global_batch=8, tokens=saved.tokens_seen)
    plain = build_token_lm_dataset(source, budget, 0).train.windows.ravel()
    toy_windows = _build_reversed(source, budget, 0, SimpleNamespace(max_test_tokens=None)).train.windows.ravel()
    eos = source.tokenizer.eos_token_id
    cut = lambda w: [tuple(d) for d in np.split(w, np.flatnonzero(w == eos))]  # noqa: E731
    assert cut(plain)[1:-1] != cut(toy_windows)[1:-1]
    assert [d[:1] + d[1:][::-1] for d in cut(plain)[1:-1]] == cut(toy_windows)[1:-1]


def test_toy_mode_is_scored_and_published_the_way_it_says(toy):
    from huggingface_hub import ModelCard

    from hf_slm.hub.model_index import update_model_index
    from hf_slm.hub.publish import publish
    from hf_slm.scoring.benchmark import EvalOptions
    from tests.helpers.publish_inputs import make_laws

    root, data, bench, _ = toy
    run = root / "runs" / "toy"
    record = modes.evaluate_run(run, bench, options=EvalOptions(n_boot=20, device="cpu"),
                                on_saved=update_model_index)
    assert set(record.scores) == {"sblimp_reversed", "ssc_reversed", "swuggy_reversed"}
    assert all(0.0 <= s["value"] <= 1.0 for s in record.scores.values())
    assert record.extra["eval_test_loss"]["modality"] == "units" and record.extra["eval_test_loss"]["n_docs"] == 6
    assert RunRecord.load(run).scores == record.scores  # evaluation wrote run.json

    make_laws(root / "laws")
    publish(root / "runs", root / "laws", root / "hub", org="acme", log=lambda line: None)
    card = ModelCard.load(root / "hub" / "models" / "toy" / "README.md")
    assert f"A **tiny-50k** {DESCRIPTION}, trained by" in card.text
    assert f"| Vocabulary | {record.vocab_size} reversed-unit tokens |" in card.text
    assert card.data.tags == ["hf-slm", "toy-mode", f"mode-{REVERSED}", "scale-tiny-50k"]
    results = {r.dataset_type: r for r in card.data.eval_results}
    assert {r.task_type for r in results.values()} == {"toy-modeling"}
    assert results["hf-slm/ssc_reversed"].metric_value == record.scores["ssc_reversed"]["value"]


PUSH_SCRIPT = """
import sys
from hf_slm import modes
from tests.test_modes import _toy_mode
modes.register(_toy_mode())  # a plugin registers its mode before the CLI runs
from hf_slm.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_toy_mode_pushes_to_a_hub(toy, tmp_path):
    """The same run pushed to a stand-in Hub by a process that registers the toy mode as a plugin."""
    import os

    from tests.helpers.fake_hub import FakeHub
    from tests.helpers.publish_inputs import make_laws

    root = toy[0]
    make_laws(tmp_path / "laws")
    token = "hf_ToyModeToken0123456789abcdef"
    hub = FakeHub(token=token).start()
    try:
        env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": token, "HF_HUB_OFFLINE": "0",
               "HF_HUB_DISABLE_XET": "1", "HF_HOME": str(tmp_path / "hf_home"),
               "HF_HUB_DISABLE_PROGRESS_BARS": "1", "PYTHONPATH": str(REPO)}
        proc = subprocess.run([sys.executable, "-c", PUSH_SCRIPT, "publish", "--runs", str(root / "runs"),
                               "--laws", str(tmp_path / "laws"), "--out", str(tmp_path / "hub"), "--push", "acme"],
                              env=env, cwd=REPO, capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stderr[-2000:]
        readme = hub.files("model", "acme/toy")["README.md"].decode()
    finally:
        hub.stop()
    assert f"A **tiny-50k** {DESCRIPTION}" in readme and "- toy-mode" in readme and f"mode-{REVERSED}" in readme
