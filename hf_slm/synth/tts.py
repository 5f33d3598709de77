"""The TTS interface: text + voice → 16 kHz waveform + word alignments [(word, start_s, end_s)].

`build_tts(name)` gives an engine ("espeak", the offline default; "vits" and "kokoro" for the
paper setup, imported lazily). Engines are used through `hf_slm.synth.fresh.FreshPool`, which
gives every utterance the same starting state; `hf_slm.synth.speak.synthesize()` /
`synthesize_many()` wrap it. The utterance type and its helpers live in hf_slm.synth.utterance.
"""

from __future__ import annotations

import numpy as np

from hf_slm.audio.io import decode_audio  # noqa: F401  (re-exported: synth users decode with it)
from hf_slm.errors import ConfigError
from hf_slm.synth.utterance import (  # noqa: F401  (re-exported for the engines' users)
    DEFAULT_VOICES, SAMPLE_RATE, Synthesis, resample, trim_words)

TTS_NAMES = ("espeak", "vits", "kokoro")


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
