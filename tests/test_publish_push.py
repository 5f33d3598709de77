"""`hf-slm publish --push` against a stand-in Hub on 127.0.0.1: repos, bytes, collection, no token leaks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.fake_hub import FakeHub
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


def publish_cli(inputs, out, hub, *extra):
    """Run the real CLI in a fresh process, so HF_ENDPOINT and the token are read as a user's would be."""
    env = {**os.environ, "HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN, "HF_HUB_OFFLINE": "0",
           "HF_HUB_DISABLE_XET": "1",  # the stand-in speaks git-LFS "basic" transfers, not Xet
           "HF_HOME": str(out.parent / "hf_home"), "HF_HUB_DISABLE_PROGRESS_BARS": "1",
           "PYTHONPATH": str(REPO_ROOT)}
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
            assert TOKEN.encode() not in data, path


def local_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_push_creates_repos_uploads_every_byte_and_a_collection(inputs, tmp_path, hub):
    out = tmp_path / "hub"
    proc = publish_cli(inputs, out, hub, "--push", "acme")
    assert proc.returncode == 0, proc.stderr[-2000:]
    expected = {("model", "acme/speech-tiny-a"): out / "models" / "speech-tiny-a",
                ("model", "acme/slm-scaling-laws"): out / "laws",
                ("dataset", "acme/toy-units"): out / "datasets" / "toy-units",
                ("space", "acme/toy_accuracy"): out / "metrics" / "toy_accuracy"}
    assert set(hub.repos) == set(expected)
    for key, folder in expected.items():
        assert hub.files(*key) == local_files(folder), key
    assert hub.repos[("space", "acme/toy_accuracy")]["sdk"] == "gradio"
    assert hub.lfs_uploads >= 3  # safetensors, parquet and png went through git-LFS
    (collection,) = hub.collections.values()
    assert collection["owner"]["name"] == "acme"
    assert {(i["type"], i["id"]) for i in collection["items"]} == set(expected)
    assert f"collection {collection['slug']}" in proc.stdout
    assert_no_token(hub, proc)

    again = publish_cli(inputs, out, hub, "--push", "acme")  # repos and collection exist: reused
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
