"""Extraction: skips with reasons, resumability after a kill, workers + merge, inputs, CLI errors."""

from tests.helpers.units import mel_codebook, speechlike, tone, write_corpus  # noqa: I001 - thread limits

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile as sf
import yaml

from hf_slm.errors import ConfigError
from hf_slm.units.extract import ExtractConfig, extract
from hf_slm.units.merge import MergeError, merge

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def codebook(tmp_path):
    path = tmp_path / "cb.safetensors"
    mel_codebook(path, k=16)
    return path


def all_ids(out):
    return [i for p in sorted((out / "data").glob("*.parquet")) for i in pq.read_table(p).column("id").to_pylist()]


def test_bad_files_are_skipped_with_reasons_stereo_48k_is_kept(tmp_path, codebook):
    src = tmp_path / "audio"
    write_corpus(src, 3)
    sf.write(src / "stereo48k.flac", np.stack([speechlike(1.0, 48000, 1), speechlike(1.0, 48000, 2)], 1), 48000)
    good = (src / "utt000.wav").read_bytes()
    (src / "empty.wav").write_bytes(b"")
    (src / "truncated.wav").write_bytes(good[:40])
    (src / "random.wav").write_bytes(np.random.default_rng(1).bytes(4000))
    nan = speechlike(0.5)
    nan[10] = np.nan
    sf.write(src / "nan.wav", nan, 16000, subtype="FLOAT")
    sf.write(src / "clip10ms.wav", tone(200, 0.01, 16000), 16000)
    out = tmp_path / "ds"
    meta = extract(ExtractConfig(input=str(src), out=str(out), codebook=str(codebook), progress=False))
    skips = {json.loads(line)["id"]: json.loads(line)["reason"] for line in (out / "skips.jsonl").read_text().splitlines()}
    assert skips == {"empty": "empty", "truncated": "unreadable", "random": "unreadable", "nan": "nan_or_inf",
                     "clip10ms": "too_short"}
    assert sorted(all_ids(out)) == ["stereo48k", "utt000", "utt001", "utt002"]
    assert meta["stats"]["skipped"] == 5 and meta["stats"]["rows"] == 4

    from hf_slm.units.dataset import load_unit_dataset

    ds = load_unit_dataset(out)
    assert set(ds.splits) == {"train", "test"} and ds.splits["test"].num_rows == 1  # >= one held out
    row = [r for s in ds.splits.values() for r in s if r["id"] == "stereo48k"][0]
    assert abs(row["duration"] - 1.0) < 1e-3 and sum(row["durations"]) == 25 and len(row["units"]) == len(row["durations"])
    assert ds.tokenizer.eos_token_id == 16 and ds.k == 16
    card = (out / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert header["hf_slm"]["codebook"]["k"] == 16 and header["dataset_info"]["splits"]
    assert "units per second of audio" in card
    import datasets

    loaded = datasets.load_dataset(str(out))  # the card's configs point load_dataset at the shards
    assert loaded["train"].num_rows + loaded["test"].num_rows == 4


def test_manifest_with_segments_words_and_given_splits(tmp_path, codebook):
    write_corpus(tmp_path / "a", 2, seconds=(2.0, 2.0))
    lines = [
        {"id": "x1", "path": "a/utt000.wav", "offset": 0.5, "duration": 1.0, "speaker": "s1", "text": "hello there",
         "words": [{"word": "hello", "start": 0.0, "end": 0.4}, {"word": "there", "start": 0.4, "end": 1.0}],
         "split": "validation"},
        {"id": "x2", "path": "a/utt001.wav", "split": "train"},
    ]
    man = tmp_path / "m.jsonl"
    man.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n")
    out = tmp_path / "ds"
    meta = extract(ExtractConfig(input=str(man), out=str(out), codebook=str(codebook), progress=False))
    assert set(meta["counts"]) == {"validation", "train"}
    row = pq.read_table(out / "data" / "validation-00000-of-00001.parquet").to_pylist()[0]
    assert row["speaker"] == "s1" and abs(row["duration"] - 1.0) < 1e-3
    assert [w["word"] for w in row["words"]] == ["hello", "there"]
    assert row["words"][0]["start"] == 0 and row["words"][0]["end"] <= row["words"][1]["start"] + 1
    assert row["words"][1]["end"] == len(row["units"])
    assert [json.loads(x)["reason"] for x in (out / "skips.jsonl").read_text().splitlines()] == ["bad_manifest_line"]


def test_audio_dataset_folder_input_keeps_splits(tmp_path, codebook):
    from hf_slm.audio.dataset import encode_audio, write_audio_shard

    src = tmp_path / "audio_ds"
    for split, n in (("train", 3), ("test", 1)):
        rows = [{"id": f"{split}{i}", "audio": encode_audio(speechlike(1.0, 16000, i), 16000), "text": "a b",
                 "speaker": "v", "word_times": [{"word": "a", "start": 0.1, "end": 0.5},
                                                {"word": "b", "start": 0.5, "end": 0.9}]} for i in range(n)]
        write_audio_shard(src, split, 0, 1, rows)
    out = tmp_path / "ds"
    meta = extract(ExtractConfig(input=str(src), out=str(out), codebook=str(codebook), progress=False))
    assert meta["counts"]["train"]["rows"] == 3 and meta["counts"]["test"]["rows"] == 1
    row = pq.read_table(out / "data" / "test-00000-of-00001.parquet").to_pylist()[0]
    assert row["id"] == "test0" and [w["word"] for w in row["words"]] == ["a", "b"]


def test_injected_failure_then_rerun_has_no_missing_or_duplicate_ids(tmp_path, codebook, monkeypatch):
    from hf_slm.units import extract as ex

    ids = write_corpus(tmp_path / "audio", 12, seconds=(0.3, 0.5))
    cfg = ExtractConfig(input=str(tmp_path / "audio"), out=str(tmp_path / "ds"), codebook=str(codebook),
                        shard_size=2, test_fraction=0.0, progress=False)
    real, calls = ex.Extraction._write, []

    def flaky(self, shard, rows, skips, *rest):
        calls.append(shard["name"])
        if len(calls) == 3:
            raise KeyboardInterrupt  # the job dies mid-run
        return real(self, shard, rows, skips, *rest)

    monkeypatch.setattr(ex.Extraction, "_write", flaky)
    with pytest.raises(KeyboardInterrupt):
        extract(cfg)
    assert len(list((tmp_path / "ds" / "data").glob("*.parquet"))) == 2
    assert not (tmp_path / "ds" / "meta.json").exists()
    with pytest.raises(MergeError, match="missing"):
        merge(tmp_path / "ds", quiet=True)
    monkeypatch.setattr(ex.Extraction, "_write", real)
    extract(cfg)
    got = all_ids(tmp_path / "ds")
    assert sorted(got) == ids and len(got) == len(set(got))


def test_killed_subprocess_then_rerun_completes(tmp_path, codebook):
    ids = write_corpus(tmp_path / "audio", 40, seconds=(0.3, 0.4))
    out = tmp_path / "ds"
    cmd = [sys.executable, "-m", "hf_slm.cli.main", "units", "extract", "--input", str(tmp_path / "audio"),
           "--codebook", str(codebook), "--out", str(out), "--shard-size", "1", "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not list((out / "data").glob("*.parquet")):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((out / "data").glob("*.parquet")))
    assert 1 <= done < 40, "the kill should land after the first shard and before the last"
    rerun = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    got = all_ids(out)
    assert sorted(got) == ids and len(got) == len(set(got))
    assert json.loads((out / "meta.json").read_text())["stats"]["rows"] == 40


def test_two_workers_then_merge(tmp_path, codebook):
    ids = write_corpus(tmp_path / "audio", 6, seconds=(0.3, 0.5))
    base = dict(input=str(tmp_path / "audio"), out=str(tmp_path / "ds"), codebook=str(codebook), shard_size=2,
                test_fraction=0.0, progress=False)
    assert extract(ExtractConfig(num_shards=2, shard_index=0, **base)) is None  # not all shards yet
    with pytest.raises(MergeError):
        merge(tmp_path / "ds", quiet=True)
    meta = extract(ExtractConfig(num_shards=2, shard_index=1, **base))
    assert meta["stats"]["rows"] == 6 and sorted(all_ids(tmp_path / "ds")) == ids
    assert merge(tmp_path / "ds", quiet=True)["shards"] == meta["shards"]
    shard = tmp_path / "ds" / "data" / "train-00001-of-00003.parquet"
    shard.write_bytes(shard.read_bytes()[:-10])
    with pytest.raises(MergeError, match="sha256"):
        merge(tmp_path / "ds", quiet=True)


def test_resume_with_other_settings_is_refused(tmp_path, codebook):
    write_corpus(tmp_path / "audio", 2)
    base = dict(input=str(tmp_path / "audio"), out=str(tmp_path / "ds"), codebook=str(codebook), progress=False)
    extract(ExtractConfig(**base))
    with pytest.raises(ConfigError, match="--out"):
        extract(ExtractConfig(dedup=False, **base))
    with pytest.raises(ConfigError, match="--shard-index"):
        extract(ExtractConfig(num_shards=2, shard_index=2, **base))


def test_cli_bad_argument_exits_2_with_one_line_and_writes_nothing(tmp_path, codebook):
    write_corpus(tmp_path / "audio", 1)
    out = tmp_path / "ds"
    cases = [["--shard-size", "0"], ["--test-fraction", "2"], ["--shard-index", "1"], ["--max-segment-seconds", "0.15"],
             ["--input", str(tmp_path / "nope")], ["--codebook", str(tmp_path / "audio" / "utt000.wav")]]
    for extra in cases:
        args = ["units", "extract", "--input", str(tmp_path / "audio"), "--codebook", str(codebook),
                "--out", str(out), *extra]
        r = subprocess.run([sys.executable, "-m", "hf_slm.cli.main", *args], cwd=REPO, capture_output=True,
                           text=True, timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"})
        assert r.returncode == 2, (extra, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("hf-slm: error:"), (extra, r.stderr)
        assert not out.exists()


def test_hubert_codebook_from_a_local_folder_drives_extraction(tmp_path):
    from hf_slm.units.encoders import build_encoder
    from hf_slm.units.fit import fit_codebook
    from tests.helpers.units import tiny_hubert

    tiny_hubert(25).save_pretrained(tmp_path / "hubert")
    write_corpus(tmp_path / "audio", 4, seconds=(1.0, 1.5))
    enc = build_encoder("hubert", model=str(tmp_path / "hubert"), layer=2, device="cpu")
    cb = fit_codebook(tmp_path / "audio", tmp_path / "cb.safetensors", enc, k=8)
    assert cb.encoder["frame_rate"] == 25.0 and cb.encoder["layer"] == 2
    meta = extract(ExtractConfig(input=str(tmp_path / "audio"), out=str(tmp_path / "ds"),
                                 codebook=str(tmp_path / "cb.safetensors"), progress=False))
    assert meta["encoder"]["name"] == "hubert" and meta["stats"]["rows"] == 4
    assert 20 <= meta["stats"]["frames"] / meta["stats"]["seconds"] <= 25  # 25 Hz frames
