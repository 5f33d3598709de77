"""Documents of a token store joined as `doc EOS doc EOS …` and cut into windows, by index arithmetic.

Nothing is copied up front: window w is gathered from the memory-mapped tokens when it is read.
A process holds only the chosen document ids and their start positions in the stream (16 bytes a
document), whatever U_D, so every rank of a run can hold the whole pool. The stream is the one
hf_slm.data.pack.join_with_eos makes of the same documents (tests/test_token_store.py checks it).
"""

from __future__ import annotations

import numpy as np

from hf_slm.data.token_store import TokenStore

CHUNK_DOCS = 1 << 20  # documents measured at a time (bounds the temporaries to a few MB)


def stream_starts(store: TokenStore, doc_ids: np.ndarray) -> np.ndarray:
    """Where each of `doc_ids` starts in `doc EOS doc EOS …`, then the stream's length (len(doc_ids) + 1).

    Filled a chunk at a time, so the only array as long as the documents is the result.
    """
    starts = np.zeros(len(doc_ids) + 1, dtype=np.int64)
    for first in range(0, len(doc_ids), CHUNK_DOCS):
        ends = np.cumsum(store.lengths(doc_ids[first:first + CHUNK_DOCS]) + 1)
        starts[first + 1:first + 1 + len(ends)] = starts[first] + ends
    return starts


def docs_to_fill(starts: np.ndarray, limit: int) -> int:
    """How many leading documents (of stream_starts' `starts`) hold `limit` tokens (all if fewer).

    A document is taken while the stream so far is shorter than `limit`, as join_with_eos(..., limit=) does.
    """
    return min(len(starts) - 1, int(np.searchsorted(starts[1:], limit, side="left")) + 1)


class PackedWindows:
    """Windows of `window` tokens over the EOS-joined documents `doc_ids` of `store`.

    The stream is cut after `n_tokens` (default: all of it); a last partial window is filled with
    `pad_id`. Reads like a (n_windows, window) array: `windows[i]` is one window as numpy.
    """

    def __init__(self, store: TokenStore, doc_ids: np.ndarray, window: int, eos_id: int,
                 pad_id: int | None = None, n_tokens: int | None = None):
        self.store, self.doc_ids, self.window = store, np.asarray(doc_ids, dtype=np.int64), window
        self.eos_id, self.pad_id = eos_id, pad_id
        self.starts = stream_starts(store, self.doc_ids)
        total = int(self.starts[-1])
        self.n_tokens = total if n_tokens is None else int(n_tokens)
        if self.n_tokens > total:
            raise ValueError(f"{self.n_tokens} tokens asked of a stream of {total}")
        n_windows = -(-self.n_tokens // window)
        self.n_pad = n_windows * window - self.n_tokens
        if self.n_pad and pad_id is None:
            raise ValueError(f"{self.n_tokens} tokens are not whole windows of {window} and no pad id is given")
        self.shape = (n_windows, window)
        self.dtype = store.tokens.dtype

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, i) -> np.ndarray:
        i = int(i)
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(f"window {i} of {len(self)}")
        pos = np.arange(i * self.window, min((i + 1) * self.window, self.n_tokens), dtype=np.int64)
        doc = np.searchsorted(self.starts, pos, side="right") - 1  # which document each position is in
        within = pos - self.starts[doc]
        is_eos = within == self.starts[doc + 1] - self.starts[doc] - 1  # one past a document's last token
        out = np.full(self.window, self.eos_id if self.pad_id is None else self.pad_id, dtype=self.dtype)
        body = out[:len(pos)]
        body[is_eos] = self.eos_id
        keep = ~is_eos
        body[keep] = self.store.tokens[self.store.offsets[self.doc_ids[doc[keep]]] + within[keep]]
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Every window at once (O(U_D) memory: for tests and small runs, never for training)."""
        out = np.stack([self[i] for i in range(len(self))]) if len(self) else np.zeros(self.shape, self.dtype)
        return out if dtype is None else out.astype(dtype)

    def ravel(self) -> np.ndarray:
        """The whole stream as one array, as numpy's ravel of the (n_windows, window) array (O(U_D))."""
        return np.asarray(self).ravel()
