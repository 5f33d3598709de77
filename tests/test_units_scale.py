"""Extraction at scale: decoding workers and duration batches leave the artifact unchanged; Slurm arrays."""

from tests.helpers.units import mel_codebook, speechlike, write_corpus  # noqa: I001 - thread limits

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from hf_slm.units.extract import ExtractConfig, extract

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def corpus(tmp_path):
    """Short files, a 30 s file that is cut at max_segment_seconds=12, and two unusable files."""
    src = tmp_path / "audio"
    write_corpus(src, 9, seconds=(0.4, 2.5))
    long = np.concatenate([np.r_[speechlike(5.0, 16000, i), np.zeros(8000, np.float32) + 1e-4] for i in range(5)])
    sf.write(src / "a_long.flac", long, 16000)  # sorts first: its segments interleave with other files
    (src / "empty.wav").write_bytes(b"")
    (src / "noise.wav").write_bytes(np.random.default_rng(0).bytes(3000))
    mel_codebook(tmp_path / "cb.safetensors", k=16)
    return src, tmp_path / "cb.safetensors"


def shard_bytes(out: Path) -> dict[str, bytes]:
    files = sorted((out / "data").glob("*.parquet")) + [out / "skips.jsonl"]
    return {p.name: p.read_bytes() for p in files}


def test_decoding_workers_and_duration_batches_give_the_same_artifact(tmp_path, corpus, monkeypatch):
    from hf_slm.units import reader
    from hf_slm.units.pipeline import UnitPipeline

    src, cb = corpus
    base = dict(input=str(src), codebook=str(cb), shard_size=4, max_segment_seconds=12.0, progress=False)
    extract(ExtractConfig(out=str(tmp_path / "serial"), **base))

    pids = tmp_path / "pids"
    pids.mkdir()
    real_pieces = reader.item_pieces

    def tagged(*args, **kwargs):  # forked DataLoader workers inherit this patch
        (pids / str(os.getpid())).touch()
        yield from real_pieces(*args, **kwargs)

    monkeypatch.setattr(reader, "item_pieces", tagged)
    calls = []
    real_encode = UnitPipeline.batch_units_prepared

    def counted(self, waves):
        calls.append(sum(len(w) for w in waves))
        return real_encode(self, waves)

    monkeypatch.setattr(UnitPipeline, "batch_units_prepared", counted)
    meta = extract(ExtractConfig(out=str(tmp_path / "workers"), num_workers=2, batch_seconds=6.0, **base))
    assert shard_bytes(tmp_path / "workers") == shard_bytes(tmp_path / "serial")
    workers = {int(p.name) for p in pids.iterdir()} - {os.getpid()}  # a one-file shard decodes in-process
    assert len(workers) >= 2  # decoding ran in other processes (two per shard)
    assert meta["stats"]["skipped"] == 2 and meta["source"]["inputs_cut"] == 1
    # every encoder call holds < 6 s of audio plus the one piece that crossed the limit (<= 12 s)
    assert len(calls) > 3 and max(calls) < (6.0 + 12.0) * 16000


def test_hubert_forward_passes_are_bounded_by_padded_seconds_and_units_do_not_change():
    from hf_slm.units.encoders import build_encoder
    from tests.helpers.units import tiny_hubert

    model = tiny_hubert(25)
    waves = [speechlike(s, 16000, i) for i, s in enumerate((4.0, 1.0, 3.0, 2.5, 0.5, 1.5))]
    small = build_encoder("hubert", model=model, layer=2, device="cpu", batch_size=8, batch_seconds=4.0)
    big = build_encoder("hubert", model=model, layer=2, device="cpu", batch_size=8, batch_seconds=1000.0)
    order = sorted(range(len(waves)), key=lambda i: len(waves[i]), reverse=True)
    batches = list(small._batches(order, waves))
    assert len(batches) > 1 and sorted(i for b in batches for i in b) == list(range(len(waves)))
    for b in batches:  # longest first: padded size = count × first length
        assert len(b) == 1 or len(b) * len(waves[b[0]]) <= 4.0 * 16000
    assert list(big._batches(order, waves)) == [order]
    for a, b in zip(small.encode(waves), big.encode(waves)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


FAKE_SBATCH = r"""#!/usr/bin/env bash
# stand-in sbatch: runs an array script's tasks one after another, or a --wrap job, at once
echo "$@" >> "$FAKE_SLURM_LOG"
wrap=""; script=""
for a in "$@"; do case "$a" in --wrap=*) wrap="${a#--wrap=}";; --*) ;; *) script="$a";; esac; done
if [ -n "$wrap" ]; then SLURM_JOB_ID=2 bash -c "$wrap" || exit 1; echo 2; exit 0; fi
range=$(sed -n 's/^#SBATCH --array=\([0-9]*\)-\([0-9]*\).*/\1 \2/p' "$script")
for i in $(seq $range); do
  SLURM_JOB_ID=1 SLURM_ARRAY_JOB_ID=1 SLURM_ARRAY_TASK_ID=$i bash "$script" >> "$FAKE_SLURM_LOG" 2>&1 || exit 1
done
echo 1
"""

FAKE_SCONTROL = r"""#!/usr/bin/env bash
echo "scontrol $*" >> "$FAKE_SLURM_LOG"
"""


def _fake_slurm(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("sbatch", FAKE_SBATCH), ("scontrol", FAKE_SCONTROL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "slurm.log"
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_SLURM_LOG": str(log),
            "OMP_NUM_THREADS": "1"}, log


def _emit(tmp_path, src, cb, out, *extra):
    script = tmp_path / "extract.sbatch"
    r = subprocess.run([sys.executable, "-m", "hf_slm.cli.main", "units", "extract", "--input", str(src),
                        "--codebook", str(cb), "--out", str(out), "--shard-size", "3", "--max-segment-seconds", "12",
                        "--num-shards", "3", "--emit", "slurm", "--emit-out", str(script), *extra],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return script


def test_emitted_slurm_array_extracts_every_shard_then_merges_once(tmp_path, corpus):
    src, cb = corpus
    out = tmp_path / "ds"
    script = _emit(tmp_path, src, cb, out, "--sbatch", "time=2:00:00", "--max-parallel", "2")
    text = script.read_text()
    for line in ("#SBATCH --array=0-2%2", "#SBATCH --requeue", "#SBATCH --time=2:00:00", "#SBATCH --signal=B:USR1@"):
        assert line in text
    assert f"cd {REPO}" in text and "--no-merge" in text and "--dependency=afterok:" in text
    env, log = _fake_slurm(tmp_path)
    r = subprocess.run(["bash", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (r.stderr, log.read_text() if log.exists() else "")
    assert (tmp_path / "ds-slurm-logs").is_dir()  # made before submission: Slurm opens logs there
    extract(ExtractConfig(input=str(src), out=str(tmp_path / "direct"), codebook=str(cb), shard_size=3,
                          max_segment_seconds=12.0, progress=False))
    assert shard_bytes(out) == shard_bytes(tmp_path / "direct")
    assert (out / "meta.json").exists() and log.read_text().count("units: ") == 0  # tasks never merged
    assert "afterok:1" in log.read_text()


def test_the_pre_timeout_signal_requeues_the_task(tmp_path, corpus):
    src, cb = corpus
    script = _emit(tmp_path, src, cb, tmp_path / "ds")
    env, log = _fake_slurm(tmp_path)
    env.update(SLURM_JOB_ID="77", SLURM_ARRAY_JOB_ID="77", SLURM_ARRAY_TASK_ID="1")
    proc = subprocess.Popen(["bash", str(script)], cwd=tmp_path, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not (tmp_path / "ds").exists():  # the task is running
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGUSR1)
        assert proc.wait(timeout=30) == 0
        assert "scontrol requeue 77_1" in log.read_text()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the extraction the trap left running
        except ProcessLookupError:
            pass


def test_emit_without_num_shards_exits_2_and_writes_nothing(tmp_path, corpus):
    src, cb = corpus
    r = subprocess.run([sys.executable, "-m", "hf_slm.cli.main", "units", "extract", "--input", str(src),
                        "--codebook", str(cb), "--out", str(tmp_path / "ds"), "--emit", "slurm",
                        "--emit-out", str(tmp_path / "x.sbatch")], cwd=REPO, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0 and "--num-shards" in r.stderr
    assert not (tmp_path / "x.sbatch").exists() and not (tmp_path / "ds").exists()


def test_parquet_audio_is_read_one_row_group_at_a_time_with_the_right_rows(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hf_slm.audio.dataset import encode_audio
    from hf_slm.audio.io import decode_audio
    from hf_slm.units.sources import Source

    waves = [speechlike(0.2 + 0.1 * i, 16000, i) for i in range(7)]
    table = pa.table({"id": [f"r{i}" for i in range(7)], "audio": [encode_audio(w, 16000) for w in waves]})
    (tmp_path / "ds" / "data").mkdir(parents=True)
    pq.write_table(table, tmp_path / "ds" / "data" / "train-00000-of-00001.parquet", row_group_size=3)
    src = Source(tmp_path / "ds")
    items, _ = src.items()
    for it in reversed(items):  # out of order: row groups are re-read as needed
        got, _ = decode_audio(src.audio(it))
        assert got.size == waves[int(it.id[1:])].size
    assert len(src._table_cache[2]) == 3  # only one row group is held


def test_two_torchrun_style_ranks_at_once_give_the_single_process_dataset(tmp_path, corpus):
    """WORLD_SIZE/RANK as torchrun and accelerate set them; ranks finishing together merge in turn."""
    src, cb = corpus
    cmd = [sys.executable, "-m", "hf_slm.cli.main", "units", "extract", "--input", str(src), "--codebook", str(cb),
           "--out", str(tmp_path / "ranks"), "--shard-size", "3", "--max-segment-seconds", "12", "--quiet"]
    procs = [subprocess.Popen(cmd, cwd=REPO, env={**os.environ, "OMP_NUM_THREADS": "1", "WORLD_SIZE": "2",
                                                  "RANK": str(r)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for r in range(2)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read().decode()[-2000:]
    extract(ExtractConfig(input=str(src), out=str(tmp_path / "one"), codebook=str(cb), shard_size=3,
                          max_segment_seconds=12.0, progress=False))
    assert shard_bytes(tmp_path / "ranks") == shard_bytes(tmp_path / "one")
    assert (tmp_path / "ranks" / "meta.json").exists()
