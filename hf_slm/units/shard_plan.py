"""Where an extraction keeps its bookkeeping: the plan and per-shard sidecars under OUT/.extract/.

Shared by `extract` (writes them) and `merge` (checks them), so neither imports the other's module
for these names.
"""

from __future__ import annotations

import hashlib

WORK_DIR = ".extract"
PLAN = "plan.json"


def ids_digest(ids) -> str:
    """sha256 of the sorted ids, one per line: the same set of ids gives the same digest."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()
