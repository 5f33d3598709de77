"""One-off utterances: `synthesize(text, voice)` and `synthesize_many([(text, voice)])` through a FreshPool.

Every utterance starts from the same fresh engine state, so the same text and voice give the same
audio in any process (hf_slm.synth.fresh says why eSpeak needs that).
"""

from __future__ import annotations

from hf_slm.synth.fresh import Failed, FreshPool
from hf_slm.synth.utterance import DEFAULT_VOICES, Synthesis


def _synth_task(engine, item):
    text, voice = item
    return engine.synthesize(text, voice)


def synthesize_many(items, tts: str = "espeak", workers: int = 1, **options) -> list[Synthesis]:
    """[(text, voice)] → [Synthesis], each from the same fresh engine state (deterministic)."""
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
