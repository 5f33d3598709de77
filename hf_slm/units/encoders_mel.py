"""The offline encoder: log-mel or MFCC frames at a chosen frame rate (25 Hz by default), no weights.

Frame t summarises the samples around [t*hop, (t+1)*hop) with a `win_ms` Hann window; an input of
n samples gives n // hop frames (as HuBERT gives about one frame per stride), so word times map to
frames by `t = floor(seconds * frame_rate)`.
"""

from __future__ import annotations

import functools

import numpy as np

from hf_slm.errors import ConfigError


@functools.cache
def _mel_matrix(n_fft: int, n_mels: int, rate: int, fmin: float, fmax: float) -> np.ndarray:
    from transformers.audio_utils import mel_filter_bank

    fb = mel_filter_bank(num_frequency_bins=n_fft // 2 + 1, num_mel_filters=n_mels, min_frequency=fmin,
                         max_frequency=fmax, sampling_rate=rate, norm="slaney", mel_scale="slaney")
    return np.ascontiguousarray(fb, dtype=np.float32)  # [freq, mels]


class MelEncoder:
    name = "mel"

    def __init__(self, features: str = "mfcc", sample_rate: int = 16000, frame_rate: float = 25.0,
                 win_ms: float = 64.0, n_mels: int = 64, n_mfcc: int = 20, deltas: bool = True,
                 device=None, dtype=None, batch_size=None, **_ignored):
        if features not in ("mfcc", "logmel"):
            raise ConfigError("--features", f"{features!r} is not one of mfcc, logmel")
        hop = sample_rate / frame_rate
        if hop != int(hop) or hop < 1:
            raise ConfigError("--frame-rate", f"{frame_rate} Hz must divide {sample_rate} Hz into whole samples")
        self.features, self.sample_rate, self.frame_rate = features, int(sample_rate), float(frame_rate)
        self.win_ms, self.n_mels, self.n_mfcc, self.deltas = float(win_ms), int(n_mels), int(n_mfcc), bool(deltas)
        self.hop = int(hop)
        self.win = max(self.hop, int(round(self.win_ms * sample_rate / 1000)))
        self.n_fft = 1 << (self.win - 1).bit_length()
        self.min_samples = self.hop
        self._window = np.hanning(self.win + 2)[1:-1].astype(np.float32)
        self._mel = _mel_matrix(self.n_fft, self.n_mels, self.sample_rate, 20.0, self.sample_rate / 2)

    def info(self) -> dict:
        return {"name": self.name, "id": f"{self.features}-{self.n_mels}", "layer": None,
                "sample_rate": self.sample_rate, "frame_rate": self.frame_rate, "features": self.features,
                "win_ms": self.win_ms, "n_mels": self.n_mels, "n_mfcc": self.n_mfcc, "deltas": self.deltas}

    @property
    def dim(self) -> int:
        base = self.n_mfcc if self.features == "mfcc" else self.n_mels
        return base * (2 if self.deltas else 1)

    def num_frames(self, n_samples: int) -> int:
        return n_samples // self.hop

    def _one(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        n = self.num_frames(x.size)
        if n == 0:
            return np.zeros((0, self.dim), np.float32)
        # Centre each window on its hop; zero padding keeps a file's frames independent of anything else.
        left = (self.win - self.hop) // 2
        padded = np.zeros(n * self.hop + self.win, np.float32)
        padded[left:left + x.size] = x[: n * self.hop + self.win - left]
        frames = np.lib.stride_tricks.sliding_window_view(padded, self.win)[: n * self.hop: self.hop]
        from scipy.fft import rfft

        spec = rfft(frames * self._window, n=self.n_fft, axis=1)  # stays complex64 (numpy's would be 128)
        power = (spec.real ** 2 + spec.imag ** 2).astype(np.float32)
        feats = np.log(power @ self._mel + 1e-6)
        if self.features == "mfcc":
            from scipy.fft import dct

            feats = dct(feats, type=2, axis=1, norm="ortho")[:, : self.n_mfcc]
        if self.deltas:
            # Central difference over +-1 frame (edge frames repeated): a little temporal context.
            p = np.pad(feats, ((1, 1), (0, 0)), mode="edge")
            feats = np.concatenate([feats, (p[2:] - p[:-2]) / 2], axis=1)
        return feats.astype(np.float32, copy=False)

    def encode(self, waveforms) -> list[np.ndarray]:
        return [self._one(w) for w in waveforms]
