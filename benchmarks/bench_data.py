"""Setting up one training run's data: the memory-mapped token store beside the list-based builder it replaced.

    python benchmarks/bench_data.py --tokens 1e7 1e8 --json out.json
    python benchmarks/bench_data.py --tokens 1e6 --keep /tmp/bench_data   # keep the dataset and the stores

For each N a synthetic unit dataset of N train tokens (K=500, documents of 250-750 units, about a
10-30 s utterance at 25 Hz) is written in the Hub's Parquet layout and opened once so the
`datasets` Arrow cache exists (a one-time cost of either path, reported as `arrow_cache_s`). Then
each path runs in a fresh process, which loads the dataset and calls the builder for one run
(context 2050, U_D = 90% of the split, one epoch):
- `list`: the builder as of --reference (documents read as Python lists, joined in RAM);
- `store_cold`: this tree's builder with an empty store cache (it builds the token store: once per
  dataset and split, by one process);
- `store_warm`: this tree's builder again (the store exists: what every rank pays at every start).
Each process reports `setup_s` (the builder call), `load_s` (opening the dataset folder),
`peak_rss_mb` (ru_maxrss of the process, at the end of set-up), `import_rss_mb` (its RSS before
loading anything), file-backed and anonymous RSS after loading and after set-up (Linux),
`window_read_us` (one training item, as a DataLoader reads it), and a digest of its first and last training windows and its test windows: the paths must agree.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

K, CONTEXT, POOL_FRACTION, DOC_RANGE = 500, 2050, 0.9, (250, 750)
SHARD_TOKENS = 20_000_000  # train tokens per Parquet shard
TEST_DOCS = 400
REFERENCE = "eb83881"  # main when issue 16 measured the list-based builder
DIGEST_WINDOWS = 32
READ_WINDOWS = 2000  # items read to time one window read


# ---- the synthetic dataset ---------------------------------------------------------------------

def write_dataset(folder: Path, n_tokens: int, seed: int = 0) -> dict:
    """A unit dataset folder with ~n_tokens train tokens (and TEST_DOCS test documents)."""
    import pyarrow.parquet as pq

    from hf_slm.dataset_format import shard_name, token_features
    from tests.helpers.unit_data import finish_synthetic_units

    schema = token_features().arrow_schema
    rng = np.random.default_rng(seed)
    mean = sum(DOC_RANGE) / 2
    plan = {"train": max(1, round(n_tokens / mean)), "test": TEST_DOCS}
    counts, seconds = {}, 0.0
    for split, n_docs in plan.items():
        lengths = rng.integers(DOC_RANGE[0], DOC_RANGE[1] + 1, size=n_docs)
        n_shards = max(1, -(-int(lengths.sum()) // SHARD_TOKENS))
        bounds = np.linspace(0, n_docs, n_shards + 1).astype(int)
        for s in range(n_shards):
            lens = lengths[bounds[s]:bounds[s + 1]]
            table = _rows_table(rng, split, int(bounds[s]), lens, schema)
            path = folder / "data" / shard_name(split, s, n_shards)
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, path)
        counts[split] = {"rows": int(n_docs), "tokens": int(lengths.sum())}
        seconds += float(lengths.sum()) / 25
    finish_synthetic_units(folder, K, counts, seconds)
    return counts


def _rows_table(rng, split: str, first: int, lengths: np.ndarray, schema):
    """One shard's rows as an Arrow table of the token dataset schema (built column-wise: fast at 1e8)."""
    import pyarrow as pa

    n = len(lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    units = rng.integers(0, K, size=int(offsets[-1]), dtype=np.int16)
    empty = np.zeros(n + 1, dtype=np.int32)
    words_type = schema.field("words").type.value_type
    cols = {
        "id": pa.array([f"{split}{first + i}" for i in range(n)]),
        "units": pa.ListArray.from_arrays(pa.array(offsets), pa.array(units)),
        "durations": pa.ListArray.from_arrays(pa.array(empty), pa.array([], pa.int16())),
        "duration": pa.array((lengths / 25).astype(np.float32)),
        "speaker": pa.array(["s0"] * n),
        "text": pa.array([""] * n),
        "words": pa.ListArray.from_arrays(pa.array(empty), pa.array([], words_type)),
    }
    return pa.Table.from_arrays([cols[f.name] for f in schema], schema=schema)


# ---- one measured process ----------------------------------------------------------------------

def child(args) -> None:
    """Load the dataset, build one run's data with the chosen builder, report time, RSS and a digest."""
    import hashlib

    if args.child == "list":
        spec = importlib.util.spec_from_file_location("reference_lm", args.reference_file)
        builder_module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = builder_module  # its dataclasses look their module up there
        spec.loader.exec_module(builder_module)
    else:
        from hf_slm.data import lm as builder_module
    from hf_slm.training.budget import plan_budget
    from hf_slm.units.dataset import load_unit_dataset

    import_rss = _rss_now_mb()
    t0 = time.perf_counter()
    source = load_unit_dataset(args.folder)
    t1 = time.perf_counter()
    after_load = {"peak_rss_mb_after_load": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rss_file_mb_after_load": _status_mb("RssFile"), "rss_anon_mb_after_load": _status_mb("RssAnon")}
    budget = plan_budget(1, context=CONTEXT, global_batch=1, tokens=int(POOL_FRACTION * _split_tokens(source)))
    data = builder_module.build_token_lm_dataset(source, budget, args.seed)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    after_setup = {"rss_file_mb_after_setup": _status_mb("RssFile"), "rss_anon_mb_after_setup": _status_mb("RssAnon")}
    n = len(data.train)
    reads = min(n, READ_WINDOWS)
    t3 = time.perf_counter()
    for i in range(reads):  # what a DataLoader does per item, in training order
        data.train[i]
    read_us = (time.perf_counter() - t3) / max(reads, 1) * 1e6
    h = hashlib.sha256()
    for i in [*range(min(DIGEST_WINDOWS, n)), *range(max(DIGEST_WINDOWS, n - DIGEST_WINDOWS), n)]:
        h.update(data.train[i]["input_ids"].numpy().tobytes())
    for i in range(len(data.test)):
        h.update(data.test[i]["input_ids"].numpy().tobytes())
    out = {"path": args.child, "load_s": t1 - t0, "setup_s": t2 - t1, "peak_rss_mb": peak,
           "import_rss_mb": import_rss, **after_load, **after_setup, "window_read_us": read_us,
           "unique_tokens": int(data.unique_tokens),
           "train_windows": n, "test_tokens": int(data.test_tokens), "digest": h.hexdigest()}
    Path(args.out).write_text(json.dumps(out) + "\n")


def _split_tokens(source) -> int:
    """Train tokens (with one EOS each) from meta.json: both paths size their budget the same way."""
    c = source.meta["counts"]["train"]
    return int(c["tokens"]) + int(c["rows"])


def _rss_now_mb() -> float:
    return _status_mb("VmRSS")


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def measure(path: str, folder: Path, work: Path, reference_file: Path, seed: int) -> dict:
    out = work / f"{path}.json"
    cmd = [sys.executable, __file__, "--child", path, "--folder", str(folder), "--out", str(out),
           "--reference-file", str(reference_file), "--seed", str(seed)]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=_env(work), cwd=str(ROOT))
    res = json.loads(out.read_text())
    res["process_s"] = time.perf_counter() - start  # interpreter start, imports, load and set-up
    return res


def _env(work: Path) -> dict:
    return {**os.environ, "HF_DATASETS_CACHE": str(work / "datasets_cache"),
            "HF_SLM_TOKEN_STORE_CACHE": str(work / "token_stores"), "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"}


def reference_builder(rev: str, work: Path) -> Path:
    """The list-based builder's module as of `rev` (git show), to run beside this tree's."""
    text = subprocess.run(["git", "show", f"{rev}:hf_slm/data/lm.py"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    path = work / "reference_lm.py"
    path.write_text(text)
    return path


def bench(n_tokens: int, work: Path, reference_file: Path, seed: int) -> dict:
    folder = work / "units"
    t = time.perf_counter()
    counts = write_dataset(folder, n_tokens, seed)
    write_s = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from hf_slm.units.dataset import load_unit_dataset; "
                    "load_unit_dataset(sys.argv[1])", str(folder)], check=True, env=_env(work), cwd=str(ROOT))
    arrow_s = time.perf_counter() - t
    runs = {p: measure(p, folder, work, reference_file, seed) for p in ("list", "store_cold", "store_warm")}
    store_bytes = sum(f.stat().st_size for f in (work / "token_stores").rglob("*.bin"))
    old, cold, warm = runs["list"], runs["store_cold"], runs["store_warm"]
    res = {"tokens": n_tokens, "train_tokens": counts["train"]["tokens"], "train_docs": counts["train"]["rows"],
           "dataset_write_s": write_s, "arrow_cache_s": arrow_s, "store_mb": store_bytes / 2**20, **runs,
           "same_batches": len({r["digest"] for r in runs.values()}) == 1,
           "setup_speedup_warm": old["setup_s"] / warm["setup_s"],
           "setup_speedup_cold": old["setup_s"] / cold["setup_s"]}
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in res.items()
                      if not isinstance(v, dict)}))
    for p, r in runs.items():
        print(f"  {p:<10} setup {r['setup_s']:8.2f} s  load {r['load_s']:5.2f} s  process {r['process_s']:7.2f} s  "
              f"peak RSS {r['peak_rss_mb']:7.0f} MB (after imports {r['import_rss_mb']:.0f} MB)  "
              f"item {r['window_read_us']:.0f} µs")
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=float, nargs="+", default=[1e7], help="train tokens of each synthetic dataset")
    ap.add_argument("--json", type=Path, help="write every result to this file")
    ap.add_argument("--reference", default=REFERENCE, help="git revision of the list-based builder")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder, removed)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--reference-file", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args)
        return 0

    results = []
    base = args.keep or Path(tempfile.mkdtemp(prefix="hf_slm_bench_data_"))
    try:
        for n in args.tokens:
            work = base / f"tokens_{int(n)}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            results.append(bench(int(n), work, reference_builder(args.reference, work), args.seed))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    doc = {"results": results, "context": CONTEXT, "pool_fraction": POOL_FRACTION, "doc_range": DOC_RANGE,
           "k": K, "reference": args.reference, "cpu_count": os.cpu_count(), "loadavg": os.getloadavg()}
    if len(results) >= 2:
        lo, hi = results[0], results[-1]
        doc["warm_rss_growth"] = hi["store_warm"]["peak_rss_mb"] / lo["store_warm"]["peak_rss_mb"] - 1
        doc["cold_rss_growth"] = hi["store_cold"]["peak_rss_mb"] / lo["store_cold"]["peak_rss_mb"] - 1
        print(f"peak RSS growth {lo['tokens']:.0e} -> {hi['tokens']:.0e} tokens: warm {doc['warm_rss_growth']:+.1%}, "
              f"cold build {doc['cold_rss_growth']:+.1%} (goal ≤ +25%)")
    if args.json:
        from hf_slm.atomic import write_json

        write_json(args.json, doc)
        print(f"wrote {args.json}")
    return 0 if all(r["same_batches"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
