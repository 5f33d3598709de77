"""`skips.jsonl`: one structured line per unusable input, so bad data never kills a long job."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path


class SkipLog:
    """Append-only log of skipped samples; `counts()` summarises reasons for the run summary."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def add(self, sample_id: str, reason: str, **detail) -> None:
        line = json.dumps({"id": str(sample_id), "reason": reason, **detail}, default=str)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:  # a line torn by a kill mid-write
                    continue
        return out

    def ids(self) -> set[str]:
        return {e["id"] for e in self.entries()}

    def counts(self) -> dict[str, int]:
        return dict(Counter(e["reason"] for e in self.entries()))
