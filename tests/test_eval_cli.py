"""`hf-slm eval` and `evaluate_run`: scores into run.json and the model card's model-index."""

import json

import pytest
from huggingface_hub import ModelCard

from hf_slm.cli.main import main
from hf_slm.hub.model_index import eval_results_for
from hf_slm.runrecord import RunRecord
from hf_slm.scoring.benchmark import EvalOptions, evaluate_checkpoint
from tests.helpers.scoring import make_benchmarks, make_unit_dataset, save_checkpoint


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    return {"bench": make_benchmarks(root / "bench"), "data": make_unit_dataset(root / "units"),
            "root": root}


def test_eval_writes_run_json_and_model_index(world, tmp_path, capsys):
    ckpt = save_checkpoint(tmp_path / "run")
    (ckpt / "README.md").write_text("---\nlicense: apache-2.0\ntags:\n- speech\n---\n# Tiny\nKeep me.\n")
    rc = main(["eval", "--model", str(ckpt), "--benchmarks", str(world["bench"]),
               "--dataset", str(world["data"]), "--n-boot", "200"])
    assert rc == 0 and "sblimp" in capsys.readouterr().out
    record = RunRecord.load(ckpt)
    assert set(record.scores) == {"sblimp", "ssc", "swuggy"}
    for entry in record.scores.values():
        assert 0.0 <= entry["ci_low"] <= entry["value"] <= entry["ci_high"] <= 1.0
        assert entry["n"] == (12 if entry is record.scores["sblimp"] else 6)
    sb = record.scores["sblimp"]
    assert sb["metric"] == "macro_accuracy" and set(sb["per_group"]) == {"agreement", "anaphor"}
    # every item has both voices, so cm2024's voice-averaged macro equals the macro over voicings
    assert sb["value"] == pytest.approx(sb["macro_accuracy"]) and sb["protocol"]["name"] == "cm2024"
    assert sb["n_items"] == 6 and set(sb["per_voice"]) == {"en-us", "en-gb"}
    assert record.final_test_loss == pytest.approx(record.extra["eval_test_loss"]["value"])
    assert record.extra["eval_test_loss"]["n_docs"] == 5

    card = ModelCard.load(ckpt / "README.md")
    assert card.data.license == "apache-2.0" and card.data.tags == ["speech"]
    assert "Keep me." in card.text
    assert card.data.eval_results == eval_results_for(record)
    values = {r.dataset_type: r.metric_value for r in card.data.eval_results}
    assert values["hf-slm/sblimp"] == sb["value"]

    # a second run replaces our results instead of duplicating them
    assert main(["eval", "--model", str(ckpt), "--benchmarks", str(world["bench"]), "--n-boot", "50"]) == 0
    assert len(ModelCard.load(ckpt / "README.md").data.eval_results) == 4


def test_prompt_sharing_and_conventions_through_the_api(world, tmp_path):
    ckpt = save_checkpoint(tmp_path / "m", record=False)
    shared = evaluate_checkpoint(ckpt, world["bench"], EvalOptions(n_boot=20), tasks=["ssc"])
    full = evaluate_checkpoint(ckpt, world["bench"], EvalOptions(n_boot=20, share_prompt=False),
                               tasks=["ssc"])
    assert shared["ssc"]["value"] == full["ssc"]["value"]
    summed = evaluate_checkpoint(ckpt, world["bench"], EvalOptions(n_boot=20, convention="sum"))
    assert summed["ssc"]["convention"] == "sum" and set(summed) == {"sblimp", "ssc", "swuggy"}


def test_runs_skips_finished_and_unfinished(world, tmp_path, capsys):
    runs = tmp_path / "sweep"
    save_checkpoint(runs / "a", name="a")
    save_checkpoint(runs / "b", name="b")
    rec = RunRecord.load(runs / "b")
    rec.status = "running"
    rec.save(runs / "b")
    args = ["eval", "--runs", str(runs), "--benchmarks", str(world["bench"]), "--n-boot", "20"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "b: skipped (status running)" in out and "a: sblimp" in out
    assert main(args) == 0
    assert "a: skipped (already evaluated)" in capsys.readouterr().out


def test_model_without_run_json_prints_scores(world, tmp_path, capsys):
    ckpt = save_checkpoint(tmp_path / "bare", record=False)
    assert main(["eval", "--model", str(ckpt), "--benchmarks", str(world["bench"]),
                 "--tasks", "swuggy", "--n-boot", "20"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"swuggy"}
    assert not (ckpt / "run.json").exists()


@pytest.mark.parametrize("extra", [
    ["--benchmarks", "MISSING"],
    ["--benchmarks", "BENCH", "--convention", "median"],
    ["--benchmarks", "BENCH", "--batch-size", "0"],
    ["--benchmarks", "BENCH", "--tasks", "nope"],
    ["--benchmarks", "BENCH", "--dataset", "/no/such/folder"],
])
def test_bad_arguments_exit_2_before_writing(world, tmp_path, extra, capsys):
    ckpt = save_checkpoint(tmp_path / "run")
    before = (ckpt / "run.json").read_text()
    extra = [str(world["bench"]) if a == "BENCH" else str(tmp_path / a) if a == "MISSING" else a
             for a in extra]
    with pytest.raises(SystemExit) if "--convention" in extra or "--batch-size" in extra else _nothing():
        assert main(["eval", "--model", str(ckpt), *extra]) == 2
    assert "error" in capsys.readouterr().err
    assert (ckpt / "run.json").read_text() == before and not (ckpt / "README.md").exists()


@pytest.mark.parametrize("model", ["MISSING", "no-such-org/no-such-model"])
def test_missing_model_or_offline_hub_id_exits_2(world, tmp_path, model, capsys):
    model = str(tmp_path / model) if model == "MISSING" else model
    assert main(["eval", "--model", model, "--benchmarks", str(world["bench"])]) == 2
    assert "--model" in capsys.readouterr().err


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_evaluation_writes_scores_and_leaves_the_card_to_its_hook(world, tmp_path):
    """scoring.evaluate_run writes run.json only; the card appears when a caller passes hub's writer."""
    from hf_slm.hub.model_index import update_model_index
    from hf_slm.scoring.run_eval import evaluate_run

    ckpt = save_checkpoint(tmp_path / "run")
    record = evaluate_run(ckpt, world["bench"], options=EvalOptions(n_boot=20), tasks=["swuggy"])
    assert RunRecord.load(ckpt).scores == record.scores and not (ckpt / "README.md").exists()
    seen = []
    evaluate_run(ckpt, world["bench"], options=EvalOptions(n_boot=20), tasks=["swuggy"],
                 on_saved=lambda d, r: seen.append((d, r.scores)) or update_model_index(d, r))
    assert seen == [(ckpt, RunRecord.load(ckpt).scores)]
    assert ModelCard.load(ckpt / "README.md").data.eval_results == eval_results_for(RunRecord.load(ckpt))


def test_protocol_and_dtype_through_the_cli(world, tmp_path):
    ckpt = save_checkpoint(tmp_path / "run")
    assert main(["eval", "--model", str(ckpt), "--benchmarks", str(world["bench"]), "--n-boot", "20",
                 "--dataset", str(world["data"]), "--protocol", "zerospeech", "--dtype", "bfloat16"]) == 0
    record = RunRecord.load(ckpt)
    sb = record.scores["sblimp"]
    assert sb["protocol"]["name"] == "zerospeech" and sb["convention"] == "sum" and sb["prefix"] == "bos"
    assert sb["metric"] == "pair_accuracy" and sb["n_units"] == 6  # 12 voicings of 6 items
    assert record.extra["evaluation"]["dtype"] == "bfloat16"
    assert record.extra["eval_test_loss"]["prefix"] == "auto"  # the test loss follows training, not BOS
