"""`hf-slm demo --preset paper`: no training; the paper's grid with its compute, GPU-hours and launch scripts.

GPU-hours use 6N + attention FLOPs at the MFU that the official nanoGPT-style code reports per scale
on an A100-80GB (bf16 peak 312 TFLOP/s), from hf_slm's shipped paper constants.
"""

from __future__ import annotations

import sys
from pathlib import Path

from hf_slm.atomic import write_json, write_text
from hf_slm.errors import ConfigError
from hf_slm.modeling import A100_BF16_TFLOPS, gpu_hours
from hf_slm.paper import paper_constants


def paper_sweep_file() -> Path:
    path = Path(__file__).resolve().parents[2] / "training" / "configs" / "sweeps" / "paper.yaml"
    if not path.exists():
        raise ConfigError("--preset", f"paper needs {path} (run from a hf-slm checkout)")
    return path


def plan_paper(out: str | Path, log=None) -> dict:
    from hf_slm.training.sweep import compute_table, emit_accelerate, emit_slurm, load_sweep

    log = log or (lambda m: print(m, flush=True))
    cfg, runs = load_sweep(paper_sweep_file())
    mfu = paper_constants()["official_code_mfu_a100"]["mfu"]
    out = Path(out)
    rows = []
    for r in runs:
        m = mfu.get(r.scale, min(mfu.values()))
        rows.append({"run": r.name, "scale": r.scale, "n_params": r.n_params, "tokens": r.budget.tokens,
                     "unique_tokens": r.budget.unique_tokens, "epochs": r.budget.epochs,
                     "flops_6nd": r.flops_6nd, "flops_6nd_attn": r.flops_6nd_attn, "mfu": m,
                     "a100_hours": gpu_hours(r.flops_6nd_attn, m)})
    total_hours = sum(r["a100_hours"] for r in rows)
    table = compute_table(runs)
    lines = [table, "", f"{'run':<22} {'MFU':>6} {'A100-hours':>11}"]
    lines += [f"{r['run']:<22} {r['mfu']:>6.1%} {r['a100_hours']:>11.1f}" for r in rows]
    lines.append(f"total: {len(rows)} runs, {total_hours:,.0f} A100-hours at the official code's MFU "
                 f"(bf16 peak {A100_BF16_TFLOPS:.0f} TFLOP/s)")
    text = "\n".join(lines)
    log(text)
    write_text(out / "paper_grid.txt", text + "\n")
    write_json(out / "paper_grid.json", {"runs": rows, "total_a100_hours": total_hours,
                                         "peak_tflops": A100_BF16_TFLOPS, "sweep": str(paper_sweep_file())})
    write_text(out / "launch_accelerate.sh", emit_accelerate(cfg, runs))
    write_text(out / "launch_slurm.sh", emit_slurm(cfg, runs))
    log(f"wrote {out}/paper_grid.txt, paper_grid.json, launch_accelerate.sh, launch_slurm.sh", )
    return {"runs": len(rows), "total_a100_hours": total_hours}


if __name__ == "__main__":
    plan_paper(sys.argv[1] if len(sys.argv) > 1 else "paper-plan")
