"""Throughput of the unit stage: units per second and real-time factor (seconds of audio per second).

    python benchmarks/bench_units.py                 # offline mel encoder + K=500 k-means; tiny HuBERT on CPU
    python benchmarks/bench_units.py --hubert base   # HuBERT-base shape (random weights), bf16 on a GPU
    python benchmarks/bench_units.py --json out.json # also write every printed record to one JSON file
    python benchmarks/bench_units.py --only processes --processes-seconds 1800   # 1 vs 2 extract processes

Audio is generated (no downloads); HuBERT weights are random with the real architecture, which
costs the same compute as the trained model. Times exclude model construction and one warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def clips(total_seconds: float, clip_seconds: float, rate: int = 16000, seed: int = 0):
    from tests.helpers.units import speechlike

    n = int(total_seconds // clip_seconds)
    return [speechlike(clip_seconds * (0.75 + 0.5 * ((i * 7) % 10) / 10), rate, seed + i) for i in range(n)]


def run(pipe, waves, label: str, rate: int = 16000) -> dict:
    pipe.batch_units_prepared(waves[:2])  # warm-up
    audio = sum(len(w) for w in waves) / rate
    t = time.perf_counter()
    out = pipe.batch_units_prepared(waves)
    if getattr(pipe.encoder, "device", None) is not None and pipe.encoder.device.type == "cuda":
        import torch

        torch.cuda.synchronize()
    dt = time.perf_counter() - t
    units = sum(len(u) for u, _ in out)
    frames = sum(int(d.sum()) for _, d in out)
    res = {"encoder": label, "audio_seconds": round(audio, 1), "wall_seconds": round(dt, 3),
           "real_time_factor": round(audio / dt, 1), "frames_per_second": round(frames / dt),
           "units_per_second": round(units / dt)}
    print(json.dumps(res))
    RESULTS.append(res)
    return res


def _audio_folder(tmp: Path, seconds: float, cb, seed: int) -> None:
    """TMP/audio/*.flac (22.05 kHz clips of 10 s, as a user's recordings) and TMP/cb.safetensors."""
    import soundfile as sf

    (tmp / "audio").mkdir()
    for i, w in enumerate(clips(seconds, 10.0, rate=22050, seed=seed)):
        sf.write(tmp / "audio" / f"f{i:04d}.flac", w, 22050)
    cb.save(tmp / "cb.safetensors")


def extract_end_to_end(seconds: float, cb) -> dict:
    """`extract` on 22.05 kHz FLAC files: decoding, resampling, encoding, k-means, Parquet shards, merge."""
    import tempfile

    from hf_slm.units.extract import ExtractConfig, extract

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _audio_folder(tmp, seconds, cb, seed=7)
        t = time.perf_counter()
        meta = extract(ExtractConfig(input=str(tmp / "audio"), out=str(tmp / "ds"), codebook=str(tmp / "cb.safetensors"),
                                     shard_size=200, progress=False))
        dt = time.perf_counter() - t
    st = meta["stats"]
    res = {"encoder": "extract end to end (flac 22.05 kHz -> mel -> k-means -> parquet)",
           "audio_seconds": round(st["seconds"], 1), "wall_seconds": round(dt, 3),
           "real_time_factor": round(st["seconds"] / dt, 1), "units_per_second": round(st["units"] / dt)}
    print(json.dumps(res))
    RESULTS.append(res)
    return res


def _extract_cli(tmp: Path, out: str, *extra: str):
    import subprocess

    cmd = [sys.executable, "-m", "hf_slm.cli.main", "units", "extract", "--input", str(tmp / "audio"),
           "--codebook", str(tmp / "cb.safetensors"), "--out", str(tmp / out), "--shard-size", "20", "--quiet", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(cmd, cwd=Path(__file__).resolve().parents[1], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_all(procs) -> None:
    for p in procs:
        _, err = p.communicate()
        if p.returncode:
            raise RuntimeError(err.decode()[-2000:])


def processes_side_by_side(seconds: float, cb, repeats: int = 2) -> dict:
    """`units extract` on the same FLAC input as 1 process, then as 2 (--num-shards 2 + merge), alternated.

    Each variant is a fresh CLI process (start-up included, as a user runs it); the outputs are
    checked to be byte-identical, and the best of `repeats` alternating runs is kept per variant,
    which damps the noise of a machine shared with other jobs.
    """
    import shutil
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _audio_folder(tmp, seconds, cb, seed=11)
        times: dict[str, list[float]] = {"1 process": [], "2 processes": []}
        merges: list[float] = []
        for _ in range(repeats):
            for label in times:
                shutil.rmtree(tmp / ("one" if label == "1 process" else "two"), ignore_errors=True)
                t = time.perf_counter()
                if label == "1 process":
                    _wait_all([_extract_cli(tmp, "one")])
                else:
                    _wait_all([_extract_cli(tmp, "two", "--num-shards", "2", "--shard-index", str(i), "--no-merge")
                               for i in range(2)])
                    m = time.perf_counter()
                    subprocess.run([sys.executable, "-m", "hf_slm.cli.main", "units", "merge", str(tmp / "two")],
                                   check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1])
                    merges.append(time.perf_counter() - m)
                times[label].append(time.perf_counter() - t)
        same = all((tmp / "one" / "data" / p.name).read_bytes() == p.read_bytes()
                   for p in (tmp / "two" / "data").glob("*.parquet"))
    one, two = min(times["1 process"]), min(times["2 processes"])
    res = {"encoder": "extract, 1 vs 2 processes on the same input (best of alternating runs)",
           "audio_seconds": round(seconds, 1), "wall_seconds_1": round(one, 2), "wall_seconds_2": round(two, 2),
           "all_runs": {k: [round(x, 2) for x in v] for k, v in times.items()},
           "merge_process_seconds": round(min(merges), 2), "speedup_2_over_1": round(one / two, 2), "identical_shards": same, "cpu_count": os.cpu_count(),
           "load_average": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(res))
    RESULTS.append(res)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600.0, help="audio for the offline encoder")
    ap.add_argument("--hubert", choices=["auto", "tiny", "base", "none"], default="auto",
                    help="auto: base on a GPU, tiny on CPU")
    ap.add_argument("--extract-seconds", type=float, default=1800.0, help="audio for the end-to-end extract")
    ap.add_argument("--hubert-seconds", type=float, default=None)
    ap.add_argument("--k", type=int, default=500)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--json", type=Path, help="also write the machine and every result here")
    ap.add_argument("--processes-seconds", type=float, default=900.0, help="audio for the 1 vs 2 process comparison")
    ap.add_argument("--only", choices=["all", "processes"], default="all", help="processes: only that comparison")
    args = ap.parse_args()
    try:
        return _main(args)
    finally:
        if args.json:
            args.json.write_text(json.dumps({"machine": MACHINE, "results": RESULTS}, indent=2) + "\n")


MACHINE: dict = {}
RESULTS: list[dict] = []  # every record `run` and `extract_end_to_end` print, for --json


def _main(args) -> int:
    import torch

    from hf_slm.units.encoders import build_encoder
    from hf_slm.units.pipeline import UnitPipeline
    from hf_slm.units.quantizer import Codebook

    rng = np.random.default_rng(0)
    MACHINE.update({"torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
                    "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None})
    print(json.dumps({"torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
                      "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}))
    mel = build_encoder("mel")
    cb = Codebook(rng.normal(size=(args.k, mel.dim)).astype(np.float32), mel.info())
    if args.only == "processes":
        processes_side_by_side(args.processes_seconds, cb)
        return 0
    waves = clips(args.seconds, 10.0)
    run(UnitPipeline(mel, cb), waves, f"mel-mfcc 25 Hz + k-means {args.k}")

    extract_end_to_end(args.extract_seconds, cb)
    processes_side_by_side(args.processes_seconds, cb)

    kind = args.hubert if args.hubert != "auto" else ("base" if torch.cuda.is_available() else "tiny")
    if kind == "none":
        return 0
    from transformers import HubertConfig, HubertModel

    if kind == "base":  # facebook/hubert-base-ls960's architecture
        cfg = HubertConfig()
    else:
        cfg = HubertConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128,
                           conv_dim=(32,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2)
    torch.manual_seed(0)
    layer = min(11, cfg.num_hidden_layers)
    hub = build_encoder("hubert", model=HubertModel(cfg), layer=layer, batch_size=args.batch_size)
    cbh = Codebook(rng.normal(size=(args.k, hub.dim)).astype(np.float32), hub.info())
    seconds = args.hubert_seconds or (3600.0 if hub.device.type == "cuda" else 60.0)
    run(UnitPipeline(hub, cbh), clips(seconds, 10.0, seed=1),
        f"hubert-{kind} layer {layer} {str(hub.dtype).replace('torch.', '')} on {hub.device.type}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
