"""Upload a laid-out plan with huggingface_hub: create_repo(exist_ok) + upload_folder, then a collection.

The token comes from HF_TOKEN or the user's `hf auth login` (huggingface_hub.get_token) and goes
only into HfApi; every error that leaves this module has it scrubbed, so no message, log line or
traceback we print can carry it.
"""

from __future__ import annotations

from hf_slm.errors import ConfigError
from hf_slm.hub.plan import Plan

COLLECTION_ITEM = {"model": "model", "dataset": "dataset", "space": "space"}


class PublishError(RuntimeError):
    """The Hub refused or failed a request; the message never holds the token."""


def resolve_token() -> str:
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise ConfigError("HF_TOKEN", "no Hub token: set HF_TOKEN in the environment or run `hf auth login`")
    return token


def scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


def push(plan: Plan, *, token: str, private: bool = False, collection_title: str = "hf-slm scaling study",
         log=print) -> Plan:
    """Create every repo of `plan` under plan.org, upload its folder, and gather them in a collection."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    try:
        for repo in plan.repos:
            repo_id = repo.repo_id(plan.org)
            api.create_repo(repo_id, repo_type=repo.repo_type, private=private, exist_ok=True,
                            space_sdk=repo.space_sdk if repo.repo_type == "space" else None)
            api.upload_folder(folder_path=str(repo.folder(plan.out)), repo_id=repo_id, repo_type=repo.repo_type,
                              commit_message=f"hf-slm publish: {repo.kind} {repo.name}")
            log(f"pushed {repo.repo_type} {repo_id} ({len(repo.files)} files)")
        collection = api.create_collection(collection_title, namespace=plan.org, private=private,
                                           exists_ok=True,
                                           description="Speech LMs, unit datasets and fitted scaling laws from hf-slm")
        for repo in plan.repos:
            api.add_collection_item(collection.slug, item_id=repo.repo_id(plan.org),
                                    item_type=COLLECTION_ITEM[repo.repo_type], exists_ok=True)
    except Exception as e:  # any Hub/HTTP error: one scrubbed line, no traceback with headers in it
        hint = " (a gradio Space needs a paid plan: try --metric-sdk static)" if "402" in str(e) else ""
        raise PublishError(scrub(f"{type(e).__name__}: {e}", token) + hint) from None
    plan.collection = collection.slug
    log(f"collection {collection.slug}: {len(plan.repos)} items")
    return plan
