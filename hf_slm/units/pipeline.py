"""UnitPipeline: the one obvious way to turn audio into units (encoder + codebook + dedup).

    from hf_slm.units.pipeline import UnitPipeline

    pipe = UnitPipeline.from_codebook("codebook.safetensors")   # rebuilds the codebook's encoder
    units, durations = pipe.units(waveform, sample_rate)          # int16 [n], int16 [n]
    for units, durations in pipe.batch_units(waveforms, sample_rate): ...
    units, durations, words = pipe.units_with_words(waveform, sr, [{"word", "start", "end"}])

Waveforms are float arrays (mono or [samples, channels]) at any rate; they are downmixed and
resampled to the encoder's rate. With dedup off, durations are all ones. A HuBERT codebook needs
its model: `from_codebook(path, model="local/folder")` overrides where the weights come from
(the codebook's stored id is still the one checked).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hf_slm.audio.io import resample, to_mono
from hf_slm.units.dedup import dedup as run_length
from hf_slm.units.dedup import word_spans
from hf_slm.units.quantizer import Codebook


class UnitPipeline:
    def __init__(self, encoder, codebook: Codebook, dedup: bool = True, codebook_sha256: str | None = None):
        codebook.check_encoder(encoder.info())
        self.encoder, self.codebook, self.dedup = encoder, codebook, bool(dedup)
        self.codebook_sha256 = codebook_sha256

    @classmethod
    def from_codebook(cls, path: str | Path, dedup: bool = True, model=None, device=None, dtype=None,
                      batch_size: int = 16, batch_seconds: float | None = None) -> "UnitPipeline":
        """Load a safetensors codebook and build the encoder recorded in it."""
        from hf_slm.units.encoders import build_encoder

        cb = Codebook.load(path)
        info = dict(cb.encoder)
        if model is not None:
            info["model"] = model
        elif info["name"] == "hubert":
            info["model"] = info["id"]
        runtime = {"batch_seconds": batch_seconds} if batch_seconds is not None else {}
        enc = build_encoder(info.pop("name"), device=device, dtype=dtype, batch_size=batch_size, **runtime, **info)
        return cls(enc, cb, dedup=dedup, codebook_sha256=cb.content_sha256())

    @property
    def sample_rate(self) -> int:
        return self.encoder.sample_rate

    @property
    def frame_rate(self) -> float:
        return self.encoder.frame_rate

    @property
    def k(self) -> int:
        return self.codebook.k

    def prepare(self, waveform, sr: int) -> np.ndarray:
        """Mono float32 at the encoder's rate."""
        return resample(to_mono(np.asarray(waveform, dtype=np.float32)), int(sr), self.sample_rate)

    def frames_to_units(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        units = self.codebook.predict(frames) if len(frames) else np.zeros(0, np.int16)
        if self.dedup:
            return run_length(units)
        return units.astype(np.int16), np.ones(len(units), np.int16)

    def batch_units_prepared(self, waveforms) -> list[tuple[np.ndarray, np.ndarray]]:
        """Like batch_units for waveforms already mono at `sample_rate` (the extraction path)."""
        return [self.frames_to_units(f) for f in self.encoder.encode(list(waveforms))]

    def batch_units(self, waveforms, sr) -> list[tuple[np.ndarray, np.ndarray]]:
        """(units, durations) per waveform; `sr` is one rate for all or one per waveform."""
        rates = [sr] * len(waveforms) if np.isscalar(sr) else list(sr)
        return self.batch_units_prepared([self.prepare(w, r) for w, r in zip(waveforms, rates)])

    def units(self, waveform, sr: int) -> tuple[np.ndarray, np.ndarray]:
        return self.batch_units([waveform], sr)[0]

    def units_with_words(self, waveform, sr: int, word_times) -> tuple[np.ndarray, np.ndarray, list[dict]]:
        """Units, durations and word spans [{word, start, end}] over the units (from seconds)."""
        units, durations = self.units(waveform, sr)
        return units, durations, word_spans(word_times, durations, self.frame_rate)
