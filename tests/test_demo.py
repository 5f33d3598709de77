"""The main job end to end: `hf-slm demo --preset micro`, its artifacts, resuming, and the paper plan."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from hf_slm.runrecord import RunRecord, find_runs


# `micro` (tests/conftest.py): the session's one micro demo, shared with tests/test_demo_cards.py


def test_every_run_completed_with_a_record_and_scores(micro):
    out, _ = micro
    runs = find_runs(out / "runs")
    modes = {RunRecord.load(d).mode for d in runs}
    assert modes == {"speech", "text", "interleaved"}
    for d in runs:
        rec = RunRecord.load(d)
        assert rec.status == "completed"
        assert rec.n_params > 0 and rec.tokens_seen > 0 and rec.flops_6nd > 0
        assert math.isfinite(rec.final_test_loss)
        assert {"sblimp", "ssc", "tsc", "swuggy"} <= set(rec.scores)
        for s in rec.scores.values():
            assert 0.0 <= s["ci_low"] <= s["value"] <= s["ci_high"] <= 1.0
    # 3 sizes x 3 budgets + the multi-epoch run, for both modes; 2 SIMS runs
    assert len(runs) == 2 * (3 * 3 + 1) + 2


def test_sims_runs_start_from_the_demos_text_lms_at_the_speech_runs_compute(micro):
    out, _ = micro
    speech = {(r.n_params, r.tokens_seen): r for r in map(RunRecord.load, find_runs(out / "runs" / "speech"))
              if r.epochs <= 1.0}
    inter = [RunRecord.load(d) for d in find_runs(out / "runs" / "interleaved")]
    assert len(inter) == 2
    for rec in inter:
        assert Path(rec.base_model).parent == out / "runs" / "text"  # the demo's own text LM
        twin = speech[(rec.n_params, rec.tokens_seen)]  # same non-embedding N and D: same 6ND
        assert rec.flops_6nd == pytest.approx(twin.flops_6nd)
        assert {"sblimp", "swuggy", "ssc", "tsc", "ssc_t2s", "ssc_s2t"} <= set(rec.scores)


def test_every_run_of_the_grid_trains_with_the_presets_recipe(micro):
    from dataclasses import replace

    from hf_slm.demo.pipeline import Demo
    from hf_slm.demo.presets import PRESETS

    out, _ = micro
    recipe = replace(PRESETS["micro"], learning_rate=3e-3, learning_rates={"tiny-50k": 7e-3}, global_batch=4)
    demo = Demo(out, recipe)
    runs = demo.grid() + demo.interleaved_grid()
    assert {v["mode"] for v in runs} == {"speech", "text", "interleaved"}
    # an interleaved run has no scale of its own: it trains at its speech twin's learning rate
    lr = {(v["mode"], Path(v["output_dir"]).name.split("-D")[0].split("-", 1)[1]): v["learning_rate"] for v in runs}
    assert lr == {(m, s): (7e-3 if s == "tiny-50k" else 3e-3) for m, s in lr} and len(set(lr.values())) == 2
    assert {v["global_batch"] for v in runs} == {4}
    # and what the micro demo trained is what its preset says, per update
    p = PRESETS["micro"]
    for d in find_runs(out / "runs"):
        rec = RunRecord.load(d)
        assert rec.recipe["learning_rate"] == p.learning_rate
        assert rec.tokens_per_update == p.global_batch * p.context


def test_findings_json_has_the_seven_findings_with_evidence(micro):
    out, _ = micro
    found = json.loads((out / "findings.json").read_text())["findings"]
    assert list(found) == ["loss_law_identified", "loss_law_extrapolates", "benchmarks_unbiased",
                           "speech_above_chance", "downstream_tracks_loss", "text_scales_faster",
                           "interleaved_beats_textless"]
    for key, f in found.items():
        assert set(f) == {"reproduced", "evidence", "note"}, key
        assert isinstance(f["reproduced"], bool) and isinstance(f["evidence"], dict) and f["note"], key
        if f["reproduced"]:
            assert f["evidence"], key  # a ✓ without evidence is a defect
    pairs = found["interleaved_beats_textless"]["evidence"]["pairs"]
    assert {p["task"] for p in pairs} >= {"sblimp", "swuggy"}


def test_null_scorers_ran_on_every_benchmark_and_no_identical_pair_is_left(micro):
    from hf_slm.dataset_format.benchmark import load_benchmark
    from hf_slm.scoring.null import identical_rows

    out, _ = micro
    null = json.loads((out / "null_scores.json").read_text())["tasks"]
    assert set(null) == {"sblimp", "ssc", "tsc", "swuggy"}
    for task, entry in null.items():
        assert entry["identical"] == 0, task  # removed at build time
        for scorer in ("length", "unigram", "bigram"):
            e = entry[scorer]
            assert 0.0 <= e["ci_low"] <= e["value"] <= e["ci_high"] <= 1.0
        assert entry["bigram"]["confidence"] == 0.95 and set(entry["bigram"]["groups"]) == set(entry["length"]["groups"])
        assert not identical_rows(load_benchmark(out / "benchmarks" / task))
    evidence = json.loads((out / "findings.json").read_text())["findings"]["benchmarks_unbiased"]["evidence"]
    assert set(evidence) == set(null)
    assert evidence["sblimp"]["bigram"]["groups"] == null["sblimp"]["bigram"]["groups"]


def test_text_null_scorers_ran_on_every_benchmark_and_reach_the_text_finding(micro):
    out, _ = micro
    text_null = json.loads((out / "null_scores_text.json").read_text())["tasks"]
    assert set(text_null) == {"sblimp", "ssc", "tsc", "swuggy"}
    # independently: sWUGGY's length null is the share of word pairs whose real word has fewer text tokens
    from hf_slm.dataset_format.benchmark import load_benchmark
    from hf_slm.dataset_format.tokenizer_files import load_tokenizer

    tok = load_tokenizer(out / "text" / "tokenizer")
    rows = load_benchmark(out / "benchmarks" / "swuggy")
    pairs = dict.fromkeys(zip(rows["positive_text"], rows["negative_text"]))
    n = [tuple(len(tok(" " + w.strip(), add_special_tokens=False)["input_ids"]) for w in p) for p in pairs]
    fewer = sum(1.0 if a < b else 0.5 if a == b else 0.0 for a, b in n) / len(n)
    assert text_null["swuggy"]["length"]["value"] == pytest.approx(fewer)
    evidence = json.loads((out / "findings.json").read_text())["findings"]["text_scales_faster"]["evidence"]
    assert evidence["tasks"] == ["sblimp", "ssc", "tsc"] and set(evidence["text_null"]) == set(text_null)


def test_eval_null_scores_a_benchmark_folder_without_a_model(micro, capsys):
    from hf_slm.cli.main import main
    from hf_slm.demo.presets import get_preset

    out, _ = micro
    demo = json.loads((out / "null_scores.json").read_text())["tasks"]
    args = ["eval", "--null", "--benchmarks", str(out / "benchmarks"), "--n-boot", str(get_preset("micro").bootstrap)]
    assert main(args) == 2 and "--dataset" in capsys.readouterr().err  # the unigram needs a train split
    assert main([*args, "--dataset", str(out / "units")]) == 0
    got = json.loads(capsys.readouterr().out)
    assert set(got["tasks"]) == set(demo)
    for task, entry in got["tasks"].items():  # the demo's null stage, same seed and resamples
        for scorer in ("length", "unigram"):
            assert entry[scorer]["value"] == demo[task][scorer]["value"]
            assert entry[scorer]["ci95"] == demo[task][scorer]["ci95"]
    # a text dataset gives the text nulls: the demo's text_null stage, same seed and resamples
    assert main([*args, "--dataset", str(out / "text")]) == 0
    got = json.loads(capsys.readouterr().out)
    text = json.loads((out / "null_scores_text.json").read_text())["tasks"]
    assert got["modality"] == "text" and set(got["tasks"]) == set(text)
    for task, entry in got["tasks"].items():
        for scorer in ("length", "unigram"):
            assert entry[scorer]["value"] == text[task][scorer]["value"]
            assert entry[scorer]["ci95"] == text[task][scorer]["ci95"]


def test_loss_falls_with_data_at_every_size(micro):
    out, _ = micro
    by_scale = {}
    for d in find_runs(out / "runs" / "speech"):
        rec = RunRecord.load(d)
        if rec.epochs <= 1.0:
            by_scale.setdefault(rec.scale, []).append((rec.tokens_seen, rec.final_test_loss))
    for scale, points in by_scale.items():
        losses = [loss for _, loss in sorted(points)]
        assert losses == sorted(losses, reverse=True), (scale, points)


def test_laws_file_has_finite_constants_and_plots(micro):
    out, _ = micro
    laws = json.loads((out / "laws" / "scaling_laws.json").read_text())
    chin = laws["laws"]["speech"]["chinchilla"]
    assert chin["fitted"] is True
    assert all(math.isfinite(chin[k]) for k in ("E", "A", "B", "alpha", "beta"))
    for fig in ("loss_vs_flops", "downstream_vs_flops"):
        assert (out / "laws" / f"{fig}.png").stat().st_size > 1000
        assert (out / "laws" / f"{fig}.svg").exists()


def test_hub_folders_load_with_huggingface_hub_and_transformers(micro):
    from huggingface_hub import DatasetCard, ModelCard
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out, _ = micro
    models = sorted((out / "hub" / "models").iterdir())
    assert len(models) == 22
    card = ModelCard.load(models[0] / "README.md")
    assert card.data.eval_results  # parsed back from the card's model-index
    model = AutoModelForCausalLM.from_pretrained(models[0])
    tok = AutoTokenizer.from_pretrained(models[0])
    assert model.config.vocab_size == len(tok)
    for ds in ("units", "text"):
        assert DatasetCard.load(out / "hub" / "datasets" / ds / "README.md").data
    assert ModelCard.load(out / "hub" / "laws" / "README.md").data


def test_report_has_tables_figures_and_the_text_vs_speech_comparison(micro):
    out, _ = micro
    md = (out / "report.md").read_text()
    # the report leads with the findings table, one row per finding, before the figures
    assert md.index("## The papers' findings") < md.index("## Figures") < md.index("## Runs")
    assert sum(line.startswith("| `") and ("✓" in line or "✗" in line) for line in md.splitlines()) == 7
    assert "## Downstream efficiency: speech vs text" in md
    assert "paper: speech" in md and "ours: speech" in md
    for line in md.splitlines():
        if line.startswith("![") and "](" in line:
            assert (out / line.split("](")[1].rstrip(")")).exists()
    assert "<table>" in (out / "report.html").read_text()


def test_rerun_resumes_and_skips_every_finished_stage(micro):
    out, _ = micro
    before = {d: (d / "run.json").stat().st_mtime for d in find_runs(out / "runs")}
    proc = subprocess.run([sys.executable, "-m", "hf_slm.cli.main", "demo", "--out", str(out), "--preset", "micro"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr.count("skipped") >= 10
    assert before == {d: (d / "run.json").stat().st_mtime for d in find_runs(out / "runs")}


def test_a_killed_stage_is_redone_from_its_own_resumable_state(micro, tmp_path):
    """Dropping a stage from demo_state.json (as a kill mid-stage leaves it) reruns only that stage."""
    import shutil

    out, _ = micro
    copy = tmp_path / "copy"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("hub"))
    state = json.loads((copy / "demo_state.json").read_text())
    for stage in ("findings", "publish", "report"):
        del state["stages"][stage]
    (copy / "demo_state.json").write_text(json.dumps(state))
    (copy / "report.md").unlink()
    (copy / "findings.json").unlink()
    proc = subprocess.run([sys.executable, "-m", "hf_slm.cli.main", "demo", "--out", str(copy), "--preset", "micro"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (copy / "report.md").exists() and (copy / "hub" / "laws" / "scaling_laws.json").exists()
    assert json.loads((copy / "findings.json").read_text()) == json.loads((out / "findings.json").read_text())


def test_paper_preset_plans_without_training(tmp_path):
    out = tmp_path / "paper"
    proc = subprocess.run([sys.executable, "-m", "hf_slm.cli.main", "demo", "--out", str(out), "--preset", "paper"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    grid = json.loads((out / "paper_grid.json").read_text())
    assert len(grid["runs"]) == 5 * 7 + 5 * 2 * 4
    assert grid["total_a100_hours"] > 0
    assert "accelerate launch" in (out / "launch_accelerate.sh").read_text()
    assert "#SBATCH --array=0-74" in (out / "launch_slurm.sh").read_text()
    assert not (out / "runs").exists()


def test_bad_preset_exits_2_with_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hf_slm.cli.main", "demo", "--out", str(tmp_path / "x"),
                           "--preset", "huge"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()
