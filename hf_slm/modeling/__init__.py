"""Model scales, parameter counts and FLOPs: one place that every stage uses."""

from hf_slm.modeling.counts import ModelCounts, count_model, counts_for_scale, llama_config_for
from hf_slm.modeling.scales import PAPER_SCALES, SCALES, TINY_SCALES, Scale, get_scale
from hf_slm.modeling.throughput import A100_BF16_TFLOPS, gpu_hours

__all__ = ["ModelCounts", "count_model", "counts_for_scale", "llama_config_for", "PAPER_SCALES", "SCALES",
           "TINY_SCALES", "Scale", "get_scale", "A100_BF16_TFLOPS", "gpu_hours"]
