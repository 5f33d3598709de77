"""`--push-to-hub REPO`: upload a finished dataset folder with huggingface_hub.

The token comes from the environment only (HF_TOKEN, or HUGGING_FACE_HUB_TOKEN), never from a
file, a flag or a log line; the resumption state (.extract/) stays local.
"""

from __future__ import annotations

import os
from pathlib import Path

from hf_slm.errors import ConfigError

_TOKEN_VARS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")


def _token() -> str | None:
    return next((os.environ[v] for v in _TOKEN_VARS if os.environ.get(v)), None)


def check_push(repo: str, field: str = "--push-to-hub") -> None:
    """Fail before any work when a push could not happen (bad repo id, no token in the environment)."""
    if repo.count("/") != 1 or not all(repo.split("/")):
        raise ConfigError(field, f"{repo!r} is not a Hub repo id (namespace/name)")
    if not _token():
        raise ConfigError(field, "no Hub token: set HF_TOKEN in the environment")


def push_folder(folder: str | Path, repo: str, private: bool = False) -> str:
    """Create the dataset repo if needed and upload `folder`; returns the commit URL."""
    from huggingface_hub import HfApi

    check_push(repo)
    api = HfApi(token=_token())
    api.create_repo(repo, repo_type="dataset", exist_ok=True, private=private)
    info = api.upload_folder(folder_path=str(folder), repo_id=repo, repo_type="dataset",
                             ignore_patterns=[".extract/*", ".*"],
                             commit_message="hf-slm: upload unit dataset")
    return str(info)
