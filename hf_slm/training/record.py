"""run.json of a training run: planned fields at the start, curve on each evaluation, result at the end."""

from __future__ import annotations

from pathlib import Path

from hf_slm.errors import ConfigError
from hf_slm.provenance import git_commit, hardware, package_versions
from hf_slm.runrecord import RUN_FILE, RunRecord

# Fields that identify a run: a rerun into the same folder must agree on all of them to resume.
IDENTITY = ("scale", "mode", "vocab_size", "context", "tokens_seen", "unique_tokens", "tokens_per_update", "seed")


def planned_record(name, scale, mode, counts, config, budget, dataset, seed, recipe, extra,
                   tokenization: str | None = None) -> RunRecord:
    flops_6nd, flops_attn = counts.flops(budget.tokens)
    return RunRecord(
        name=name, scale=scale.name, mode=mode, tokenization=tokenization, status="running",
        n_params=counts.n_params, n_params_total=counts.n_params_total,
        layers=scale.layers, dim=scale.dim, heads=scale.heads, vocab_size=config.vocab_size,
        context=budget.context, tokens_seen=budget.tokens, unique_tokens=budget.unique_tokens,
        epochs=budget.epochs, tokens_per_update=budget.tokens_per_update, steps=budget.max_steps,
        flops_6nd=flops_6nd, flops_6nd_attn=flops_attn, dataset=dataset, seed=seed,
        hardware=hardware(), versions=package_versions(), git_commit=git_commit(), recipe=recipe,
        extra=extra,
    )


def existing_record(output_dir: str | Path) -> RunRecord | None:
    path = Path(output_dir) / RUN_FILE
    return RunRecord.load(path) if path.exists() else None


def check_same_run(old: RunRecord, new: RunRecord, output_dir) -> None:
    """Resuming, or skipping as completed, a folder of another run (other K, scale, budget...) is a
    configuration error that names every field that differs."""
    diffs = [key for key in IDENTITY if getattr(old, key) != getattr(new, key)]
    if diffs:
        held = ", ".join(f"{k}={getattr(old, k)}" for k in diffs)
        this = ", ".join(f"{k}={getattr(new, k)}" for k in diffs)
        raise ConfigError("--output_dir", f"{output_dir} holds a {old.status} run with {held}; this one has {this}; "
                                          "use a new --output_dir (or delete the old run)")
