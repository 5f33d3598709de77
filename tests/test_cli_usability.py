"""What a user meets first: --help that shows defaults, one-line errors for a disk that says no,
an image that builds for CPU or CUDA without copying a local venv into itself."""

import argparse
import re
import subprocess

import pytest

from hf_slm.cli.main import build_parser, main
from tests.conftest import REPO


def _subparsers(parser):
    for action in parser._actions:
        if hasattr(action, "choices") and isinstance(action.choices, dict):
            for name, sub in action.choices.items():
                yield name, sub
                yield from ((f"{name} {n}", s) for n, s in _subparsers(sub))


def test_every_help_shows_the_defaults_of_options_that_have_one():
    commands = dict(_subparsers(build_parser()))
    assert {"fit", "eval", "plan", "units extract", "synth stories"} <= set(commands)
    for name, sub in commands.items():
        text = sub.format_help()
        for action in sub._actions:
            if action.help and not action.required and action.default not in (None, False, argparse.SUPPRESS) \
                    and isinstance(action.default, (int, float, str)) and action.option_strings:
                # argparse wraps long defaults (at hyphens too): compare without white space
                assert f"(default:{action.default})".replace(" ", "") in "".join(text.split()), (name, action.dest)
    fit_help = " ".join(commands["fit"].format_help().split())
    assert "(default: 0.03)" in fit_help
    assert "--runs RUNS folder searched for run.json files (run records) --out" in fit_help  # required: none


def test_a_path_the_disk_refuses_is_one_line_and_exit_1(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    rc = main(["synth", "stories", "--out", str(blocker / "sub"), "--num-stories", "2", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 1
    assert len(err) == 1 and err[0].startswith("hf-slm: error: ") and "Not a directory" in err[0]
    assert str(blocker / "sub") in err[0]
    assert not (blocker.parent / "sub").exists()


def test_dockerignore_keeps_local_state_out_of_the_image():
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for local in (".venv/", "demo-out/", "**/__pycache__/"):
        assert local in patterns


def _torch_case() -> str:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", "\n")
    block = re.search(r"RUN (case \"\$TORCH_VARIANT\" in.*?esac)", text, re.S).group(1)
    return block + '\necho "index=$torch_index"'


@pytest.mark.parametrize("variant, expect", [("cpu", "index=--index-url https://download.pytorch.org/whl/cpu"),
                                             ("cuda", "index=")])
def test_dockerfile_installs_the_torch_build_of_its_variant(variant, expect):
    out = subprocess.run(["sh", "-c", _torch_case()], env={"TORCH_VARIANT": variant},
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == expect


def test_dockerfile_refuses_an_unknown_variant():
    out = subprocess.run(["sh", "-c", _torch_case()], env={"TORCH_VARIANT": "rocm"}, capture_output=True, text=True)
    assert out.returncode == 2 and "TORCH_VARIANT must be cpu or cuda" in out.stderr


def test_a_config_error_survives_the_trip_back_from_a_worker_process():
    import pickle
    from concurrent.futures import ProcessPoolExecutor

    from hf_slm.errors import ConfigError, require

    back = pickle.loads(pickle.dumps(ConfigError("--scale", "'x' is not a scale")))
    assert (back.field, back.message, str(back)) == ("--scale", "'x' is not a scale", "--scale: 'x' is not a scale")
    with ProcessPoolExecutor(1) as pool, pytest.raises(ConfigError) as e:
        pool.submit(require, False, "--k", "must be > 0").result()
    assert str(e.value) == "--k: must be > 0"


def test_an_odd_number_of_cloze_questions_is_refused_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "bench"
    rc = main(["synth", "benchmarks", "--out", str(out), "--tasks", "tsc", "--cloze-questions", "7", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "--cloze-questions" in err[0] and "mirror pairs" in err[0]
    assert not out.exists()


def test_synth_benchmarks_unigram_from_needs_a_codebook_and_reaches_the_unit_stage(tmp_path, capsys, monkeypatch):
    out, units = tmp_path / "bench", tmp_path / "units"
    units.mkdir()
    rc = main(["synth", "benchmarks", "--out", str(out), "--unigram-from", str(units), "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "error: --unigram-from:" in err[0] and "--codebook" in err[0]
    assert not out.exists()
    # with a codebook, the units folder reaches the unit stage: this checks the wiring only, so synthesis
    # and conversion are replaced by recorders (the real conversion and its balance are tested end to
    # end in tests/test_units_benchmark.py, the real synthesis in tests/test_synth_*.py)
    import hf_slm.synth.build_benchmarks as build
    import hf_slm.units.benchmark as unit_bench
    import hf_slm.units.pipeline as pipeline

    seen = {}
    monkeypatch.setattr(pipeline.UnitPipeline, "from_codebook", staticmethod(lambda path: "pipeline"))
    monkeypatch.setattr(build, "synth_benchmarks", lambda cfg: None)
    monkeypatch.setattr(unit_bench, "benchmarks_to_units",
                        lambda *a, unigram_from=None, **k: seen.setdefault("unigram_from", unigram_from) and {})
    assert main(["synth", "benchmarks", "--out", str(out), "--codebook", "cb.safetensors",
                 "--unigram-from", str(units), "--quiet"]) == 0
    assert seen == {"unigram_from": str(units)}
    assert main(["synth", "benchmarks", "--out", str(tmp_path / "b2"), "--codebook", "cb.safetensors",
                 "--unigram-from", str(tmp_path / "nowhere"), "--quiet"]) == 2
