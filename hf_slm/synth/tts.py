"""The TTS interface: text + voice → 16 kHz waveform + word alignments [(word, start_s, end_s)].

`build_tts(name)` gives an engine ("espeak", the offline default; "vits" and "kokoro" for the
paper setup, imported lazily). Engines are used through `hf_slm.synth.fresh.FreshPool`, which
gives every utterance the same starting state; `synthesize()` / `synthesize_many()` wrap it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hf_slm.audio.dataset import encode_audio
from hf_slm.audio.io import decode_audio  # noqa: F401  (re-exported: synth users decode with it)
from hf_slm.audio.io import resample as _resample
from hf_slm.errors import ConfigError

SAMPLE_RATE = 16_000
TTS_NAMES = ("espeak", "vits", "kokoro")
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


class EspeakTTS:
    """eSpeak NG (offline). Not repeatable in-process: run it through FreshPool."""

    name = "espeak"
    needs_fresh_state = True

    def __init__(self, rate: int | None = None):
        self.rate = rate

    def warm_up(self) -> None:
        # Loads the voice and dictionary once in the zygote so forks don't each pay ~150 ms;
        # a fixed utterance keeps the zygote's state the same in every run.
        self.synthesize("Once upon a time there was a little dog.", DEFAULT_VOICES[0])

    def synthesize(self, text: str, voice: str) -> Synthesis:
        from hf_slm.synth.espeak import Espeak

        raw = Espeak.get().synth(text, voice, self.rate)
        wav = raw.samples.astype(np.float32) / 32768.0
        ratio = SAMPLE_RATE / raw.sample_rate
        out = resample(wav, raw.sample_rate)
        spans = [(w, int(round(s * ratio)), int(round(e * ratio))) for w, s, e in raw.words]
        return Synthesis(text, voice, out, SAMPLE_RATE, trim_words(out, SAMPLE_RATE, spans))


def build_tts(name: str, **options):
    """The engine called `name` ("espeak", "vits", "kokoro"); ConfigError if unusable."""
    if name == "espeak":
        return EspeakTTS(**options)
    if name in ("vits", "kokoro"):
        from hf_slm.synth import neural

        return neural.build(name, **options)
    raise ConfigError("--tts", f"{name!r} is not one of {', '.join(TTS_NAMES)}")


def check_tts(name: str, voices) -> None:
    """Fail fast, in the calling process, on a bad engine or voice (before any output)."""
    if name not in TTS_NAMES:
        raise ConfigError("--tts", f"{name!r} is not one of {', '.join(TTS_NAMES)}")
    if not voices:
        raise ConfigError("--voices", "give at least one voice")
    if name == "espeak":
        _check_espeak_voices(voices)
    else:
        from hf_slm.synth import neural

        neural.check(name, voices)


def _check_espeak_voices(voices) -> None:
    import espeakng_loader

    from pathlib import Path

    root = Path(espeakng_loader.get_data_path()) / "voices" / "!v"
    langs = Path(espeakng_loader.get_data_path()) / "lang"
    known = {p.name.lower() for p in langs.rglob("*") if p.is_file()}
    for v in voices:
        lang, _, variant = v.partition("+")
        if lang.lower() not in known:
            raise ConfigError("--voices", f"eSpeak NG has no language {lang!r} (try en-us, en, en-gb)")
        if variant and not (root / variant).is_file():
            raise ConfigError("--voices", f"eSpeak NG has no variant {variant!r} (try f3, m3)")


def _synth_task(engine, item):
    text, voice = item
    return engine.synthesize(text, voice)


def synthesize_many(items, tts: str = "espeak", workers: int = 1, **options) -> list[Synthesis]:
    """[(text, voice)] → [Synthesis], each from the same fresh engine state (deterministic)."""
    from hf_slm.synth.fresh import FreshPool, Failed

    with FreshPool(tts, workers, **options) as pool:
        out = pool.map(_synth_task, list(items))
    for r in out:
        if isinstance(r, Failed):
            raise RuntimeError(r.reason)
    return out


def synthesize(text: str, voice: str = DEFAULT_VOICES[0], tts: str = "espeak",
               **options) -> Synthesis:
    """One utterance in a fresh engine state (starts a one-process pool: batch with synthesize_many)."""
    return synthesize_many([(text, voice)], tts=tts, workers=1, **options)[0]
