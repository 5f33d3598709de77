"""The demo presets' recipes: small's learning rates follow tiny's measured ones, its grid fits its pool."""

import numpy as np

from hf_slm.demo.pipeline import SIMS_POOL_SHARE
from hf_slm.demo.presets import PRESETS, TINY_LEARNING_RATES, learning_rates_by_size, non_embedding_params
from hf_slm.modeling import TINY_SCALES

UNITS_PER_SECOND = 21.45  # what the tiny demo's unit stage measured (units/meta.json, seed 0)


def _n(scale: str) -> int:
    """Llama's non-embedding parameters, by hand: per layer q/k/v/o, the SwiGLU's three matrices and
    two RMSNorms, then the final norm."""
    s = TINY_SCALES[scale]
    return s.layers * (4 * s.dim ** 2 + 3 * s.dim * s.intermediate_size + 2 * s.dim) + s.dim


def test_learning_rates_by_size_is_the_log_log_line_through_the_sweep():
    x = np.log([_n(s) for s in TINY_LEARNING_RATES])
    slope, intercept = np.polyfit(x, np.log(list(TINY_LEARNING_RATES.values())), 1)
    assert -0.6 < slope < -0.4  # the optimum halves for each 4x in N
    small = PRESETS["small"]
    for scale in small.scales:
        want = np.exp(intercept + slope * np.log(_n(scale)))
        assert small.learning_rate_of(scale) == float(f"{want:.2g}")
    # through the points it was fitted on, within the two-digit rounding and the line's residuals
    for scale, lr in learning_rates_by_size(TINY_LEARNING_RATES, TINY_LEARNING_RATES).items():
        assert abs(lr / TINY_LEARNING_RATES[scale] - 1) < 0.1
    lrs = [small.learning_rate_of(s) for s in sorted(small.scales, key=non_embedding_params)]
    assert lrs == sorted(lrs, reverse=True) and len(set(lrs)) == len(lrs)


def test_non_embedding_params_is_llamas_count():
    for scale in TINY_SCALES:
        assert non_embedding_params(scale) == _n(scale)


def test_small_grid_is_single_epoch_on_its_pool_and_uses_tinys_recipe():
    small = PRESETS["small"]
    pool = small.train_hours * 3600 * UNITS_PER_SECOND
    assert max(small.budgets) <= 0.97 * pool  # what Demo.grid calls one epoch
    assert max(small.sims_budgets) <= 0.97 * SIMS_POOL_SHARE * pool
    assert small.global_batch == PRESETS["tiny"].global_batch == 4
    assert set(small.sims_budgets) <= set(small.budgets)  # every SIMS run has a speech twin
