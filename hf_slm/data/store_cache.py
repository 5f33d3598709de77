"""Where a split's token store lives, and building it once however many processes ask.

A store is keyed by what it was built from: the split's `datasets` fingerprint (which changes
when its Parquet files, or a `map`/`select` on them, change), its Arrow cache files' paths, sizes
and modification times, its row count, the column and the stored dtype. A changed dataset
therefore gets a new store; the old one is never served for it.

Stores live under $HF_SLM_TOKEN_STORE_CACHE, else <datasets cache>/hf_slm_token_stores. The
first process to find a store missing builds it under an exclusive file lock while the others
wait, into a temp folder that is renamed into place only when whole, so a kill mid-build leaves
nothing that is later trusted. Where the file system has no locks, each process builds its own
temp copy and the first rename wins, which is still safe.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from hf_slm.data.token_store import FORMAT, CorruptStore, TokenStore, open_store, write_store

CACHE_ENV = "HF_SLM_TOKEN_STORE_CACHE"
CACHE_SUBDIR = "hf_slm_token_stores"
logger = logging.getLogger(__name__)


def cache_root() -> Path:
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given)
    from datasets import config

    return Path(config.HF_DATASETS_CACHE) / CACHE_SUBDIR


def source_key(split, column: str, dtype) -> tuple[str, dict]:
    """(key, what it hashes): the identity of the split's data, cheap to compute (reads no rows)."""
    files = []
    for entry in split.cache_files:
        st = os.stat(entry["filename"])
        files.append([os.path.abspath(entry["filename"]), st.st_size, st.st_mtime_ns])
    source = {"store_format": FORMAT, "fingerprint": split._fingerprint, "rows": len(split),
              "column": column, "dtype": np.dtype(dtype).name, "cache_files": files}
    key = hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()[:32]
    return key, source


def load_token_store(split, column: str, dtype, root: str | Path | None = None) -> TokenStore:
    """The split's store, built on first use (one builder per key, the others wait for it)."""
    root = Path(root) if root is not None else cache_root()
    key, source = source_key(split, column, dtype)
    folder = root / key
    store = _open_valid(folder, repair=False)  # the common case: built before, opened without a lock
    if store is not None:
        return store
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive(root / f"{key}.lock") as locked:
        store = _open_valid(folder, repair=True)  # another process may have built it meanwhile
        if store is not None:
            return store
        if locked:
            _remove_leftovers(root, key)
        return _build(split, root, folder, key, column, dtype, source)


def _open_valid(folder: Path, repair: bool) -> TokenStore | None:
    """The store in `folder`, or None if there is none; with `repair`, a corrupt one is moved aside."""
    if not folder.exists():
        return None
    try:
        return open_store(folder)
    except CorruptStore as e:
        if not repair:
            return None
        aside = folder.with_name(f".{folder.name}.corrupt-{os.getpid()}")
        logger.warning("token store %s is corrupt (%s); moving it to %s and rebuilding", folder, e, aside.name)
        with contextlib.suppress(FileNotFoundError):  # another process moved it first
            os.rename(folder, aside)
        return None


def _build(split, root: Path, folder: Path, key: str, column: str, dtype, source: dict) -> TokenStore:
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", suffix=".tmp", dir=root))
    try:
        logger.info("building the token store of %d rows in %s", len(split), folder)
        write_store(split, tmp, dtype, column, source)
        os.chmod(tmp, 0o755)
        try:
            os.rename(tmp, folder)
        except OSError as e:  # a process without the lock got there first: use its store
            if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return open_store(folder)


def _remove_leftovers(root: Path, key: str) -> None:
    """Temp folders of builds of this key that were killed (only the lock holder may remove them)."""
    for path in glob.glob(str(root / f".{key}.*.tmp")) + glob.glob(str(root / f".{key}.corrupt-*")):
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _exclusive(path: Path):
    """Hold an exclusive lock on `path` (yields True), or yield False where locks are unsupported."""
    with open(path, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        except OSError as e:
            if e.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                raise
            logger.warning("no file locks under %s: each process builds its own copy of the token store", path.parent)
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
