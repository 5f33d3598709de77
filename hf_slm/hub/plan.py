"""What a publish run produces: one folder per Hub repository, and the plan that names them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from hf_slm.errors import ConfigError

# repo_type on the Hub and the URL prefix of each kind of folder we lay out.
KINDS = {"model": ("model", ""), "laws": ("model", ""), "dataset": ("dataset", "datasets/"),
         "metric": ("space", "spaces/")}
SUBDIR = {"model": "models", "dataset": "datasets", "laws": "laws", "metric": "metrics"}
_NAME_OK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,94}[A-Za-z0-9]$|^[A-Za-z0-9]$")


def repo_name(raw: str) -> str:
    """A valid Hub repo name from a run or folder name (letters, digits, '-', '_', '.')."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw.strip())
    name = re.sub(r"([-.])[-.]+", r"\1", name).strip("-.")[:96].strip("-.")
    if not name:
        raise ConfigError("name", f"{raw!r} gives no valid Hub repo name")
    return name


def check_org(org: str | None, field: str) -> str | None:
    if org is not None and not _NAME_OK.match(org):
        raise ConfigError(field, f"{org!r} is not a Hub user or organization name")
    return org


@dataclass
class RepoPlan:
    kind: str  # model | laws | dataset | metric
    name: str
    source: Path
    space_sdk: str | None = None
    files: list[str] = field(default_factory=list)  # paths inside the repo, after layout
    bytes: int = 0

    @property
    def repo_type(self) -> str:
        return KINDS[self.kind][0]

    def folder(self, out: Path) -> Path:
        return out / SUBDIR[self.kind] if self.kind == "laws" else out / SUBDIR[self.kind] / self.name

    def repo_id(self, org: str | None) -> str:
        return f"{org}/{self.name}" if org else self.name


@dataclass
class Plan:
    out: Path
    org: str | None
    repos: list[RepoPlan]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    collection: str | None = None  # slug, once pushed

    def of_kind(self, kind: str) -> list[RepoPlan]:
        return [r for r in self.repos if r.kind == kind]

    def lines(self, max_files: int = 12) -> list[str]:
        """The plan as the dry run prints it: repos, their files, what was left out."""
        org = self.org or "<ORG>"
        out = [f"publish plan: {len(self.repos)} repositories laid out under {self.out}"]
        for r in self.repos:
            out.append(f"  {r.repo_type:7s} {r.repo_id(org)}  ({len(r.files)} files, {r.bytes / 1e6:.2f} MB)"
                       f"  <- {r.source}")
            out += [f"      {f}" for f in r.files[:max_files]]
            if len(r.files) > max_files:
                out.append(f"      ... and {len(r.files) - max_files} more")
        for path, reason in self.skipped:
            out.append(f"  skipped {path}: {reason}")
        return out


def repo_link(plan: Plan, repo: RepoPlan, from_kind: str) -> str:
    """A link to `repo` as a card of kind `from_kind` sees it: Hub URL with an org, else relative path."""
    if plan.org:
        from huggingface_hub import constants

        return f"{constants.ENDPOINT}/{KINDS[repo.kind][1]}{repo.repo_id(plan.org)}"
    depth = 1 if from_kind == "laws" else 2  # cards sit at laws/README.md or <kind>/<name>/README.md
    return "../" * depth + repo.folder(Path(".")).as_posix()
