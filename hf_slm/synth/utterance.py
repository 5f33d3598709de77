"""One synthesized utterance (16 kHz waveform + word alignments) and the helpers every engine shares.

The base of the synth TTS modules: eSpeak (tts.py) and the neural engines (neural.py) build a
`Synthesis` with these, so none of them imports another to get it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hf_slm.audio.dataset import encode_audio
from hf_slm.audio.io import resample as _resample

SAMPLE_RATE = 16_000
DEFAULT_VOICES = ("en-us", "en-us+f3")


@dataclass
class Synthesis:
    text: str
    voice: str
    waveform: np.ndarray  # float32 mono in [-1, 1] at sample_rate
    sample_rate: int
    words: list[tuple[str, float, float]] = field(default_factory=list)  # seconds

    @property
    def duration(self) -> float:
        return len(self.waveform) / self.sample_rate

    def flac(self) -> bytes:
        return encode_audio(self.waveform, self.sample_rate)


def resample(waveform: np.ndarray, sr_in: int, sr_out: int = SAMPLE_RATE) -> np.ndarray:
    """The unit stage's polyphase resampler (22050 → 16000 is 320/441), to 16 kHz by default."""
    return _resample(waveform, sr_in, sr_out, method="poly")


def trim_words(waveform: np.ndarray, sr: int, words, frame_s: float = 0.01,
               floor_db: float = -40.0) -> list[tuple[str, float, float]]:
    """Shrink each (word, start, end) span in samples to its voiced frames; return seconds.

    eSpeak's word events mark where a word starts; a word "ends" where the next one starts, which
    includes the pause after it. Frames quieter than floor_db below the utterance peak are trimmed.
    """
    hop = max(1, int(sr * frame_s))
    n = len(waveform) // hop
    if n == 0:
        return [(w, s / sr, max(e, s) / sr) for w, s, e in words]
    frames = waveform[: n * hop].reshape(n, hop)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) + 1e-12
    loud = 20 * np.log10(rms / rms.max()) > floor_db
    out = []
    for word, s, e in words:
        a, b = s // hop, max(s // hop + 1, -(-e // hop))
        idx = np.flatnonzero(loud[a:b])
        if len(idx):
            s2, e2 = (a + idx[0]) * hop, min(len(waveform), (a + idx[-1] + 1) * hop)
            s, e = max(s, s2), min(e, e2) if min(e, e2) > max(s, s2) else e
        out.append((word, round(float(s) / sr, 4), round(float(max(e, s)) / sr, 4)))
    return out
