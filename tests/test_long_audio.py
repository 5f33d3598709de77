"""Long audio: block decoding, cuts at quiet points, segment ids, and bounded memory on a 2-hour file."""

from tests.helpers.units import mel_codebook, speechlike, tone, write_corpus  # noqa: I001 - thread limits

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import soundfile as sf

from hf_slm.audio import load_audio
from hf_slm.audio.stream import cut_stream, iter_segments, stream_mono
from hf_slm.units.extract import ExtractConfig, extract

REPO = Path(__file__).resolve().parents[1]
RATE = 16000


def talk_with_pauses(seconds_each, rate=RATE, pause=0.6, seed=0):
    """Speech-like stretches separated by near-silent pauses; returns (wave, pause centres in samples)."""
    parts, centres, pos = [], [], 0
    for i, s in enumerate(seconds_each):
        parts.append(speechlike(s, rate, seed + i))
        pos += parts[-1].size
        gap = (0.001 * np.random.default_rng(seed + i).standard_normal(int(pause * rate))).astype(np.float32)
        centres.append(pos + gap.size // 2)
        parts.append(gap)
        pos += gap.size
    return np.concatenate(parts), centres[:-1]


def blocks(x, n):
    return (x[i: i + n] for i in range(0, x.size, n))


def test_cuts_fall_in_pauses_and_lose_no_sample():
    wave, pauses = talk_with_pauses([7.3, 6.1, 8.2, 5.0, 7.7, 6.4, 4.9])
    segs = list(cut_stream(blocks(wave, 12345), RATE, max_seconds=16.0))
    assert np.array_equal(np.concatenate([w for _, w in segs]), wave)  # contiguous, nothing lost or doubled
    starts = [s for s, _ in segs]
    assert starts == list(np.cumsum([0] + [w.size for _, w in segs[:-1]]))
    for _, w in segs:
        assert 8.0 * RATE <= w.size <= 16.0 * RATE  # every segment, the last too, in [max/2, max]
    for cut in starts[1:]:  # each cut is inside a pause (within 0.3 s of its centre), not in speech
        assert min(abs(cut - p) for p in pauses) < 0.3 * RATE, cut / RATE


def test_block_decoding_equals_whole_file_and_resampling_stays_close(tmp_path):
    x = speechlike(33.0, RATE, 3)
    sf.write(tmp_path / "a.wav", x, RATE, subtype="FLOAT")
    got = np.concatenate(list(stream_mono(tmp_path / "a.wav", RATE, block_seconds=4.0)))
    assert np.array_equal(got, x)
    part = np.concatenate(list(stream_mono(tmp_path / "a.wav", RATE, offset=2.5, duration=7.25, block_seconds=3.0)))
    assert np.array_equal(part, x[40000: 40000 + 116000])
    y = speechlike(20.0, 22050, 4)
    sf.write(tmp_path / "b.wav", y, 22050, subtype="FLOAT")
    streamed = np.concatenate(list(stream_mono(tmp_path / "b.wav", RATE, block_seconds=3.0)))
    whole = load_audio(tmp_path / "b.wav", RATE)
    assert abs(streamed.size - whole.size) <= 1
    n = min(streamed.size, whole.size)
    assert np.max(np.abs(streamed[:n] - whole[:n])) < 1e-3  # the streaming resampler is the same filter


def test_short_input_is_exactly_load_audio_and_bad_segments_are_reported(tmp_path):
    x = speechlike(5.0, 44100, 1)
    sf.write(tmp_path / "s.flac", x, 44100)
    (seg,) = iter_segments(tmp_path / "s.flac", RATE, max_seconds=10.0, min_seconds=0.1)
    assert seg.whole and np.array_equal(seg.wave, load_audio(tmp_path / "s.flac", RATE, min_seconds=0.1))
    wave, _ = talk_with_pauses([6.0, 6.0])
    sf.write(tmp_path / "z.wav", np.r_[wave, np.zeros(12 * RATE, np.float32)], RATE, subtype="FLOAT")
    segs = list(iter_segments(tmp_path / "z.wav", RATE, max_seconds=10.0))
    assert not any(s.whole for s in segs) and segs[0].start == 0.0
    assert {s.error.reason for s in segs if s.error} == {"all_zero"}  # the digital silence, nothing else
    assert segs[0].wave is not None and segs[0].end >= 5.0
    assert abs(segs[-1].end - (wave.size + 12 * RATE) / RATE) < 1e-9
    (bad,) = iter_segments(b"not audio", RATE)
    assert bad.whole and bad.error.reason == "unreadable"


def test_extract_cuts_long_inputs_into_named_segments_with_the_units_of_each_span(tmp_path):
    from hf_slm.units.pipeline import UnitPipeline

    mel_codebook(tmp_path / "cb.safetensors", k=16)
    src = tmp_path / "audio"
    write_corpus(src, 3, seconds=(1.0, 3.0))
    wave, _ = talk_with_pauses([6.5, 7.0, 5.5, 8.0, 6.0])
    sf.write(src / "book.wav", wave, RATE, subtype="FLOAT")
    base = dict(input=str(src), codebook=str(tmp_path / "cb.safetensors"), shard_size=2, test_fraction=0.0,
                progress=False)
    meta = extract(ExtractConfig(out=str(tmp_path / "cut"), max_segment_seconds=12.0, **base))
    extract(ExtractConfig(out=str(tmp_path / "whole"), max_segment_seconds=None, **base))

    def rows(out):
        return {r["id"]: r for p in sorted((out / "data").glob("*.parquet")) for r in pq.read_table(p).to_pylist()}

    cut, whole = rows(tmp_path / "cut"), rows(tmp_path / "whole")
    seg_ids = sorted((i for i in cut if i.startswith("book@")), key=lambda i: float(i[5:].split("-")[0]))
    assert len(seg_ids) >= 3 and "book" not in cut and "book" in whole
    for i in ("utt000", "utt001", "utt002"):  # short inputs: the same ids and rows as without cutting
        assert cut[i] == whole[i]
    # the ids name contiguous spans of the file, and each row holds the units of exactly its span
    pipe = UnitPipeline.from_codebook(tmp_path / "cb.safetensors")
    bounds = np.cumsum([0] + [round(cut[i]["duration"] * RATE) for i in seg_ids])
    assert bounds[-1] == wave.size
    for i, a, b in zip(seg_ids, bounds[:-1], bounds[1:]):
        start, end = (float(t) for t in i[5:].split("-"))
        assert abs(start - a / RATE) < 0.006 and abs(end - b / RATE) < 0.006
        units, durations = pipe.units(wave[a:b], RATE)
        assert cut[i]["units"] == units.tolist() and cut[i]["durations"] == durations.tolist()
    assert meta["stats"]["rows"] == 3 + len(seg_ids) and meta["source"]["inputs_cut"] == 1
    assert abs(meta["stats"]["seconds"] - (wave.size / RATE + sum(whole[i]["duration"] for i in
                                                                   ("utt000", "utt001", "utt002")))) < 1e-3


def test_segment_words_follow_their_segment(tmp_path):
    import json

    mel_codebook(tmp_path / "cb.safetensors", k=8)
    wave, pauses = talk_with_pauses([6.0, 6.0, 6.0])
    sf.write(tmp_path / "long.wav", wave, RATE, subtype="FLOAT")
    p1 = pauses[0] / RATE
    words = [{"word": "one", "start": 1.0, "end": 2.0}, {"word": "two", "start": p1 + 1.0, "end": p1 + 1.5}]
    (tmp_path / "m.jsonl").write_text(json.dumps({"id": "ch1", "path": "long.wav", "text": "one two",
                                                  "words": words}) + "\n")
    meta = extract(ExtractConfig(input=str(tmp_path / "m.jsonl"), out=str(tmp_path / "ds"),
                                 codebook=str(tmp_path / "cb.safetensors"), test_fraction=0.0,
                                 max_segment_seconds=10.0, progress=False))
    got = pq.read_table(tmp_path / "ds" / "data" / "train-00000-of-00001.parquet").to_pylist()
    assert [r["text"] for r in got][:2] == ["one", "two"] and meta["stats"]["rows"] == len(got) >= 2
    assert abs(float(got[1]["id"].split("@")[1].split("-")[0]) - p1) < 0.3  # the first cut is in the first pause
    (w,) = got[1]["words"]
    assert w["word"] == "two" and 0 <= w["start"] < w["end"] <= len(got[1]["units"])


def test_fit_on_a_cut_file_samples_frames_from_all_of_it(tmp_path):
    from hf_slm.units.encoders import build_encoder
    from hf_slm.units.fit import sample_frames
    from hf_slm.units.sources import Source

    # 38 s of quiet speech, then 10 s of a loud tone: the tone's frames are easy to tell apart
    wave, _ = talk_with_pauses([9.0] * 4)
    loud = tone(300.0, 10.0, RATE, amp=0.9)
    sf.write(tmp_path / "long.wav", np.r_[0.05 * wave, loud], RATE, subtype="FLOAT")
    enc = build_encoder("mel")
    frames, stats = sample_frames(Source(tmp_path), enc, frames_per_file=300, max_segment_seconds=12.0)
    assert len(frames) == 300 and stats == {"files_used": 1, "files_skipped": 0}
    tone_mean, talk_mean = (enc.encode([x])[0].mean(axis=0) for x in (loud, 0.05 * wave))
    from_tone = np.linalg.norm(frames - tone_mean, axis=1) < np.linalg.norm(frames - talk_mean, axis=1)
    assert 0.1 < from_tone.mean() < 0.35  # ~10 s of ~48 s: drawn from all of the file, not its start


def write_long_wav(path: Path, seconds: float, rate: int = RATE, seed: int = 0) -> None:
    """Low-amplitude noise with a quiet 250 ms in every 10 s, written 10 s at a time (16-bit WAV)."""
    rng = np.random.default_rng(seed)
    with sf.SoundFile(path, "w", rate, 1, subtype="PCM_16", format="WAV") as f:
        block = 10 * rate
        for _ in range(int(seconds * rate) // block):
            x = (0.02 * rng.standard_normal(block)).astype(np.float32)
            q = int(rng.integers(0, block - 4000))
            x[q: q + 4000] *= 0.01
            f.write(x)


def peak_rss_mb(cmd: list[str]) -> tuple[int, float]:
    """(exit code, peak RSS in MB) of one fresh child process, from the kernel's rusage of that child."""
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units and /tmp space as on Linux")
def test_two_hour_file_extracts_and_fits_in_under_1gb(tmp_path):
    mel_codebook(tmp_path / "cb.safetensors", k=8)
    (tmp_path / "audio").mkdir()
    write_long_wav(tmp_path / "audio" / "two_hours.wav", 7200.0)  # 230 MB on disk, 460 MB as float32
    cli = [sys.executable, "-m", "hf_slm.cli.main", "units"]
    t = time.time()
    rc, rss = peak_rss_mb(cli + ["extract", "--input", str(tmp_path / "audio"), "--codebook",
                                 str(tmp_path / "cb.safetensors"), "--out", str(tmp_path / "ds"), "--quiet"])
    assert rc == 0 and rss < 1000, (rc, rss)
    rows = pq.read_table(tmp_path / "ds" / "data" / "train-00000-of-00001.parquet", columns=["id", "duration"])
    ids, secs = rows.column("id").to_pylist(), rows.column("duration").to_pylist()
    assert len(ids) >= 60 and all(i.startswith("two_hours@") for i in ids)
    assert abs(sum(secs) - 7200.0) < 0.01 and max(secs) <= 120.0
    rc, rss = peak_rss_mb(cli + ["fit-kmeans", "--input", str(tmp_path / "audio"), "--out",
                                 str(tmp_path / "cb2.safetensors"), "--k", "4", "--max-frames", "1000"])
    assert rc == 0 and rss < 1000, (rc, rss)
    assert time.time() - t < 120
