"""Run each utterance from the same TTS state: a pool of warm "zygote" processes that fork per task.

eSpeak NG carries state from one utterance to the next, so the same text gives different audio
later in a process. A zygote is a lean spawned process that loads the engine and warms it up
with a fixed utterance, then never synthesizes again: every task runs in a fresh `os.fork()` of
it, so every utterance starts from one identical state (deterministic, and the two candidates of
a minimal pair differ only by their text). Forking a lean process costs a few ms; engines that
are repeatable in-process (neural TTS) run in the zygote itself.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

_ENGINE = None  # the zygote's TTS engine (set by _zygote_init)
_INIT_ERROR = None  # why the engine could not be built (a failing initializer would respawn forever)


@dataclass
class Failed:
    """A task that raised: the reason goes to skips.jsonl instead of killing the job."""
    reason: str


def _zygote_init(tts_name: str, tts_options: dict) -> None:
    global _ENGINE, _INIT_ERROR
    from hf_slm.synth.tts import build_tts

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        _ENGINE = build_tts(tts_name, **tts_options)
        _ENGINE.warm_up()
    except Exception as e:  # noqa: BLE001 - reported per task instead
        _INIT_ERROR = f"{type(e).__name__}: {e}"


def _read_all(fd: int) -> bytes:
    parts = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


def _run_task(job: tuple[Callable, Any]) -> Any:
    fn, item = job
    if _INIT_ERROR is not None:
        return Failed(f"TTS engine unavailable: {_INIT_ERROR}")
    if not getattr(_ENGINE, "needs_fresh_state", False):
        try:
            return fn(_ENGINE, item)
        except Exception as e:  # noqa: BLE001 - one bad item must not kill the job
            return Failed(f"{type(e).__name__}: {e}")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the fresh copy: do the work, send it back, leave without cleanup handlers
        code = 0
        try:
            os.close(r)
            try:
                payload = pickle.dumps(fn(_ENGINE, item), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as e:  # noqa: BLE001
                payload = pickle.dumps(Failed(f"{type(e).__name__}: {e}"))
            view = memoryview(payload)
            while view:
                view = view[os.write(w, view):]
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    try:
        data = _read_all(r)
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    if not data:
        return Failed(f"synthesis process died (wait status {status})")
    return pickle.loads(data)


class FreshPool:
    """`workers` zygotes holding one TTS engine; `imap(fn, items)` runs fn(engine, item) per task."""

    def __init__(self, tts: str = "espeak", workers: int = 1, **tts_options):
        ctx = mp.get_context("spawn")  # lean zygotes: no torch or big heaps inherited from us
        self.workers = max(1, int(workers))
        self._pool = ctx.Pool(self.workers, initializer=_zygote_init, initargs=(tts, tts_options))

    def imap(self, fn: Callable, items: Iterable, ordered: bool = True,
             chunksize: int = 1) -> Iterator[Any]:
        jobs = ((fn, item) for item in items)
        if ordered:
            return self._pool.imap(_run_task, jobs, chunksize=chunksize)
        return self._pool.imap_unordered(_run_task, jobs, chunksize=chunksize)

    def map(self, fn: Callable, items: Iterable) -> list:
        return list(self.imap(fn, items))

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()

    def __enter__(self) -> "FreshPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
