"""Torch views of packed windows for Trainer: fixed windows in a given order, and per-document flattening."""

from __future__ import annotations

import numpy as np
import torch


class WindowDataset(torch.utils.data.Dataset):
    """Item i is window `order[i]` of `windows`; `pad_id` positions are masked out of the labels.

    `windows` is a (n, window) array or anything indexed like one (hf_slm.data.packed.PackedWindows:
    windows gathered from a memory-mapped token store when read).

    The order is fixed up front (pool permutations per epoch), so Trainer reads it sequentially
    and a resumed run skips exactly the batches it already trained on.
    """

    def __init__(self, windows: np.ndarray, order: np.ndarray | None = None, pad_id: int | None = None):
        self.windows = windows
        self.order = np.arange(len(windows)) if order is None else np.asarray(order)
        self.pad_id = pad_id

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, i: int) -> dict:
        ids = torch.from_numpy(self.windows[self.order[i]].astype(np.int64))
        labels = ids.clone()
        if self.pad_id is not None:
            labels[ids == self.pad_id] = -100
        return {"input_ids": ids, "labels": labels}


class FlattenCollator:
    """Padding-free per-document packing: a batch of windows becomes one row of its documents.

    Each window is split after every EOS; DataCollatorWithFlattening then restarts position ids
    per document, which SDPA / flash attention turn into a block-diagonal mask, so no token
    attends across a document boundary. Tokens per step stay those of the packed windows.
    """

    def __init__(self, eos_id: int):
        from transformers import DataCollatorWithFlattening

        from hf_slm.data.pack import split_at_eos

        self.eos_id = eos_id
        self._split = split_at_eos
        self._flatten = DataCollatorWithFlattening(return_tensors="pt")

    def __call__(self, features: list[dict]) -> dict:
        docs = []
        for f in features:
            keep = f["labels"] != -100  # drop the last test window's padding: it has no document
            for seg in self._split(f["input_ids"][keep].tolist(), self.eos_id):
                docs.append({"input_ids": seg})
        return self._flatten(docs)
