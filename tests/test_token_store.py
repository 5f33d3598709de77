"""The memory-mapped token store: same batches as the list-based builder it replaced; built once, safely.

The reference below is the previous builder (documents read as Python lists in a seeded order,
EOS-joined, cut to U_D; the test split packed whole), written out plainly so the store's index
arithmetic is checked against an independent computation token for token.
"""

import errno
import multiprocessing as mp
import os
import signal
import time
from types import SimpleNamespace

import numpy as np
import pytest

from hf_slm.data import packed, store_cache, token_store
from hf_slm.data.lm import build_token_lm_dataset
from hf_slm.data.pack import epoch_order
from hf_slm.data.packed import PackedWindows, docs_to_fill, stream_starts
from hf_slm.data.store_cache import load_token_store
from hf_slm.data.token_store import MANIFEST_FILE, TOKENS_FILE, CorruptStore, open_store
from hf_slm.errors import ConfigError
from tests.helpers.unit_data import make_unit_dataset


@pytest.fixture(autouse=True)
def _store_cache(tmp_path, monkeypatch):
    """Every test builds its stores in its own cache (none is shared with other tests or runs),
    reading a few rows (and measuring a few documents) at a time so that chunk boundaries are crossed."""
    monkeypatch.setenv(store_cache.CACHE_ENV, str(tmp_path / "stores"))
    monkeypatch.setattr(token_store, "BATCH_ROWS", 7)
    monkeypatch.setattr(packed, "CHUNK_DOCS", 5)
    return tmp_path / "stores"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    from hf_slm.units.dataset import load_unit_dataset

    return load_unit_dataset(make_unit_dataset(tmp_path_factory.mktemp("micro") / "units", k=20, n_train=60, n_test=9))


def _reference(source, budget, seed, max_test_tokens=None):
    """The list-based builder: (train windows in training order, test windows, test pad count)."""
    tok = source.tokenizer
    eos, pad, ctx = tok.eos_token_id, tok.pad_token_id, budget.context
    train = source.splits["train"]["units"]
    stream = []
    for i in np.random.default_rng(seed).permutation(len(train)):
        if len(stream) >= budget.unique_tokens:
            break
        stream += list(train[i]) + [eos]
    pool = np.array(stream[:budget.unique_tokens]).reshape(-1, ctx)
    rng = np.random.default_rng(seed + 1)
    order = np.concatenate([rng.permutation(budget.pool_windows)
                            for _ in range(-(-budget.total_windows // budget.pool_windows))])[:budget.total_windows]
    test, total = [], 0
    for doc in source.splits["test"]["units"]:
        if max_test_tokens and total >= max_test_tokens:
            break
        test += list(doc) + [eos]
        total += len(doc) + 1
    n_pad = -len(test) % ctx
    return pool[order], np.array(test + [pad] * n_pad).reshape(-1, ctx), n_pad


def _budget(ctx, pool_windows, total_windows):
    return SimpleNamespace(context=ctx, pool_windows=pool_windows, total_windows=total_windows,
                           unique_tokens=pool_windows * ctx, tokens=total_windows * ctx)


def _windows(ds):
    return np.stack([ds[i]["input_ids"].numpy() for i in range(len(ds))])


@pytest.mark.parametrize("ctx,pool,total,seed,max_test", [
    (64, 20, 50, 0, None),  # 2.5 epochs, windows cut mid-document
    (17, 83, 83, 5, 100),  # an odd context, one epoch, a capped test split
    (128, 22, 70, 3, 1),  # windows longer than every document; a test split of one document
])
def test_same_batches_as_the_list_builder(source, ctx, pool, total, seed, max_test):
    budget = _budget(ctx, pool, total)
    data = build_token_lm_dataset(source, budget, seed, max_test_tokens=max_test)
    train, test, n_pad = _reference(source, budget, seed, max_test)
    assert _windows(data.train).tolist() == train.tolist()
    assert _windows(data.test).tolist() == test.tolist()
    assert (data.test_pad_tokens, data.test_tokens) == (n_pad, test.size - n_pad)
    assert data.unique_tokens == pool * ctx and data.train.windows.dtype == np.uint16
    labels = data.test[len(data.test) - 1]["labels"]
    assert int((labels == -100).sum()) == n_pad  # the padding, and only it, is out of the loss


def test_the_pool_is_index_arithmetic_over_a_memory_map(source):
    data = build_token_lm_dataset(source, _budget(64, 20, 20), 0)
    pool = data.train.windows
    assert isinstance(pool, PackedWindows) and isinstance(pool.store.tokens, np.memmap)
    assert pool.doc_ids.dtype == np.int64 and len(pool.starts) == len(pool.doc_ids) + 1  # per document, not token


def test_documents_are_taken_as_join_with_eos_takes_them(source):
    """A document is taken while the stream is shorter than the limit: exact boundaries included."""
    store = load_token_store(source.splits["test"], "units", np.uint16)
    lengths = [len(d) for d in source.splits["test"]["units"]]
    starts = stream_starts(store, np.arange(len(store)))
    assert starts.tolist() == np.concatenate([[0], np.cumsum(np.array(lengths) + 1)]).tolist()
    for limit in range(1, sum(lengths) + len(lengths) + 3):
        taken, total = 0, 0
        while taken < len(lengths) and total < limit:
            total += lengths[taken] + 1
            taken += 1
        assert docs_to_fill(starts, limit) == taken, limit


def test_a_pool_larger_than_the_split_is_a_config_error(source):
    n = sum(len(d) + 1 for d in source.splits["train"]["units"])
    with pytest.raises(ConfigError, match=f"has only {n} \\(with EOS\\)"):
        build_token_lm_dataset(source, _budget(64, n // 64 + 1, n // 64 + 1), 0)


def test_ids_outside_the_vocabulary_are_a_config_error(source):
    bad = source.splits["train"].map(lambda row, i: {"units": row["units"] + [25] * (i == 7)}, with_indices=True)
    broken = SimpleNamespace(tokenizer=source.tokenizer, splits={"train": bad, "test": source.splits["test"]})
    with pytest.raises(ConfigError, match=r"span \[\d+, 25\]"):
        build_token_lm_dataset(broken, _budget(16, 4, 4), 0)


def test_built_once_then_reused_and_a_changed_split_gets_its_own(source, _store_cache):
    split = source.splits["train"]
    first = load_token_store(split, "units", np.uint16)
    mtime = (first.folder / TOKENS_FILE).stat().st_mtime_ns
    again = load_token_store(split, "units", np.uint16)
    assert again.folder == first.folder and (again.folder / TOKENS_FILE).stat().st_mtime_ns == mtime
    assert [again.doc(i).tolist() for i in range(len(again))] == [list(d) for d in split["units"]]
    changed = load_token_store(split.map(lambda row: {"units": row["units"][::-1]}), "units", np.uint16)
    assert changed.folder != first.folder and changed.doc(0).tolist() == list(split[0]["units"])[::-1]
    assert load_token_store(split, "units", np.int32).folder not in (first.folder, changed.folder)


def test_in_memory_splits_are_told_apart_by_content():
    from datasets import Dataset

    a = load_token_store(Dataset.from_dict({"units": [[1, 2], [3]]}), "units", np.uint16)
    b = load_token_store(Dataset.from_dict({"units": [[1, 2], [4]]}), "units", np.uint16)
    assert a.folder != b.folder and b.doc(1).tolist() == [4]


@pytest.mark.parametrize("damage", ["flip", "truncate", "manifest"])
def test_a_corrupt_store_is_detected_and_rebuilt(source, damage):
    split = source.splits["train"]
    folder = load_token_store(split, "units", np.uint16).folder
    path = folder / (MANIFEST_FILE if damage == "manifest" else TOKENS_FILE)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 1
    elif damage == "truncate":
        data = data[:-2]
    else:
        data = data[:len(data) // 2]
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptStore):
        open_store(folder)
    rebuilt = load_token_store(split, "units", np.uint16)
    assert rebuilt.folder == folder and [rebuilt.doc(i).tolist() for i in range(len(rebuilt))] == \
        [list(d) for d in split["units"]]
    assert not list(folder.parent.glob(".*"))  # the corrupt copy and any temp folder are gone


def _build_in_child(split, root, started, slow):
    if slow:  # hold the build open so the parent can kill it mid-write
        from hf_slm.data import token_store

        real = token_store._write

        def crawl(f, hasher, arr):
            real(f, hasher, arr)
            started.set()
            time.sleep(30)
        token_store._write = crawl
    load_token_store(split, "units", np.uint16, root=root)


def test_a_build_killed_midway_leaves_nothing_trusted(source, _store_cache):
    split = source.splits["train"]
    ctx = mp.get_context("fork")
    started = ctx.Event()
    child = ctx.Process(target=_build_in_child, args=(split, _store_cache, started, True))
    child.start()
    assert started.wait(60)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    key, _ = store_cache.source_key(split, "units", np.uint16)
    assert not (_store_cache / key).exists() and list(_store_cache.glob(f".{key}.*.tmp"))  # only a temp folder
    store = load_token_store(split, "units", np.uint16)
    assert store.folder == _store_cache / key and not list(_store_cache.glob(f".{key}.*.tmp"))
    assert [store.doc(i).tolist() for i in range(len(store))] == [list(d) for d in split["units"]]


def _no_locks(fd, op):
    raise OSError(errno.ENOLCK, "no locks here")


@pytest.mark.parametrize("locks", [True, False])
def test_concurrent_ranks_build_one_store(source, _store_cache, monkeypatch, locks):
    """One builds while the others wait; without file locks each builds and the first rename wins."""
    if not locks:
        monkeypatch.setattr(store_cache.fcntl, "flock", _no_locks)
    split = source.splits["test"]
    ctx = mp.get_context("fork")
    children = [ctx.Process(target=_build_in_child, args=(split, _store_cache, ctx.Event(), False)) for _ in range(3)]
    for c in children:
        c.start()
    for c in children:
        c.join(60)
    assert [c.exitcode for c in children] == [0, 0, 0]
    stores = [p for p in _store_cache.iterdir() if p.is_dir()]
    assert len(stores) == 1 and not [p for p in _store_cache.iterdir() if p.name.startswith(".")]
    assert open_store(stores[0]).n_tokens == sum(len(d) for d in split["units"])


def test_windows_pickle_by_path(source):
    import pickle

    pool = build_token_lm_dataset(source, _budget(64, 20, 20), 0).train.windows
    back = pickle.loads(pickle.dumps(pool))
    assert isinstance(back.store.tokens, np.memmap) and back[3].tolist() == pool[3].tolist()
    assert len(pickle.dumps(pool)) < pool.store.tokens.nbytes  # the tokens are not in the pickle


def test_epoch_order_is_unchanged():
    rng = np.random.default_rng(1)
    assert epoch_order(4, 10, 1).tolist() == np.concatenate([rng.permutation(4) for _ in range(3)])[:10].tolist()
