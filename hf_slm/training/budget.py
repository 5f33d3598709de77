"""The data budget of one run: D tokens (or D/N), epochs over a unique pool U_D, and max_steps.

Pure arithmetic, so the sweep can print every run's compute without loading anything. D is
rounded down to whole updates so the cosine schedule ends exactly where the budget does.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from hf_slm.errors import ConfigError


@dataclass(frozen=True)
class Budget:
    context: int
    batch_sequences: int  # windows per optimizer update (global batch)
    tokens_per_update: int  # batch_sequences × context
    max_steps: int
    tokens: int  # D trained = max_steps × tokens_per_update
    pool_windows: int  # windows in the unique pool
    unique_tokens: int  # U_D = pool_windows × context
    epochs: float  # D / U_D
    requested_tokens: int

    @property
    def total_windows(self) -> int:
        return self.max_steps * self.batch_sequences

    def as_dict(self) -> dict:
        return asdict(self)


def plan_budget(n_params: int, context: int, global_batch: int, tokens: int | None = None,
                ratio: float | None = None, epochs: float = 1.0) -> Budget:
    """D from `tokens` or `ratio`·N (non-embedding N); windows of `context` tokens; `epochs` ≥ 1."""
    if (tokens is None) == (ratio is None):
        raise ConfigError("--budget_tokens/--budget_ratio", "give exactly one: D in tokens, or D/N")
    if epochs < 1:
        raise ConfigError("--epochs", f"{epochs} < 1; epochs repeat the unique pool at least once")
    if context < 2 or global_batch < 1:
        raise ConfigError("--context/--global_batch", "need context ≥ 2 and a global batch ≥ 1")
    requested = int(tokens) if tokens is not None else int(round(ratio * n_params))
    per_update = global_batch * context
    steps = requested // per_update
    if steps < 1:
        field = "--budget_tokens" if tokens is not None else "--budget_ratio"
        raise ConfigError(field, f"a budget of {requested} tokens is less than one update "
                                 f"({global_batch} sequences × {context} tokens = {per_update}); raise it "
                                 "or lower --global_batch/--context")
    total_windows = steps * global_batch
    pool = math.ceil(total_windows / epochs)
    return Budget(context=context, batch_sequences=global_batch, tokens_per_update=per_update, max_steps=steps, tokens=steps * per_update,
                  pool_windows=pool, unique_tokens=pool * context,
                  epochs=total_windows / pool, requested_tokens=requested)


def warmup_steps(max_steps: int, min_steps: int = 100, fraction: float = 0.01) -> int:
    """The paper's warmup, max(100, 1% of steps), never longer than the run."""
    return min(max_steps, max(min_steps, math.ceil(fraction * max_steps)))
