"""Dataset arguments: an existing path is always local; a Hub id is only what huggingface_hub accepts."""

import pytest

from hf_slm.dataset_format import is_hub_dataset_id, resolve_dataset_folder
from hf_slm.errors import ConfigError


@pytest.fixture
def fake_download(monkeypatch):
    calls = []

    def snapshot_download(repo_id, repo_type):
        calls.append((repo_id, repo_type))
        raise OSError("offline")

    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    return calls


def test_an_existing_relative_folder_with_one_slash_is_local(tmp_path, monkeypatch, fake_download):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "units").mkdir(parents=True)
    assert not is_hub_dataset_id("data/units")
    assert resolve_dataset_folder("data/units").resolve() == (tmp_path / "data" / "units").resolve()
    assert fake_download == []


@pytest.mark.parametrize("bad", ["org/na me", "org/x--y", "org/x..y", "org/-x", "org/name.", "a/b/c", "org/--x",
                                 "org/bad..name", ".x/y", "~x/y", "org\\x/y",
                                 "./x/y", "/abs/x", "name", "org/", "org/\u00e9t\u00e9"])
def test_what_huggingface_hub_rejects_is_never_fetched(bad, tmp_path, monkeypatch, fake_download):
    monkeypatch.chdir(tmp_path)
    assert not is_hub_dataset_id(bad)
    with pytest.raises(ConfigError) as err:
        resolve_dataset_folder(bad, "--dataset")
    assert err.value.field == "--dataset" and "neither a local folder nor a Hub dataset id" in str(err.value)
    assert fake_download == []


def test_a_valid_missing_id_is_fetched_and_offline_is_one_clear_line(tmp_path, monkeypatch, fake_download):
    monkeypatch.chdir(tmp_path)
    assert is_hub_dataset_id("slprl/mhubert-units_v1.2") and is_hub_dataset_id("org/units-k500")
    with pytest.raises(ConfigError) as err:
        resolve_dataset_folder("slprl/mhubert-units_v1.2")
    assert fake_download == [("slprl/mhubert-units_v1.2", "dataset")]
    assert "no local folder" in str(err.value) and "\n" not in str(err.value)
