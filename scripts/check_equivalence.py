#!/usr/bin/env python
"""Does this checkout train, score and fit exactly as an older one did? (the check of issue 13's restructuring)

    git worktree add /tmp/base eb83881 && (cd /tmp/base && PYTHONPATH=/tmp/base hf-slm demo --out /tmp/base-micro --preset micro)
    python scripts/check_equivalence.py /tmp/base-micro /tmp/eq

From the older demo's own unit/text datasets and benchmarks, every run of it is trained again with the
same arguments by this code, scored again (pair tasks under cm2024; cloze with `cloze_span="ending"` and
no over-length truncation, the older code's defaults) and its runs refitted; prints every number that
differs (losses, learning curves, token counts, FLOPs, score values, Chinchilla constants).
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def run_values(base: Path, out: Path, run_dir: Path) -> dict:
    """The demo's run_training values of one run (the micro preset's recipe), from its name and run.json."""
    rec = json.loads((run_dir / "run.json").read_text())
    epochs = run_dir.name.split("-D")[-1]
    return dict(scale=rec["scale"], dataset=str(base / ("units" if rec["mode"] == "speech" else "text")),
                mode=rec["mode"], budget_tokens=rec["budget"]["requested_tokens"],
                epochs=float(epochs.rsplit("-e", 1)[1]) if "-e" in epochs else 1.0, context=rec["context"],
                global_batch=16, per_device_train_batch_size=16, output_dir=str(out / "runs" / rec["mode"] / run_dir.name),
                min_warmup_steps=0, warmup_fraction=0.05, curve_points=len(rec["learning_curve"]), checkpoints=2,
                seed=rec["seed"], logging_steps=50, disable_tqdm=True, dataloader_num_workers=0)


def train(values: dict) -> None:
    from hf_slm.training.run import run_training

    run_training(**values)


def evaluate(job: tuple[str, str]) -> None:
    import hf_slm.scoring.benchmark as benchmark
    from hf_slm.modes import evaluate_run

    benchmark.model_positions = lambda model: None  # the older code scored over-length candidates whole
    run_dir, bench = job
    evaluate_run(run_dir, bench, options=benchmark.EvalOptions(n_boot=50, seed=0, cloze_span="ending"))


def main(base: Path, out: Path) -> int:
    from hf_slm.runrecord import find_runs
    from hf_slm.scaling import fit_runs

    old_runs = sorted(base.glob("runs/*/*/run.json"))
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(train, [run_values(base, out, p.parent) for p in old_runs]))
        list(pool.map(evaluate, [(str(out / "runs" / p.parent.parent.name / p.parent.name), str(base / "benchmarks"))
                                 for p in old_runs]))
    diffs, compared = [], 0
    for p in old_runs:
        a = json.loads(p.read_text())
        b = json.loads((out / "runs" / a["mode"] / p.parent.name / "run.json").read_text())
        pairs = {k: (a.get(k), b.get(k)) for k in ("final_test_loss", "tokens_seen", "unique_tokens", "n_params",
                                                    "flops_6nd", "flops_6nd_attn", "steps")}
        pairs["learning_curve"] = ([c["test_loss"] for c in a["learning_curve"]], [c["test_loss"] for c in b["learning_curve"]])
        pairs.update({f"scores.{t}": ((a["scores"].get(t) or {}).get("value"), (b["scores"].get(t) or {}).get("value"))
                      for t in sorted(set(a["scores"]) | set(b["scores"]))})
        for key, (x, y) in pairs.items():
            compared += 1
            if x != y:
                diffs.append(f"{p.parent.name} {key}: {x} -> {y}")
    old_laws = json.loads((base / "laws" / "scaling_laws.json").read_text())["laws"]
    new_laws = fit_runs(find_runs(base / "runs"), bootstrap=50, seed=0)["laws"]
    for group, law in old_laws.items():
        for k in ("E", "A", "B", "alpha", "beta"):
            compared += 1
            x, y = (law.get("chinchilla") or {}).get(k), (new_laws[group].get("chinchilla") or {}).get(k)
            if x != y:
                diffs.append(f"laws {group} {k}: {x} -> {y}")
    print(f"{len(old_runs)} runs, {compared} numbers compared, {len(diffs)} differ")
    print("\n".join(diffs))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
