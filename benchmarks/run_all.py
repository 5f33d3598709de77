#!/usr/bin/env python
"""Run every stage's benchmark, print one table of side-by-side ratios, write all results as JSON.

    python benchmarks/run_all.py                      # full sizes (about 10 minutes on 2 cores)
    python benchmarks/run_all.py --quick              # smaller sizes, a couple of minutes
    python benchmarks/run_all.py --only train scoring --json /tmp/bench.json
    python benchmarks/run_all.py --gpu                # add the GPU parts (HuBERT-base, MFU, full scoring)

Each script runs as its own subprocess (one crash does not stop the others) and writes its JSON
to a temporary folder; ROWS turns each script's JSON into table rows. A failed script shows as a
row "failed: <error>" and makes the exit status non-zero.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("benchmark", "compared", "measured", "baseline", "ratio", "goal", "met")
PAPER_A100_MFU = {"20M": 0.32, "85M": 0.37, "155M": 0.42, "309M": 0.44, "823M": 0.63}  # the paper's official runs


def row(benchmark, compared, measured, baseline, ratio, goal, met):
    return dict(zip(COLUMNS, (benchmark, compared, measured, baseline, ratio, goal, met)))


# ---- how to read each script's JSON into rows -------------------------------------------------

def rows_units(doc):
    out = []
    for r in doc["results"]:
        gpu_hubert = "hubert-base" in r["encoder"] and "cuda" in r["encoder"]
        goal = 200 if r["encoder"].startswith("mel") else 2000 if gpu_hubert else None
        out.append(row("units", f"{r['encoder']}: audio s / wall s",
                       f"{r['real_time_factor']:.0f}× real time ({r['units_per_second']} units/s)",
                       "real time (1×)", r["real_time_factor"], f"≥{goal}×" if goal else "—",
                       r["real_time_factor"] >= goal if goal else None))
    return out


def rows_synth(doc):
    return [row("synth", "eSpeak engine alone: audio s / CPU s", f"{doc['engine_rtf_per_core']:.0f}× per core",
                "real time (1×)", doc["engine_rtf_per_core"], "≥300×", doc["engine_rtf_per_core"] >= 300),
            row("synth", f"story pipeline (fork + FLAC), {doc['machine']['workers']} worker(s): audio s / wall s",
                f"{doc['pipeline_rtf_per_worker']:.0f}× per worker, {doc['stories_per_minute']:.0f} stories/min",
                "real time (1×)", doc["pipeline_rtf_per_worker"], "≥300×", doc["pipeline_rtf_per_worker"] >= 300)]


def rows_train(doc):
    if doc["gpu"]:
        out = []
        for s in doc["results"]["scales"]:
            rec, default, paper = s["recipe"], s["trainer_default"], PAPER_A100_MFU.get(s["scale"])
            mfu = rec["mfu"]
            out.append(row("train-gpu", f"{s['scale']}: recipe MFU ({doc['results']['device']}) vs paper A100 MFU",
                           f"MFU {mfu:.1%}, {rec['tokens_per_s']:.0f} tok/s" if mfu is not None else
                           f"{rec['tokens_per_s']:.0f} tok/s (unknown peak)",
                           f"{paper:.0%} (paper)" if paper else "—",
                           mfu / paper if mfu is not None and paper else None,
                           f"≥{paper:.0%}" if paper else "—",
                           mfu >= paper if mfu is not None and paper else None))
            out.append(row("train-gpu", f"{s['scale']}: recipe vs default TrainingArguments tok/s",
                           f"{rec['tokens_per_s']:.0f} tok/s", f"{default['tokens_per_s']:.0f} tok/s",
                           rec["tokens_per_s"] / default["tokens_per_s"], "—", None))
        return out
    return [row("train", f"{r['scale']}: packed vs padded one-doc-per-row, real tok/s",
                f"{r['packed']['tokens_per_s']:.0f} tok/s (pad {r['packed']['pad_fraction']:.1%})",
                f"{r['padded']['tokens_per_s']:.0f} tok/s (pad {r['padded']['pad_fraction']:.1%})",
                r["speedup_real_tokens"], "≥1.5×, pad ≤1%",
                r["speedup_real_tokens"] >= 1.5 and r["packed"]["pad_fraction"] <= 0.01)
            for r in doc["results"]]


def rows_scoring(doc):
    where = doc["gpu"] or doc["device"]
    out = [row("scoring", f"{doc['scale']} {c['kind']} ({where}): batched + prompt sharing vs one pair at a time",
               f"{c['batched_shared_pairs_per_s']:.0f} pairs/s (compute ceiling {c['ceiling_pairs_per_s']:.0f} "
               f"pairs/s = {c['speedup_ceiling']:.1f}×)",
               f"{c['one_pair_at_a_time_pairs_per_s']:.1f} pairs/s", c["speedup"], "≥20×", c["speedup"] >= 20)
           for c in doc["compare"]]
    lm = doc.get("lm_eval") or {}
    for t in lm.get("tasks", []):
        out.append(row("scoring", f"{doc['scale']} text {t['task']}: hf-slm vs lm-evaluation-harness, same requests",
                       f"{t['hf_slm_pairs_per_s']:.0f} pairs/s (max diff {t['max_abs_diff_nats']:.1e} nats, "
                       f"{t['same_decisions']}/{t['pairs']} same decisions)",
                       f"{t['lm_eval_pairs_per_s']:.0f} pairs/s", t["ratio"], "≥1.0×", t["ratio"] >= 1.0))
    if lm.get("skipped"):
        out.append(row("scoring", "hf-slm vs lm-evaluation-harness", f"skipped: {lm['skipped']}", "", None, "≥1.0×", None))
    if "full" in doc:
        f = doc["full"]
        out.append(row("scoring", f"{f['scale']}: all of sBLIMP dev + sSC + tSC ({f['pairs']} pairs), wall s",
                       f"{f['total_s']:.1f} s", "60 s budget", 60 / f["total_s"], "<60 s", f["total_s"] < 60))
    return out


def rows_scaling_fit(doc):
    out = []
    if "plain" in doc:
        for key, suffix, how in (("batched", "", "varpro (default)"), ("batched_grid", "_grid", "every start batched")):
            rel = doc["objective_rel_diff" + suffix]
            out.append(row("scaling_fit", f"T1 Chinchilla fit, {doc['starts']} starts, {how} vs plain scipy loop",
                           f"{doc[key]['seconds']:.2f} s (objective rel. diff {rel:.1e})",
                           f"{doc['plain']['seconds']:.1f} s", doc["speedup_wall" + suffix],
                           "≥30×, same optimum ≤1e-6", doc["speedup_wall" + suffix] >= 30 and abs(rel) <= 1e-6))
    b = doc["bootstrap"]
    out.append(row("scaling_fit", f"bootstrap of the fit, {b['resamples']} resamples, wall s", f"{b['seconds']:.2f} s",
                   "10 s budget", 10 / b["seconds"], "<10 s (1,000 resamples)",
                   b["seconds"] < 10 if b["resamples"] >= 1000 else None))
    return out


def rows_data(doc):
    out = []
    for r in doc["results"]:
        old, warm, cold = r["list"], r["store_warm"], r["store_cold"]
        out.append(row("data", f"{r['tokens']:.0e} tokens: run data set-up, token store (warm) vs list builder",
                       f"{warm['setup_s']:.2f} s, peak RSS {warm['peak_rss_mb']:.0f} MB (cold build {cold['setup_s']:.2f} s)",
                       f"{old['setup_s']:.1f} s, peak RSS {old['peak_rss_mb']:.0f} MB", r["setup_speedup_warm"],
                       "≥10× at 1e8, same batches",
                       r["same_batches"] and (r["tokens"] < 1e8 or r["setup_speedup_warm"] >= 10)))
    if "warm_rss_growth" in doc:
        g = doc["warm_rss_growth"]
        out.append(row("data", "peak RSS growth, smallest -> largest N (warm store)", f"{g:+.1%}", "—", None,
                       "≤ +25%", g <= 0.25))
    return out


def rows_design(doc):
    d = doc["design"]
    out = [row("design", f"hf-slm design, {doc['grid']}, {doc['sims']} simulations, {d['workers']} workers, wall s",
               f"{d['seconds']:.1f} s", f"{doc['goal_seconds']:.0f} s budget", doc["goal_seconds"] / d["seconds"],
               f"<{doc['goal_seconds']:.0f} s", d["seconds"] < doc["goal_seconds"])]
    if "serial" in doc:
        s = doc["serial"]
        out.append(row("design", "same, workers vs one process", f"{d['seconds']:.1f} s", f"{s['seconds']:.1f} s",
                       s["seconds"] / d["seconds"], "—", None))
    return out


ROWS = {"units": rows_units, "data": rows_data, "design": rows_design, "synth": rows_synth, "train": rows_train, "train-gpu": rows_train,
        "scoring": rows_scoring, "scaling_fit": rows_scaling_fit}


# ---- which scripts, with which sizes -----------------------------------------------------------

def jobs(quick: bool, gpu: bool) -> list[tuple[str, str, list[str]]]:
    """(name, script, extra arguments); each script also gets `--json PATH`."""
    q = (lambda *a: list(a)) if quick else (lambda *a: [])
    out = [("units", "bench_units.py",
            q("--seconds", "120", "--extract-seconds", "300", "--hubert-seconds", "20") + ([] if gpu else ["--hubert", "tiny"])),
           ("synth", "bench_synth.py", q("--stories", "10")),
           ("data", "bench_data.py", ["--tokens", "1e6", "1e7"] if quick else ["--tokens", "1e7", "1e8"]),
           ("train", "bench_train.py", q("--scales", "tiny-250k", "--steps", "4", "--warmup", "1")),
           ("scoring", "bench_scoring.py", q("--n-naive", "20", "--n-batched", "200") + (["--full"] if gpu else [])),
           ("scaling_fit", "bench_scaling_fit.py", q("--starts", "300", "--resamples", "200")),
           ("design", "bench_design.py", q("--sims", "50") or ["--serial"])]
    if gpu:
        out.insert(3, ("train-gpu", "bench_train.py", ["--gpu"] + q("--scales", "20M", "85M", "--steps", "5")))
    return out


def error_line(stderr: str, rc: int) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    tb = [ln for ln in lines if ln and not ln[0].isspace() and not ln.startswith("Traceback")]
    return (tb[-1] if tb else lines[-1] if lines else f"exit status {rc}").strip()[:200]


def run_one(name, script, extra, out_dir: Path, timeout: float) -> dict:
    path = out_dir / f"{name}.json"
    cmd = [sys.executable, str(HERE / script), *extra, "--json", str(path)]
    print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
    t0, load0 = time.perf_counter(), loadavg()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        rc, stdout, stderr = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, stdout, stderr = None, e.stdout or "", f"timed out after {timeout:.0f} s"
        stdout = stdout.decode() if isinstance(stdout, bytes) else stdout
    res = {"command": cmd[1:], "returncode": rc, "wall_s": round(time.perf_counter() - t0, 1),
           "loadavg_before": load0, "loadavg_after": loadavg(), "stdout_tail": stdout[-2000:]}
    try:
        if rc != 0:
            raise RuntimeError(error_line(stderr, rc))
        res["data"] = json.loads(path.read_text())
        res["rows"] = ROWS[name](res["data"])
    except Exception as e:  # noqa: BLE001 - any failure becomes a row
        res["stderr_tail"] = stderr[-4000:]
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        res["rows"] = [row(name, "", f"failed: {msg}", "", None, "", False)]
        res["failed"] = True
    print(f"   {'FAILED' if res.get('failed') else 'ok'} in {res['wall_s']} s", flush=True)
    return res


# ---- machine and table -------------------------------------------------------------------------

def loadavg() -> list[float] | None:
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


def machine() -> dict:
    sys.path.insert(0, str(HERE.parent))
    from hf_slm.provenance import git_commit, hardware, package_versions

    model = None
    try:
        model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                      if ln.startswith("model name")), None)
    except OSError:
        pass
    return {**hardware(), "cpu_model": model, "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "git_commit": git_commit(), "versions": package_versions(), "loadavg_before": loadavg()}


def fmt(v):
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:.3g}×" if v < 100 else f"{v:.0f}×"
    return str(v)


def table(rows) -> str:
    cells = [list(COLUMNS)] + [[fmt(r[c]) for c in COLUMNS] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(line, widths)) for line in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (goals are stated for full sizes)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help=f"run only these ({', '.join(ROWS)})")
    ap.add_argument("--gpu", action="store_true", help="add the GPU parts (when a GPU is present)")
    ap.add_argument("--json", type=Path, default=HERE / "results" / "latest.json")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per script")
    args = ap.parse_args(argv)

    info = machine()
    gpu = args.gpu and bool(info.get("gpu"))
    if args.gpu and not gpu:
        print("--gpu: no GPU found, running the CPU parts only")
    todo = [j for j in jobs(args.quick, gpu) if not args.only or j[0] in args.only or j[0].split("-")[0] in args.only]
    results = {}
    with tempfile.TemporaryDirectory(prefix="hf_slm_bench_") as tmp:
        for name, script, extra in todo:
            results[name] = run_one(name, script, extra, Path(tmp), args.timeout)
    info["loadavg_after"] = loadavg()
    rows = [r for res in results.values() for r in res["rows"]]
    print()
    print(table(rows))
    print(f"\n{info.get('cpu_count')} CPUs ({info.get('cpu_model')}), torch threads {info.get('torch_threads')}, "
          f"GPU {info.get('gpu') or 'none'}; load {info['loadavg_before']} -> {info['loadavg_after']}"
          + ("; --quick sizes: goals are stated for the full sizes" if args.quick else ""))
    doc = {"machine": info, "command": [Path(sys.executable).name, *sys.argv] if argv is None else argv,
           "quick": args.quick, "gpu": gpu, "rows": rows, "results": results}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.json}")
    failed = [n for n, r in results.items() if r.get("failed")]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
