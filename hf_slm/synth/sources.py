"""Where story text comes from: the built-in generator, a local text/JSONL file, or a Hub dataset.

A source is a spec string:
- "builtin" (default offline): the seeded story generator (namespace "train");
- a path to a .txt (one story per line, or paragraphs split by blank lines) or .jsonl file
  (a "text" field per line);
- a Hub dataset id such as "roneneldan/TinyStories": streamed with `datasets`, lazily; offline it
  stops with one line.
`iter_texts(spec, n, seed)` yields (id, text) in a fixed order, so ids are stable across reruns.
"""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path
from typing import Iterator

from hf_slm.errors import ConfigError

BUILTIN = "builtin"
DEFAULT_HUB = "roneneldan/TinyStories"


def kind_of(spec: str) -> str:
    if spec == BUILTIN:
        return "builtin"
    p = Path(spec)
    if p.exists():
        if p.suffix not in (".txt", ".jsonl"):
            raise ConfigError("--source", f"{p} must be a .txt or .jsonl file")
        return "file"
    if spec.count("/") == 1 and not spec.startswith((".", "/")):
        return "hub"
    raise ConfigError("--source", f"{spec!r} is not 'builtin', an existing .txt/.jsonl file or a "
                                  "Hub dataset id (org/name)")


def _file_texts(path: Path) -> Iterator[str]:
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        for line in raw.splitlines():
            if line.strip():
                try:
                    yield str(json.loads(line).get("text", ""))
                except (json.JSONDecodeError, AttributeError):
                    yield ""  # a torn line becomes an empty text → skipped and logged
        return
    blocks = raw.split("\n\n") if "\n\n" in raw.strip() else raw.splitlines()
    for b in blocks:
        if b.strip():
            yield " ".join(b.split())


def _hub_texts(repo: str, split: str) -> Iterator[str]:
    try:
        from datasets import load_dataset

        stream = load_dataset(repo, split=split, streaming=True)
        first = next(iter(stream))
    except Exception as e:  # offline, missing repo: one line that says so
        raise ConfigError("--source", f"cannot stream Hub dataset {repo!r} ({type(e).__name__}); "
                                      "go online or use --source builtin / a local file") from None
    yield str(first.get("text", ""))
    for row in islice(stream, 1, None):
        yield str(row.get("text", ""))


def iter_texts(spec: str, n: int | None = None, seed: int = 0, start: int = 0,
               split: str = "train") -> Iterator[tuple[str, str]]:
    """(id, text) for items start..start+n-1 of the source (n=None: until it ends)."""
    kind = kind_of(spec)
    if kind == "builtin":
        from hf_slm.synth.stories import TRAIN, make_story

        i = start
        while n is None or i < start + n:
            s = make_story(TRAIN, seed, i)
            yield s.id, s.text
            i += 1
        return
    texts = _file_texts(Path(spec)) if kind == "file" else _hub_texts(spec, split)
    tag = Path(spec).stem if kind == "file" else spec.split("/")[1]
    stop = None if n is None else start + n
    for i, text in enumerate(islice(texts, start, stop), start=start):
        yield f"{tag}-{i:07d}", text


def check_source(spec: str) -> str:
    """Validate the spec up front (ConfigError before any output); returns its kind."""
    kind = kind_of(spec)
    if kind == "hub":
        import os

        if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
            raise ConfigError("--source", f"Hub dataset {spec!r} needs the network but "
                                          "HF_HUB_OFFLINE/HF_DATASETS_OFFLINE is set; use "
                                          "--source builtin or a local file")
    return kind
