"""No local paths in a published repo: every path of the publishing machine becomes a repo id or a name.

run.json, meta.json, scaling_laws.json and skips.jsonl record where things lay on the machine that
made them (`/home/me/exp/units`, `/tmp/.../run.json`). In a published copy such a path means nothing
and tells the world the user's folder layout, so the copy names the published repo instead (a
dataset folder → its repo id) or, for anything not published, the last part of the path.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

# An absolute POSIX path inside text: not preceded by a word character (so "nats/unit" and "1/N" stay).
_PATH = re.compile(r"(?<![\w.~/-])/(?:[\w.+@-]+/)*[\w.+@-]+/?")
TEXT_SUFFIXES = (".json", ".jsonl", ".csv", ".txt", ".md", ".svg", ".yaml", ".yml")


class PathScrubber:
    """Replaces this machine's absolute paths; `roots` maps a local folder to what names it in public."""

    def __init__(self, roots: dict[str | Path, str] | None = None):
        self.roots = sorted(((os.path.realpath(str(k)), v) for k, v in (roots or {}).items()),
                            key=lambda kv: -len(kv[0]))

    def _local(self, path: str) -> bool:
        """A path of this machine: its first component is a folder here (a '/s' in prose is not)."""
        top = path.strip("/").split("/", 1)[0]
        return bool(top) and os.path.isdir("/" + top)

    def replace_path(self, path: str) -> str:
        real = os.path.realpath(path.rstrip("/") or "/")
        for root, public in self.roots:
            for candidate in (path.rstrip("/"), real):
                if candidate == root or candidate.startswith(root + "/"):
                    rest = candidate[len(root):].lstrip("/")
                    return f"{public}/{rest}" if rest else public
        return Path(path.rstrip("/")).name

    def text(self, text: str) -> str:
        return _PATH.sub(lambda m: self.replace_path(m.group(0)) if self._local(m.group(0)) else m.group(0), text)

    def value(self, obj):
        """A JSON value with every local path in its strings (and keys) replaced."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, list):
            return [self.value(v) for v in obj]
        if isinstance(obj, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in obj.items()}
        return obj

    def file(self, path: Path) -> bool:
        """Rewrite one text file in place if it holds a local path; True when it changed."""
        if path.suffix.lower() not in TEXT_SUFFIXES:
            return False
        try:
            raw = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            return False
        if self.text(raw) == raw:  # nothing local in it: the bytes stay as they were
            return False
        if path.suffix == ".json":
            try:
                new = json.dumps(self.value(json.loads(raw)), indent=2, ensure_ascii=False) + "\n"
            except ValueError:
                new = self.text(raw)
        elif path.suffix == ".jsonl":
            new = "".join(self._jsonl_line(line) for line in raw.splitlines(keepends=True))
        else:
            new = self.text(raw)
        path.write_text(new, encoding="utf-8")
        return True

    def _jsonl_line(self, line: str) -> str:
        try:
            return json.dumps(self.value(json.loads(line)), ensure_ascii=False) + ("\n" if line.endswith("\n") else "")
        except ValueError:
            return self.text(line)

    def tree(self, folder: Path) -> list[Path]:
        """Scrub every text file under `folder`; the files that changed."""
        return [p for p in sorted(folder.rglob("*")) if p.is_file() and self.file(p)]
