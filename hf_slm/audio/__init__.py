"""Audio in: soundfile decoding (wav/flac/ogg), mono downmix, polyphase resampling, validation.

    from hf_slm.audio import load_audio, AudioError
    wave = load_audio("clip.flac", rate=16000, min_seconds=0.1)   # float32 mono at 16 kHz
    for seg in iter_segments("book.flac", rate=16000, max_seconds=120): ...   # long audio, bounded memory
"""

from hf_slm.audio.io import load_audio, read_audio, resample, to_mono
from hf_slm.audio.stream import Segment, iter_segments
from hf_slm.audio.validate import REASONS, AudioError, check_waveform

__all__ = ["AudioError", "REASONS", "Segment", "check_waveform", "iter_segments", "load_audio", "read_audio",
           "resample", "to_mono"]
