"""`hf-slm units fit-kmeans`: encoder frames sampled from audio → a k-means codebook (safetensors).

Files are visited in a seeded order; each contributes at most `frames_per_file` random frames
until `max_frames` are collected, so a fit on hours of audio needs memory for `max_frames` only.
Unusable files are skipped (counted in the codebook's metadata), never fatal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hf_slm.errors import ConfigError


def sample_frames(source, encoder, max_frames: int = 200_000, frames_per_file: int = 500,
                  seed: int = 0, batch: int = 16) -> tuple[np.ndarray, dict]:
    from hf_slm.audio.io import load_audio
    from hf_slm.audio.validate import AudioError

    items, _ = source.items()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(items))
    chunks, total, used, skipped = [], 0, 0, 0
    for s in range(0, len(order), batch):
        waves = []
        for i in order[s: s + batch]:
            it = items[i]
            try:
                w = load_audio(source.audio(it), encoder.sample_rate, it.offset, it.duration)
            except AudioError:
                skipped += 1
                continue
            if len(w) >= encoder.min_samples:
                waves.append(w)
            else:
                skipped += 1
        for feats in encoder.encode(waves):
            if len(feats) > frames_per_file:
                feats = feats[np.sort(rng.choice(len(feats), frames_per_file, replace=False))]
            chunks.append(feats)
            total += len(feats)
            used += 1
        if total >= max_frames:
            break
    if not chunks:
        raise ConfigError("--input", "no usable audio to fit k-means on")
    frames = np.concatenate(chunks)[:max_frames]
    return frames, {"files_used": used, "files_skipped": skipped}


def fit_codebook(input_path: str | Path, out: str | Path, encoder, k: int = 500, seed: int = 0,
                 max_frames: int = 200_000, frames_per_file: int = 500):
    """Fit and save a codebook for `encoder` on audio from `input_path` (any extract input)."""
    from hf_slm.units.quantizer import fit_kmeans
    from hf_slm.units.sources import Source

    source = Source(input_path)
    frames, stats = sample_frames(source, encoder, max_frames, frames_per_file, seed)
    cb = fit_kmeans(frames, k, encoder.info(), seed=seed, extra=stats)
    cb.save(out)
    return cb
