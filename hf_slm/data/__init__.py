"""Training data: packing token sequences into windows, unique pools, per-mode dataset builders."""
