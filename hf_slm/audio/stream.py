"""Long audio in bounded memory: block decoding, streaming resampling, cuts at quiet points.

    for seg in iter_segments("book.flac", rate=16000, max_seconds=120):
        seg.start, seg.end          # seconds from the start of the selection (offset)
        seg.wave or seg.error       # float32 mono at `rate`, or the AudioError that made it unusable

A selection (a file, or `offset`/`duration` of it) no longer than `max_seconds` is one segment,
decoded by `load_audio` exactly as before (same samples, same errors). A longer one is decoded
`block_seconds` at a time, resampled with a streaming resampler and cut into segments of
max_seconds/2 .. max_seconds, each cut at the centre of the quietest `QUIET_WINDOW_S` stretch in
the allowed range (a small energy VAD: pauses, not the middle of a word). Memory is a few blocks
plus 1.5 segments, whatever the file's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from hf_slm.audio.io import open_sound
from hf_slm.audio.validate import AudioError

QUIET_FRAME_S = 0.01   # energy frames of 10 ms
QUIET_WINDOW_S = 0.2   # cut in the middle of the quietest 200 ms


@dataclass
class Segment:
    start: float          # seconds from the start of the selection
    end: float
    wave: np.ndarray | None = None
    error: AudioError | None = None
    whole: bool = True    # the selection was not cut (the segment is the whole input)


def selection_seconds(source, offset: float = 0.0, duration: float | None = None) -> float:
    """Length in seconds of `duration` seconds from `offset` (the header's frame count; no decoding)."""
    with open_sound(source) as f:
        rate, frames = f.samplerate, f.frames
    start = min(int(round(offset * rate)), frames)
    n = frames - start if duration is None else min(int(round(duration * rate)), frames - start)
    return max(n, 0) / rate


def stream_mono(source, rate: int, offset: float = 0.0, duration: float | None = None,
                block_seconds: float = 10.0) -> Iterator[np.ndarray]:
    """Mono float32 blocks at `rate`, decoded and resampled `block_seconds` of source at a time."""
    import soundfile as sf

    from hf_slm.audio.io import to_mono

    with open_sound(source) as f:
        src = f.samplerate
        if offset:
            f.seek(min(int(round(offset * src)), f.frames))
        left = None if duration is None else int(round(duration * src))
        block = max(1, int(block_seconds * src))
        stream = None
        if src != rate:
            import soxr

            stream = soxr.ResampleStream(src, rate, 1, dtype="float32", quality="HQ")
        while left is None or left > 0:
            n = block if left is None else min(block, left)
            try:
                data = f.read(frames=n, dtype="float32", always_2d=False)
            except (sf.LibsndfileError, RuntimeError, ValueError) as e:
                raise AudioError("unreadable", f"{type(e).__name__}: {e}") from None
            last = len(data) < n or (left is not None and left - len(data) <= 0)
            if left is not None:
                left -= len(data)
            mono = to_mono(data)
            if stream is not None:
                mono = stream.resample_chunk(mono, last=last)
            if mono.size:
                yield np.asarray(mono, dtype=np.float32)
            if last:
                return


def quiet_cut(x: np.ndarray, lo: int, hi: int, rate: int) -> int:
    """A sample index in [lo, hi]: the centre of the lowest-energy QUIET_WINDOW_S window there."""
    frame = max(1, int(QUIET_FRAME_S * rate))
    n = (hi - lo) // frame
    if n < 1:
        return (lo + hi) // 2
    e = np.square(x[lo: lo + n * frame], dtype=np.float64).reshape(n, frame).sum(axis=1)
    w = min(n, max(1, int(round(QUIET_WINDOW_S / QUIET_FRAME_S))))
    sums = np.convolve(e, np.ones(w), mode="valid")  # energy of each window of w frames
    best = int(np.argmin(sums))                      # first quietest: deterministic
    return lo + best * frame + (w * frame) // 2


def cut_stream(blocks, rate: int, max_seconds: float) -> Iterator[tuple[int, np.ndarray]]:
    """(start sample, samples) of consecutive segments of max/2..max seconds from a block stream.

    A cut is decided once 1.5 × max samples are buffered, so every segment, the last one too,
    lies in [max/2, max] (a stream shorter than max/2 in total is one shorter segment).
    """
    max_len = max(2, int(max_seconds * rate))
    half = max_len // 2
    buf, pos = np.zeros(0, np.float32), 0
    for block in blocks:
        buf = np.concatenate([buf, block])
        while buf.size >= max_len + half:
            cut = quiet_cut(buf, half, max_len, rate)
            yield pos, buf[:cut].copy()
            buf, pos = buf[cut:].copy(), pos + cut
    if buf.size > max_len:
        cut = quiet_cut(buf, half, buf.size - half, rate)
        yield pos, buf[:cut].copy()
        buf, pos = buf[cut:], pos + cut
    if buf.size:
        yield pos, buf


def iter_segments(source, rate: int, offset: float = 0.0, duration: float | None = None,
                  max_seconds: float | None = 120.0, min_seconds: float = 0.0,
                  block_seconds: float = 10.0) -> Iterator[Segment]:
    """The segments of one input (see the module docstring); errors come as Segment.error, never raised.

    An input that cannot be opened is one whole segment with its error; a cut input's unusable
    segments (all zero, say) carry their own error and the rest are still usable.
    """
    from hf_slm.audio.io import load_audio
    from hf_slm.audio.validate import check_waveform

    end = None  # where the last yielded segment of a cut input ended
    try:
        seconds = selection_seconds(source, offset, duration)
        if max_seconds is None or seconds <= max_seconds:
            wave = load_audio(source, rate, offset, duration, min_seconds=min_seconds)
            yield Segment(0.0, wave.size / rate, wave=wave)
            return
        stream = cut_stream(stream_mono(source, rate, offset, duration, block_seconds), rate, max_seconds)
        for start, wave in stream:
            seg = Segment(start / rate, (start + wave.size) / rate, whole=False)
            try:
                check_waveform(wave, rate, min_seconds)
                seg.wave = wave
            except AudioError as e:
                seg.error = e
            end = seg.end
            yield seg
    except AudioError as e:  # unopenable (the whole input), or it broke while decoding (the rest)
        yield Segment(0.0, 0.0, error=e) if end is None else Segment(end, end, error=e, whole=False)
