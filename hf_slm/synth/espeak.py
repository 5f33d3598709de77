"""eSpeak NG driven in-process through ctypes (the library and voices ship in `espeakng-loader`).

Synchronous output: `espeak_Synth` returns once the callback has received every sample and event,
so one call = one utterance, no threads. Word events carry the word's character span and its
start sample, which give the word alignments.

Not repeatable within one process (internal state carries over between utterances), so callers
never use this directly for data: `hf_slm.synth.fresh` runs every utterance in a fresh fork of a
process whose eSpeak state is always the same.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np

from hf_slm.errors import ConfigError

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
POS_CHARACTER = 1
CHARS_UTF8 = 1
EVENT_LIST_TERMINATED, EVENT_WORD, EVENT_SENTENCE, EVENT_END, EVENT_MSG_TERMINATED = 0, 1, 2, 5, 6
PARAM_RATE, PARAM_PITCH = 1, 3


class _Event(ctypes.Structure):
    # espeak_EVENT from speak_lib.h; `id` is a union (number / name pointer / 8-byte phoneme).
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int), ("length", ctypes.c_int),
                ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))


@dataclass
class RawUtterance:
    samples: np.ndarray  # int16 at `sample_rate`
    sample_rate: int
    words: list[tuple[str, int, int]]  # (word, start sample, end sample) before silence trimming


class Espeak:
    """One initialised libespeak-ng in this process (one per process: the library is global)."""

    _instance: "Espeak | None" = None

    def __init__(self):
        try:
            import espeakng_loader
        except ImportError:
            raise ConfigError("--tts", "espeak needs the `espeakng-loader` package "
                                       "(pip install espeakng-loader)") from None
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                               ctypes.c_int]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint,
                                          ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                          ctypes.c_void_p, ctypes.c_void_p]
        data = espeakng_loader.get_data_path().encode()
        self.sample_rate = self.lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, data,
                                                      INITIALIZE_DONT_EXIT)
        if self.sample_rate <= 0:
            raise ConfigError("--tts", f"espeak_Initialize failed ({self.sample_rate})")
        # eSpeak seeds its own generator from the clock at start-up, and voice variants with breath
        # or flutter (en-us+f3) draw from it: a fixed seed makes them the same run after run.
        self.lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        self.lib.espeak_ng_SetRandSeed(0)
        self._chunks: list[bytes] = []
        self._events: list[tuple[int, int, int, int]] = []
        self._callback = _CALLBACK(self._on_audio)  # kept alive: libespeak holds the pointer
        self.lib.espeak_SetSynthCallback(self._callback)
        self._voice = None

    @classmethod
    def get(cls) -> "Espeak":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _on_audio(self, wav, n, events) -> int:
        if n > 0:
            self._chunks.append(ctypes.string_at(wav, n * 2))
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            e = events[i]
            self._events.append((e.type, e.text_position, e.length, e.sample))
            i += 1
        return 0  # 0 = go on

    def set_voice(self, voice: str, rate: int | None = None) -> None:
        if voice != self._voice:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ConfigError("--voices", f"eSpeak NG has no voice {voice!r} "
                                              "(try en-us, en-us+f3, en+m3)")
            self._voice = voice
        if rate is not None:
            self.lib.espeak_SetParameter(PARAM_RATE, int(rate), 0)

    def synth(self, text: str, voice: str, rate: int | None = None) -> RawUtterance:
        """Speak `text` with `voice`: int16 samples and (word, start, end) sample spans."""
        self.set_voice(voice, rate)
        self._chunks, self._events = [], []
        data = text.encode("utf-8")
        buf = ctypes.create_string_buffer(data)
        err = self.lib.espeak_Synth(buf, len(data) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
        if err != 0:
            raise RuntimeError(f"espeak_Synth failed with code {err}")
        samples = np.frombuffer(b"".join(self._chunks), dtype=np.int16).copy()
        return RawUtterance(samples, self.sample_rate, _word_spans(text, self._events, len(samples)))


def _word_spans(text: str, events, n_samples: int) -> list[tuple[str, int, int]]:
    """Word events → (word, start, end): a word ends where the next word or sentence end begins."""
    marks = [(s, kind, pos, length) for kind, pos, length, s in events
             if kind in (EVENT_WORD, EVENT_END, EVENT_MSG_TERMINATED, EVENT_SENTENCE)]
    out = []
    for i, (start, kind, pos, length) in enumerate(marks):
        if kind != EVENT_WORD or length <= 0:
            continue
        word = text[pos - 1: pos - 1 + length]
        end = n_samples
        for later in marks[i + 1:]:
            if later[0] > start:
                end = later[0]
                break
        out.append((word, min(start, n_samples), min(end, n_samples)))
    return out
