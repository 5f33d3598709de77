"""eSpeak NG synthesis speed on this machine: real-time factor per core and stories per minute.

    python benchmarks/bench_synth.py [--stories 40] [--workers 1] [--json out.json]

RTF per core = seconds of 16 kHz audio made / worker CPU-seconds, measured two ways:
`engine` (eSpeak alone in one warm process: the library's own speed, not repeatable audio) and
`pipeline` (what datasets use: one fresh fork per story + resampling + alignment + FLAC, on
`workers` processes, wall clock). Stories come from the built-in generator (seed 0).
"""

from __future__ import annotations

import argparse
import json
import os
import time


def _engine_rtf(texts) -> dict:
    from hf_slm.synth.espeak import Espeak

    e = Espeak.get()
    e.synth(texts[0], "en-us")  # warm-up (loads voice and dictionary)
    t0, c0 = time.perf_counter(), time.process_time()
    audio = sum(len(e.synth(t, "en-us").samples) / e.sample_rate for t in texts)
    return {"audio_s": audio, "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stories", type=int, default=40)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    import multiprocessing as mp

    from hf_slm.synth.build_stories import _story_task
    from hf_slm.synth.fresh import FreshPool
    from hf_slm.synth.stories import generate_stories

    texts = [s.text for s in generate_stories(args.stories, seed=0)]
    with mp.get_context("spawn").Pool(1) as p:  # keep this process free of eSpeak state
        eng = p.apply(_engine_rtf, (texts,))
    voices = ["en-us", "en-us+f3"]
    items = [(f"s{i}", t, voices[i % 2], False) for i, t in enumerate(texts)]
    with FreshPool("espeak", args.workers) as pool:
        pool.map(_story_task, items[:2])  # start-up excluded
        t0 = time.perf_counter()
        rows = pool.map(_story_task, items)
        wall = time.perf_counter() - t0
    audio = sum(r["duration"] for r in rows)
    res = {
        "machine": {"cpu_count": os.cpu_count(), "workers": args.workers},
        "stories": len(rows), "audio_hours": audio / 3600,
        "engine_rtf_per_core": eng["audio_s"] / eng["cpu_s"],
        "engine_rtf_wall": eng["audio_s"] / eng["wall_s"],
        "pipeline_rtf_per_worker": audio / wall / args.workers,
        "pipeline_rtf_wall": audio / wall,
        "stories_per_minute": len(rows) / wall * 60,
        "mean_story_seconds": audio / len(rows),
    }
    print(f"eSpeak engine: {res['engine_rtf_per_core']:.0f}x real time per core (CPU time), "
          f"{res['engine_rtf_wall']:.0f}x wall")
    print(f"story pipeline ({args.workers} worker(s), fork per story, 16 kHz FLAC + alignments): "
          f"{res['pipeline_rtf_wall']:.0f}x real time, {res['stories_per_minute']:.0f} stories/min "
          f"({res['mean_story_seconds']:.1f} s per story)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    return res


if __name__ == "__main__":
    main()
