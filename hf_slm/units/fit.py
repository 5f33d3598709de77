"""`hf-slm units fit-kmeans`: encoder frames sampled from audio → a k-means codebook (safetensors).

Files are visited in a seeded order; each contributes at most `frames_per_file` random frames
until `max_frames` are collected, and a long file is streamed in segments, so a fit on hours of
audio (and on files hours long) needs memory for `max_frames` and a batch of segments only.
Unusable files are skipped (counted in the codebook's metadata), never fatal.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from hf_slm.errors import ConfigError


def _sample(feats: np.ndarray, frames_per_file: int, rng) -> np.ndarray:
    if len(feats) > frames_per_file:
        feats = feats[np.sort(rng.choice(len(feats), frames_per_file, replace=False))]
    return feats


def _sample_cut_input(pieces, encoder, frames_per_file: int, rng) -> np.ndarray | None:
    """A uniform sample of `frames_per_file` frames over all segments of one cut input, one segment
    in memory at a time: every frame gets a random key, the lowest keys are kept (None: no frames)."""
    keep = np.zeros((0, encoder.dim), np.float32)
    keys, where = np.zeros(0), np.zeros(0, np.int64)
    offset = 0
    for p in pieces:
        if p.wave is None:  # an unusable segment (all zero, say): the others still count
            continue
        feats = encoder.encode([p.wave])[0]
        k = rng.random(len(feats))
        keep, keys = np.concatenate([keep, feats]), np.concatenate([keys, k])
        where = np.concatenate([where, offset + np.arange(len(feats))])
        offset += len(feats)
        if len(keys) > frames_per_file:
            best = np.argpartition(keys, frames_per_file - 1)[:frames_per_file]
            keep, keys, where = keep[best], keys[best], where[best]
    if not len(keep):
        return None
    return keep[np.argsort(where)]


def sample_frames(source, encoder, max_frames: int = 200_000, frames_per_file: int = 500,
                  seed: int = 0, batch: int = 16, max_segment_seconds: float | None = 120.0
                  ) -> tuple[np.ndarray, dict]:
    """Frames from files in a seeded order, at most `frames_per_file` each, until `max_frames`.

    A file longer than `max_segment_seconds` is streamed segment by segment (hf_slm.units.reader),
    so memory is bounded by `batch` segments plus `max_frames` frames whatever the file lengths.
    """
    from hf_slm.units.reader import item_pieces

    items, _ = source.items()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(items))
    chunks, total, used, skipped = [], 0, 0, 0
    for s in range(0, len(order), batch):
        entries = []  # a whole file's waveform, or the pieces of a cut file, in visiting order
        for i in order[s: s + batch]:
            pieces = item_pieces(source, items[i], int(i), encoder.sample_rate, encoder.min_samples, 0.0,
                                 max_segment_seconds)
            first = next(pieces)
            if first.whole:
                if first.wave is None:
                    skipped += 1
                else:
                    entries.append(first.wave)
            else:
                entries.append((first, pieces))
        waves = [e for e in entries if isinstance(e, np.ndarray)]
        encoded = iter(encoder.encode(waves))
        for e in entries:
            if isinstance(e, np.ndarray):
                feats = _sample(next(encoded), frames_per_file, rng)
            else:
                first, rest = e
                feats = _sample_cut_input(itertools.chain([first], rest), encoder, frames_per_file, rng)
                if feats is None:
                    skipped += 1
                    continue
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
                 max_frames: int = 200_000, frames_per_file: int = 500, max_segment_seconds: float | None = 120.0):
    """Fit and save a codebook for `encoder` on audio from `input_path` (any extract input)."""
    from hf_slm.units.quantizer import fit_kmeans
    from hf_slm.units.sources import Source

    source = Source(input_path)
    frames, stats = sample_frames(source, encoder, max_frames, frames_per_file, seed,
                                  max_segment_seconds=max_segment_seconds)
    cb = fit_kmeans(frames, k, encoder.info(), seed=seed, extra=stats)
    cb.save(out)
    return cb
