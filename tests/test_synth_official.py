"""Official-release loaders on tiny fixture folders in the releases' layouts; synth benchmarks."""

import csv

import numpy as np
import pytest
import soundfile as sf

from hf_slm.errors import ConfigError
from hf_slm.synth.official import load_official
from hf_slm.synth.schema import load_benchmark
from hf_slm.synth.tts import decode_audio


def _wav(path, seconds=0.2, f=220.0):
    t = np.arange(int(16000 * seconds)) / 16000
    sf.write(path, 0.1 * np.sin(2 * np.pi * f * t), 16000)


def test_zerospeech_sblimp_gold_csv(tmp_path):
    dev = tmp_path / "sLM21-dataset" / "syntactic" / "dev"
    dev.mkdir(parents=True)
    recs = []
    for pid in ("1", "2"):
        for voice in ("Alex", "Kate"):
            for correct, name in ((1, "a"), (0, "b")):
                fn = f"{pid}{voice}{name}"
                _wav(dev / f"{fn}.wav", f=200 + 50 * correct)
                recs.append({"filename": fn, "type": "agreement", "subtype": "s_v_agreement",
                             "correct": correct, "id": pid, "voice": voice,
                             "transcription": "the dog is here" if correct else "the dog are here"})
    (dev / "1Katea.wav").unlink()  # an incomplete pair → skipped, not fatal
    with open(dev / "gold.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(recs[0]))
        w.writeheader()
        w.writerows(recs)
    load_official("sblimp", str(dev), str(tmp_path / "out"), quiet=True)
    ds = load_benchmark(tmp_path / "out" / "sblimp_official")
    assert len(ds) == 3 and set(ds["voice"]) == {"Alex", "Kate"}
    r = ds[0]
    assert r["positive_text"] == "the dog is here" and r["group"] == "s_v_agreement"
    assert decode_audio(r["positive_audio"])[1] == 16000 and r["prompt_audio"] == b""
    assert "incomplete_pair" in (tmp_path / "out" / "sblimp_official" / "skips.jsonl").read_text()


def test_spoken_storycloze_folders(tmp_path):
    root = tmp_path / "spoken_storycloze"
    for task in ("sSC", "tSC"):
        (root / task).mkdir(parents=True)
        for qid in ("0a1b", "17"):
            _wav(root / task / f"{qid}_correct.wav")
            _wav(root / task / f"{qid}_incorrect.wav", f=330)
    load_official("storycloze", str(root), str(tmp_path / "out"), quiet=True)
    for task in ("ssc", "tsc"):
        ds = load_benchmark(tmp_path / "out" / f"{task}_official")
        assert sorted(ds["id"]) == [f"{task}-0a1b", f"{task}-17"]
        assert all(r["positive_audio"] != r["negative_audio"] for r in ds)


def test_missing_release_and_offline_hub_are_config_errors(tmp_path):
    with pytest.raises(ConfigError):
        load_official("sblimp", str(tmp_path), str(tmp_path / "o"), quiet=True)
    with pytest.raises(ConfigError):
        load_official("storycloze", str(tmp_path), str(tmp_path / "o"), quiet=True)
    with pytest.raises(ConfigError):
        load_official("storycloze-hub", "nobody/no-such-storycloze", str(tmp_path / "o"), quiet=True)


def test_synth_benchmarks_audio_form(tmp_path):
    from hf_slm.synth.build_benchmarks import BenchmarkConfig, synth_benchmarks

    cfg = BenchmarkConfig(out=str(tmp_path), pairs_per_phenomenon=1, cloze_questions=2, words=2,
                          workers=2, quiet=True)
    folders = synth_benchmarks(cfg)
    assert set(folders) == {"sblimp", "ssc", "tsc", "swuggy"}
    sb = load_benchmark(folders["sblimp"])
    assert len(sb) == 20 and set(sb["voice"]) == {"en-us", "en-us+f3"}
    cl = load_benchmark(folders["ssc"])
    r = cl[0]
    assert r["prompt_audio"] and r["positive_audio"] != r["negative_audio"]
    assert r["prompt_word_times"] and r["positive_word_times"][0]["start"] >= 0
    # A shared prompt is one recording: tSC and sSC built on the same story share its bytes.
    ts = {q["prompt_text"]: q["prompt_audio"] for q in load_benchmark(folders["tsc"])}
    for q in cl:
        if q["prompt_text"] in ts:
            assert ts[q["prompt_text"]] == q["prompt_audio"]
