"""Packing keeps every token once; the unique pool is deterministic; epochs repeat it."""

import numpy as np
import torch

from hf_slm.data.pack import epoch_order, join_with_eos, pack_windows, split_at_eos
from hf_slm.data.windows import FlattenCollator, WindowDataset

EOS, PAD = 50, 51


def _docs(n=37, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 50, size=int(rng.integers(1, 30))).tolist() for _ in range(n)]


def test_pack_keeps_every_token_once_in_order():
    docs = _docs()
    windows, n_pad = pack_windows(docs, 16, EOS, PAD)
    flat = windows.reshape(-1)
    expected = [t for d in docs for t in (*d, EOS)]
    assert windows.shape[1] == 16
    assert n_pad < 16 and (flat[len(expected):] == PAD).all()
    assert flat[:len(expected)].tolist() == expected
    assert (flat == EOS).sum() == len(docs)


def test_join_limit_cuts_exactly():
    docs = _docs()
    assert len(join_with_eos(docs, EOS, limit=100)) == 100
    assert join_with_eos(docs, EOS, limit=100).tolist() == join_with_eos(docs, EOS)[:100].tolist()


def test_epoch_order_repeats_each_pool_window_once_per_epoch():
    order = epoch_order(10, 35, seed=3)
    assert len(order) == 35
    for e in range(3):
        assert sorted(order[10 * e:10 * (e + 1)].tolist()) == list(range(10))
    assert len(set(order[30:].tolist())) == 5  # the partial last epoch has no repeats
    assert order[:10].tolist() != order[10:20].tolist()  # reshuffled each epoch
    assert epoch_order(10, 35, seed=3).tolist() == order.tolist()


def test_window_dataset_masks_padding_only():
    windows, _ = pack_windows(_docs(5), 8, EOS, PAD)
    ds = WindowDataset(windows, pad_id=PAD)
    last = ds[len(ds) - 1]
    assert torch.equal(last["labels"] == -100, last["input_ids"] == PAD)
    assert torch.equal(ds[0]["labels"], ds[0]["input_ids"])


def test_flatten_collator_restarts_positions_per_document():
    windows, _ = pack_windows([[1, 2, 3], [4, 5], [6, 7, 8, 9]], 6, EOS, PAD)
    batch = FlattenCollator(EOS)(list(WindowDataset(windows, pad_id=PAD)))
    ids = batch["input_ids"][0].tolist()
    assert ids == [1, 2, 3, EOS, 4, 5, EOS, 6, 7, 8, 9, EOS]  # windows split at EOS, no pad
    # Window 0 = [1 2 3 EOS 4 5], window 1 = [EOS 6 7 8 9 EOS]: doc 2's EOS opens window 1 alone.
    assert batch["position_ids"][0].tolist() == [0, 1, 2, 3, 0, 1, 0, 0, 1, 2, 3, 4]
    assert split_at_eos([1, EOS, 2], EOS) == [[1, EOS], [2]]
