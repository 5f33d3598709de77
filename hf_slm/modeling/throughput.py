"""From FLOPs to accelerator time: the one GPU-hours formula the planner and the paper grid use."""

from __future__ import annotations

SECONDS_PER_HOUR = 3600.0
A100_BF16_TFLOPS = 312.0  # peak dense bf16 TFLOP/s of one A100, the paper's accelerator


def gpu_hours(flops, mfu: float, peak_tflops: float = A100_BF16_TFLOPS):
    """Hours one GPU needs for `flops` at model-FLOPs utilisation `mfu` of `peak_tflops`."""
    return flops / (mfu * peak_tflops * 1e12) / SECONDS_PER_HOUR
