"""The audio dataset folder (what synthesis writes and `hf-slm units extract` reads).

The shared layout of hf_slm.dataset_format: DIR/data/{split}-{index:05d}-of-{count:05d}.parquet with columns
id, audio (encoded wav/flac bytes: decoded with soundfile, never torchcodec), text, speaker and
word_times (word alignments in seconds: [{word, start, end}]). Given splits are kept by the unit stage.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from hf_slm.dataset_format import write_shard


def audio_features():
    from datasets import Features, List, Value

    return Features({
        "id": Value("string"),
        "audio": Value("binary"),
        "text": Value("string"),
        "speaker": Value("string"),
        "word_times": List({"word": Value("string"), "start": Value("float32"), "end": Value("float32")}),
    })


def encode_audio(samples: np.ndarray, rate: int, fmt: str = "FLAC") -> bytes:
    """Encode float samples as FLAC (lossless, ~half of WAV) or WAV bytes for the `audio` column."""
    import soundfile as sf

    buf = io.BytesIO()
    subtype = "PCM_16"
    sf.write(buf, np.asarray(samples, dtype=np.float32), rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def write_audio_shard(folder: str | Path, split: str, index: int, num_shards: int,
                      rows: list[dict]) -> Path:
    """Write one shard of an audio dataset atomically (rows follow audio_features())."""
    return write_shard(folder, split, index, num_shards, rows, features=audio_features())
