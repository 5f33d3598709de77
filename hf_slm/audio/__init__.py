"""Audio in: soundfile decoding (wav/flac/ogg), mono downmix, polyphase resampling, validation.

    from hf_slm.audio import load_audio, AudioError
    wave = load_audio("clip.flac", rate=16000, min_seconds=0.1)   # float32 mono at 16 kHz
"""

from hf_slm.audio.io import load_audio, read_audio, resample, to_mono
from hf_slm.audio.validate import REASONS, AudioError, check_waveform

__all__ = ["AudioError", "REASONS", "check_waveform", "load_audio", "read_audio", "resample", "to_mono"]
