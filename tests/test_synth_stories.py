"""`hf-slm synth stories` end to end: dataset layout, resume after a kill, unit form, CLI errors."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hf_slm.synth.build_stories import StoriesConfig, synth_stories
from hf_slm.synth.tts import decode_audio

REPO = Path(__file__).resolve().parents[1]


def _cli(*args, **kw):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "hf_slm.cli.main", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _ids(folder):
    return [i for f in sorted(Path(folder).glob("data/*.parquet"))
            for i in pq.read_table(f, columns=["id"]).column("id").to_pylist()]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("stories")
    synth_stories(StoriesConfig(out=str(out), num_stories=4, shard_size=2, workers=2, quiet=True))
    return out


def test_dataset_layout_and_audio(small):
    assert sorted(p.name for p in small.glob("data/*.parquet")) == [
        "train-00000-of-00002.parquet", "train-00001-of-00002.parquet"]
    rows = pq.read_table(small / "data" / "train-00000-of-00002.parquet").to_pylist()
    assert {r["speaker"] for r in rows} == {"en-us", "en-us+f3"}
    wav, sr = decode_audio(rows[0]["audio"])
    assert sr == 16000 and abs(len(wav) / sr - rows[0]["duration"]) < 1e-3
    assert rows[0]["word_times"][-1]["end"] <= rows[0]["duration"] + 1e-3
    card = (small / "README.md").read_text()
    assert "hours" in card and "data/train-*.parquet" in card
    from datasets import load_dataset

    ds = load_dataset(str(small), split="train")
    assert len(ds) == 4 and ds[0]["text"].split()[0] == rows[0]["text"].split()[0]


def test_killed_and_rerun_has_no_missing_or_duplicate_ids(tmp_path, small):
    out = tmp_path / "run"
    args = ["synth", "stories", "--out", str(out), "--num-stories", "8", "--shard-size", "2",
            "--quiet"]
    p = _cli(*args, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list((out / "data" / ".parts").glob("*.parquet")):
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGKILL)  # our own child's group: it and its synthesis workers
    p.wait()
    assert not (out / "meta.json").exists()
    p = _cli(*args)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    ids = _ids(out)
    assert len(ids) == len(set(ids)) == 8
    assert ids[:4] == _ids(small)  # same seed, same stories, same order
    assert not list(out.glob("data/.parts/*"))


def test_bad_arguments_exit_2_one_line(tmp_path):
    for args in (["--num-stories", "3", "--voices", "xx-nope"], ["--num-stories", "0"],
                 ["--num-stories", "3", "--source", "missing.txt"],
                 ["--num-stories", "3", "--codebook", str(tmp_path / "missing.safetensors")]):
        p = _cli("synth", "stories", "--out", str(tmp_path / "x"), *args)
        _, err = p.communicate(timeout=60)
        assert p.returncode == 2 and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "x").exists() and not list(tmp_path.iterdir())


def test_local_text_source_and_units(tmp_path, small):
    from hf_slm.units.encoders_mel import MelEncoder
    from hf_slm.units.fit import fit_codebook

    book = tmp_path / "cb.safetensors"
    fit_codebook(small, book, MelEncoder(), k=8, seed=0)
    src = tmp_path / "texts.jsonl"
    src.write_text('{"text": "Tom had a red ball."}\n{"text": ""}\n{"text": "Mia was happy."}\n')
    out = tmp_path / "units"
    from hf_slm.cli.synth import story_audio_dir, stories_to_units

    stories_to_units(StoriesConfig(out=str(out), source=str(src), num_stories=3, shard_size=2,
                                   quiet=True), str(book))
    from hf_slm.units.dataset import load_unit_dataset

    ds = load_unit_dataset(out)
    rows = list(ds.splits["train"])
    assert [r["id"] for r in rows] == ["texts-0000000", "texts-0000002"]
    assert all(r["units"] and max(r["units"]) < 8 and r["words"] for r in rows)
    assert "audio" not in ds.splits["train"].column_names
    assert ds.meta["tokenization"] == "units" and ds.meta["source"]["kind"] == "parquet"
    # synthesis wrote only audio (kept beside OUT); the units are the unit stage's, from that audio
    audio = story_audio_dir(out)
    assert json.loads((audio / "meta.json").read_text())["format"] == "hf-slm-audio/1"
    skipped = [l for l in (audio / "skips.jsonl").read_text().splitlines()]
    assert len(skipped) == 1 and "texts-0000001" in skipped[0]
    # adding a split rebuilds the unit folder from all the audio
    stories_to_units(StoriesConfig(out=str(out), num_stories=1, split="test", shard_size=2, quiet=True),
                     str(book))
    again = load_unit_dataset(out)
    assert sorted(again.splits) == ["test", "train"] and list(again.splits["train"]) == rows
