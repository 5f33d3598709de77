"""`hf-slm publish --push` against a stand-in Hub on 127.0.0.1: repos, bytes, collection, no token leaks.

The push runs as a user's would: with hf_xet installed and Xet on (huggingface_hub's default), and once
more with HF_HUB_DISABLE_XET=1 (the git-LFS path). The stand-in validates each README's metadata as the
Hub does (tests/helpers/hub_metadata.py), so a card the Hub would refuse fails the push here too.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.fake_hub import FakeHub
from tests.helpers.fake_xet import FileRecord
from tests.helpers.publish_inputs import make_checkpoint, make_dataset, make_laws, make_metric

TOKEN = "hf_TestSecretToken0123456789abcdefXYZ"
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("push")
    make_checkpoint(root / "runs" / "a", "speech-tiny-a")
    make_laws(root / "laws")
    make_dataset(root / "toy-units")
    make_metric(root / "metrics")
    return root


@pytest.fixture
def hub():
    server = FakeHub(token=TOKEN).start()
    yield server
    server.stop()


def publish_cli(inputs, out, hub, *extra, xet: bool = True):
    """Run the real CLI in a fresh process, so HF_ENDPOINT and the token are read as a user's would be."""
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_XET"}
    env.update({"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HUB_OFFLINE": "0",
                "HF_HOME": str(out.parent / "hf_home"), "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                "HF_XET_CACHE": str(out.parent / "xet_cache"), "PYTHONPATH": str(REPO_ROOT)})
    if not xet:
        env["HF_HUB_DISABLE_XET"] = "1"  # the git-LFS "basic" transfer path
    argv = [sys.executable, "-m", "hf_slm.cli.main", "publish", "--runs", str(inputs / "runs"),
            "--laws", str(inputs / "laws"), "--datasets", str(inputs / "toy-units"),
            "--metrics", str(inputs / "metrics"), "--out", str(out), *extra]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)


def assert_no_token(hub, proc):
    assert TOKEN not in proc.stdout and TOKEN not in proc.stderr
    for entry in hub.log:  # URLs and bodies; headers are where the token belongs
        assert TOKEN not in entry["path"] and TOKEN.encode() not in entry["body"]
    for repo in hub.repos.values():
        for path, data in repo["files"].items():
            assert isinstance(data, FileRecord) or TOKEN.encode() not in data, path


def same_files(stored: dict, folder: Path) -> bool:
    """Every local file is in the repo: its bytes, or (Xet chunks compressed) its verified SHA-256 and size."""
    local = local_files(folder)
    if set(stored) != set(local):
        return False
    for path, data in stored.items():
        if isinstance(data, FileRecord):
            if (data.sha256, data.size) != (hashlib.sha256(local[path]).hexdigest(), len(local[path])):
                return False
        elif data != local[path]:
            return False
    return True


def local_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("xet", [True, False], ids=["xet", "git-lfs"])
def test_push_creates_repos_uploads_every_byte_and_a_collection(inputs, tmp_path, hub, xet):
    out = tmp_path / "hub"
    proc = publish_cli(inputs, out, hub, "--push", "acme", xet=xet)
    assert proc.returncode == 0, proc.stderr[-2000:]
    expected = {("model", "acme/speech-tiny-a"): out / "models" / "speech-tiny-a",
                ("model", "acme/slm-scaling-laws"): out / "laws",
                ("dataset", "acme/toy-units"): out / "datasets" / "toy-units",
                ("space", "acme/toy_accuracy"): out / "metrics" / "toy_accuracy"}
    assert set(hub.repos) == set(expected)
    for key, folder in expected.items():
        assert same_files(hub.files(*key), folder), key
    assert hub.repos[("space", "acme/toy_accuracy")]["sdk"] == "gradio"
    if xet:  # safetensors, parquet and png went through Xet, none through git-LFS
        assert hub.xet.uploads >= 1 and len(hub.xet.files) >= 3 and hub.lfs_uploads == 0
        assert any(isinstance(v, bytes) and k.endswith(".safetensors") for k, v in hub.files(
            "model", "acme/speech-tiny-a").items())  # rebuilt from the xorb chunks, byte for byte
    else:
        assert hub.lfs_uploads >= 3 and not hub.xet.files
    assert {t for t, _ in hub.validated} == {"model", "dataset", "space"}  # every README was checked...
    assert all(errors == [] for _, errors in hub.validated)  # ...and passed as the Hub would pass it
    (collection,) = hub.collections.values()
    assert collection["owner"]["name"] == "acme"
    assert {(i["type"], i["id"]) for i in collection["items"]} == set(expected)
    assert f"collection {collection['slug']}" in proc.stdout
    assert_no_token(hub, proc)

    again = publish_cli(inputs, out, hub, "--push", "acme", xet=xet)  # repos and collection exist: reused
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(hub.collections) == 1 and len(collection["items"]) == 4
    assert all(repo["commits"] == 2 for repo in hub.repos.values())
    assert_no_token(hub, again)


def test_dry_run_sends_nothing(inputs, tmp_path, hub):
    proc = publish_cli(inputs, tmp_path / "hub", hub)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert hub.log == [] and hub.repos == {}
    assert "dry run" in proc.stdout and "acme" not in proc.stdout
    assert "model.safetensors" in proc.stdout  # the plan lists the files
    assert (tmp_path / "hub" / "models" / "speech-tiny-a" / "model.safetensors").is_file()


def test_hub_error_is_one_scrubbed_line(inputs, tmp_path, hub):
    hub.echo_auth_on_commit = True  # a server that puts the Authorization header in its error
    proc = publish_cli(inputs, tmp_path / "hub", hub, "--push", "acme")
    assert proc.returncode == 1
    assert "publish failed" in proc.stderr and "Bearer ***" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert_no_token(hub, proc)


def test_metadata_the_hub_refuses_fails_the_push(inputs, tmp_path, hub):
    proc = publish_cli(inputs, tmp_path / "hub", hub, "--push", "acme", "--license", "Apache 2.0")
    assert proc.returncode == 1
    assert "Invalid metadata in README.md" in proc.stderr and "license 'Apache 2.0'" in proc.stderr
    assert not any(repo["files"] for key, repo in hub.repos.items() if key[0] == "model")
    assert_no_token(hub, proc)


@pytest.mark.parametrize("yaml_text, expected", [
    ("license: apache-2.0\npipeline_tag: text-generation\n", []),
    ("license: Apache 2.0\n", ["license"]),
    ("pipeline_tag: speech-lm\n", ["pipeline_tag"]),
    ("model-index:\n- name: x\n  results:\n  - task: {type: text-generation}\n    dataset: {type: a/b}\n"
     "    metrics: [{type: accuracy, value: 0.5}]\n", ["dataset needs a type and a name"]),
    ("model-index:\n- name: x\n  results:\n  - task: {type: text-generation}\n    dataset: {type: a/b, name: b}\n"
     "    metrics: [{type: accuracy}]\n", ["needs a type and a value"]),
    ("- just\n- a list\n", ["not a YAML mapping"]),
    ("license: [unclosed\n", ["invalid YAML"]),
])
def test_stand_in_validates_metadata_as_the_hub(yaml_text, expected):
    from tests.helpers.hub_metadata import validate_readme

    errors = validate_readme(f"---\n{yaml_text}---\n# card\n")
    assert len(errors) == len(expected) and all(e in err for e, err in zip(expected, errors)), errors
