"""Builders for the unit-stage tests: generated audio, tiny random HuBERTs, small codebooks."""

from __future__ import annotations

import os
from pathlib import Path

# One thread per library: on a shared 2-core machine OpenMP spin-waiting under oversubscription
# makes tiny models and k-means 50x slower. Set before torch / scikit-learn load their runtimes.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np


def one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def tone(freq: float, seconds: float, rate: int, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(round(seconds * rate))) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def speechlike(seconds: float, rate: int = 16000, seed: int = 0) -> np.ndarray:
    """A few gliding harmonics plus noise: varied enough that k-means finds several clusters."""
    rng = np.random.default_rng(seed)
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    f0 = rng.uniform(90, 250) * (1 + 0.3 * np.sin(2 * np.pi * rng.uniform(0.5, 3) * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    x = sum(rng.uniform(0.05, 0.3) * np.sin(h * phase) for h in range(1, 6))
    x = x * (0.5 + 0.5 * np.sin(2 * np.pi * rng.uniform(1, 4) * t) ** 2)
    return (x + 0.02 * rng.standard_normal(n)).astype(np.float32)


def write_corpus(folder: Path, n: int, rate: int = 16000, seconds=(0.6, 1.6), seed: int = 0) -> list[str]:
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ids = []
    for i in range(n):
        ids.append(f"utt{i:03d}")
        sf.write(folder / f"{ids[-1]}.wav", speechlike(rng.uniform(*seconds), rate, seed + i), rate)
    return ids


def tiny_hubert(frame_rate: int = 50, norm: str = "group", seed: int = 0):
    """A randomly initialised HubertModel small enough for CPU tests (50 Hz or 25 Hz conv stack)."""
    import torch
    from transformers import HubertConfig, HubertModel

    strides = (5, 2, 2, 2, 2, 2, 2) if frame_rate == 50 else (5, 2, 2, 2, 2, 2, 4)
    kernels = (10, 3, 3, 3, 3, 2, 2) if frame_rate == 50 else (10, 3, 3, 3, 3, 2, 4)
    cfg = HubertConfig(hidden_size=32, num_hidden_layers=3, num_attention_heads=2, intermediate_size=64,
                       conv_dim=(16,) * 7, conv_stride=strides, conv_kernel=kernels, feat_extract_norm=norm,
                       num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2, do_stable_layer_norm=False)
    one_thread()
    torch.manual_seed(seed)
    return HubertModel(cfg).eval()


def mel_codebook(path: Path, k: int = 16, seed: int = 0, **encoder_kwargs):
    """Fit a small k-means codebook for the offline encoder on generated audio and save it."""
    from hf_slm.units.encoders import build_encoder
    from hf_slm.units.quantizer import fit_kmeans

    enc = build_encoder("mel", **encoder_kwargs)
    frames = np.concatenate(enc.encode([speechlike(2.0, enc.sample_rate, seed + i) for i in range(6)]))
    cb = fit_kmeans(frames, k, enc.info(), seed=seed)
    cb.save(path)
    return cb
