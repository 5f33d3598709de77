"""What extraction and k-means fitting read: every input's segments, decoded (optionally) in workers.

An input no longer than `max_segment_seconds` is one Piece with the input's own id, decoded as it
always was. A longer one (an audiobook chapter, a LibriLight file) is streamed and cut at quiet
points (hf_slm.audio.stream), one Piece per segment, with the id `ID@START-END` (seconds from the
input's start, two decimals) and the words that fall in it, shifted to the segment's time. So the
memory a reader needs is bounded by the segment length, not the file length.

`read_pieces(..., num_workers=N)` decodes in N torch DataLoader workers (input i in worker
i % N) while the caller encodes; pieces carry `order` = (input index, segment index) so callers
put results back in input order, and the artifact is the same for every N (N=0: in-process).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import torch.utils.data as tud

SEGMENT_ID = "{id}@{start:.2f}-{end:.2f}"


def segment_id(item_id: str, start: float, end: float) -> str:
    return SEGMENT_ID.format(id=item_id, start=start, end=end)


def segment_words(word_times, start: float, end: float) -> list[dict]:
    """Words whose midpoint lies in [start, end), in the segment's time (clipped to it)."""
    out = []
    for w in word_times or []:
        a, b = float(w["start"]), float(w["end"])
        if start <= (a + b) / 2 < end:
            out.append({"word": w["word"], "start": max(a, start) - start, "end": min(b, end) - start})
    return out


@dataclass
class Piece:
    order: tuple[int, int]        # (index of the input, index of the segment): the output order
    id: str
    item: object                  # the hf_slm.units.sources.Item it comes from
    wave: np.ndarray | None = None
    skip: dict | None = None      # {"id", "reason", "detail"} when unusable
    whole: bool = True            # the input was not cut
    last: bool = True             # the input's last piece (progress counts inputs)
    word_times: list = field(default_factory=list)
    text: str = ""

    @property
    def speaker(self) -> str:
        return self.item.speaker


def item_pieces(source, item, index: int, rate: int, min_samples: int, min_seconds: float,
                max_segment_seconds: float | None) -> Iterator[Piece]:
    """The pieces of one input, in time order (at least one: a skip when nothing is usable)."""
    from hf_slm.audio.stream import iter_segments
    from hf_slm.audio.validate import AudioError

    try:
        audio = source.audio(item)
    except AudioError as e:
        yield Piece((index, 0), item.id, item, skip={"id": item.id, "reason": e.reason, "detail": e.detail})
        return
    pending = None
    segs = iter_segments(audio, rate, item.offset, item.duration, max_seconds=max_segment_seconds,
                         min_seconds=min_seconds)
    for j, seg in enumerate(segs):
        if seg.whole:
            pid, words, text = item.id, item.word_times, item.text
        else:
            pid = segment_id(item.id, seg.start, seg.end)
            words = segment_words(item.word_times, seg.start, seg.end)
            text = " ".join(w["word"] for w in words)  # the input's text cannot be apportioned otherwise
        piece = Piece((index, j), pid, item, whole=seg.whole, word_times=words, text=text)
        if seg.error is not None:
            piece.skip = {"id": pid, "reason": seg.error.reason, "detail": seg.error.detail}
        elif seg.wave.size < min_samples:
            piece.skip = {"id": pid, "reason": "too_short",
                          "detail": f"{seg.wave.size} samples < {min_samples} the encoder needs"}
        else:
            piece.wave = seg.wave
        if pending is not None:
            pending.last = False
            yield pending
        pending = piece
    if pending is not None:
        yield pending


def _pieces(source, items, rate, min_samples, min_seconds, max_segment_seconds, worker=0, workers=1):
    for i in range(worker, len(items), workers):
        yield from item_pieces(source, items[i], i, rate, min_samples, min_seconds, max_segment_seconds)


class PieceStream(tud.IterableDataset):
    """The pieces of inputs as an IterableDataset; each DataLoader worker takes every workers-th input."""

    def __init__(self, *args):
        self.args = args

    def __iter__(self):
        info = tud.get_worker_info()
        if info is None:
            return _pieces(*self.args)
        return _pieces(*self.args, worker=info.id, workers=info.num_workers)


def _as_is(piece):
    return piece


def _worker_init(_):
    import torch

    torch.set_num_threads(1)  # decoding is numpy/libsndfile/soxr; leave the cores to the encoder


def read_pieces(source, items, rate: int, min_samples: int = 1, min_seconds: float = 0.0,
                max_segment_seconds: float | None = 120.0, num_workers: int = 0) -> Iterator[Piece]:
    """Every piece of `items`; in input order when num_workers == 0, else interleaved by worker."""
    args = (source, items, rate, min_samples, min_seconds, max_segment_seconds)
    if num_workers <= 0 or len(items) <= 1:
        yield from _pieces(*args)
        return
    loader = tud.DataLoader(PieceStream(*args), batch_size=None, num_workers=min(num_workers, len(items)),
                            collate_fn=_as_is, worker_init_fn=_worker_init, prefetch_factor=2)
    yield from loader


def duration_batches(pieces, rate: int, max_count: int, max_seconds: float) -> Iterator[list[Piece]]:
    """Consecutive pieces grouped until `max_count` usable waveforms or `max_seconds` of audio."""
    batch, count, samples = [], 0, 0
    limit = max_seconds * rate
    for p in pieces:
        batch.append(p)
        if p.wave is not None:
            count, samples = count + 1, samples + p.wave.size
        if count >= max_count or samples >= limit:
            yield batch
            batch, count, samples = [], 0, 0
    if batch:
        yield batch
