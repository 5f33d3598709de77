"""Reading audio with soundfile (wav/flac/ogg), downmixing to mono and polyphase resampling.

Decoding goes through soundfile only (libsndfile); `datasets.Audio` decoding would need torchcodec,
so audio inside datasets is kept as encoded bytes and decoded here.
"""

from __future__ import annotations

import io
import os
from math import gcd

import numpy as np

from hf_slm.audio.validate import AudioError


def open_sound(source: str | os.PathLike | bytes):
    """soundfile.SoundFile over a path or encoded bytes; AudioError("empty" | "unreadable") otherwise."""
    import soundfile as sf

    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise AudioError("empty", "0 bytes")
        handle = io.BytesIO(bytes(source))
    else:
        try:
            size = os.path.getsize(source)
        except OSError as e:
            raise AudioError("unreadable", f"{type(e).__name__}: {e.strerror or e}") from None
        if size == 0:
            raise AudioError("empty", "0 bytes")
        handle = source
    try:
        return sf.SoundFile(handle)
    except (sf.LibsndfileError, RuntimeError, ValueError, TypeError) as e:
        raise AudioError("unreadable", f"{type(e).__name__}: {e}") from None


def read_audio(source: str | os.PathLike | bytes, offset: float = 0.0,
               duration: float | None = None) -> tuple[np.ndarray, int]:
    """Decode `source` (a path or encoded bytes) → (float32 samples [n] or [n, channels], rate).

    `offset`/`duration` in seconds select a segment without decoding the whole file.
    Raises AudioError("empty" | "unreadable", ...) for inputs soundfile cannot use.
    """
    import soundfile as sf

    with open_sound(source) as f:
        try:
            rate = f.samplerate
            if offset:
                f.seek(min(int(round(offset * rate)), f.frames))
            frames = -1 if duration is None else int(round(duration * rate))
            data = f.read(frames=frames, dtype="float32", always_2d=False)
        except (sf.LibsndfileError, RuntimeError, ValueError, TypeError) as e:
            raise AudioError("unreadable", f"{type(e).__name__}: {e}") from None
    return np.asarray(data, dtype=np.float32), int(rate)


def decode_audio(data: bytes) -> tuple[np.ndarray, int]:
    """Encoded bytes (an `audio` column) → (mono float32 samples, rate), without torchcodec."""
    samples, rate = read_audio(data)
    return to_mono(samples), rate


def to_mono(x: np.ndarray) -> np.ndarray:
    """Average the channels ([n, c] → [n]); mono input is returned as is."""
    x = np.asarray(x, dtype=np.float32)
    return x.mean(axis=1, dtype=np.float32) if x.ndim == 2 else x


def resample(x: np.ndarray, rate_in: int, rate_out: int, method: str = "soxr") -> np.ndarray:
    """Band-limited resampling (never plain decimation).

    "soxr": libsoxr's high-quality polyphase resampler (fast, the default);
    "poly": scipy.signal.resample_poly with the reduced ratio up/down.
    """
    x = np.asarray(x, dtype=np.float32)
    if rate_in == rate_out or x.size == 0:
        return x
    if method == "soxr":
        import soxr

        return soxr.resample(x, rate_in, rate_out, quality="HQ").astype(np.float32, copy=False)
    if method == "poly":
        from scipy.signal import resample_poly

        g = gcd(rate_in, rate_out)
        return resample_poly(x, rate_out // g, rate_in // g).astype(np.float32, copy=False)
    raise ValueError(f"unknown resampling method {method!r} (soxr or poly)")


def load_audio(source: str | os.PathLike | bytes, rate: int, offset: float = 0.0,
               duration: float | None = None, min_seconds: float = 0.0) -> np.ndarray:
    """Decode, downmix, validate and resample to `rate`: the one call the unit stage uses.

    Raises AudioError with a skip reason (see hf_slm.audio.validate) for unusable audio.
    """
    from hf_slm.audio.validate import check_waveform

    data, src_rate = read_audio(source, offset, duration)
    mono = to_mono(data)
    check_waveform(mono, src_rate, min_seconds)
    return resample(mono, src_rate, rate)
