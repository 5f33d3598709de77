"""Published repos are reusable: no local paths, the codebook travels with the units, tokenizers that every
supported transformers opens, dataset ids that are the published repos', cards true to their dataset kind."""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from hf_slm.errors import ConfigError
from tests.helpers.publish_inputs import LAWS, make_checkpoint, make_dataset, make_laws, make_text_dataset


def plant_local_config(folder: Path) -> None:
    """What a checkpoint saved by transformers 5 after from_pretrained of a local folder looks like."""
    path = folder / "tokenizer_config.json"
    config = json.loads(path.read_text())
    config.update(tokenizer_class="TokenizersBackend", backend="tokenizers", is_local=True, local_files_only=True)
    path.write_text(json.dumps(config))


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from hf_slm.hub.publish import publish
    from hf_slm.runrecord import RunRecord

    root = tmp_path_factory.mktemp("portable")
    record = make_checkpoint(root / "runs" / "a", "speech-tiny-a")
    record.dataset = str(root / "toy-units")  # as training records it: the local folder it read
    record.extra["eval_test_loss"] = {"dataset": str(root / "toy-units")}
    record.extra["evaluation"] = {"benchmarks": str(root / "benchmarks")}
    record.save(root / "runs" / "a")
    plant_local_config(root / "runs" / "a")
    laws = json.loads(json.dumps(LAWS))
    laws["points"][0]["path"] = str(root / "runs" / "a" / "run.json")
    laws["laws"]["speech"]["chinchilla"].update(
        identifiable={"E": True, "A": False, "B": True, "alpha": False, "beta": True},
        warnings=["A and alpha trade off along a ridge: only their product is constrained."],
        extrapolation={"fitted": True, "held_out": ["big-1", "big-2"], "rel_error": [0.031, -0.042],
                       "max_abs_rel_error": 0.042})
    make_laws(root / "laws", laws)
    make_dataset(root / "toy-units")
    make_text_dataset(root / "toy-text")
    plant_local_config(root / "toy-text" / "tokenizer")
    assert RunRecord.load(root / "runs" / "a").dataset == str(root / "toy-units")
    publish(root / "runs", root / "laws", root / "hub", datasets=[root / "toy-units", root / "toy-text"],
            org="acme", log=lambda line: None)
    return root


def local_prefixes(root: Path) -> list[bytes]:
    tmp = {tempfile.gettempdir(), os.path.realpath(tempfile.gettempdir()), "/tmp/"}
    return sorted({str(root).encode(), os.path.realpath(root).encode(), *(t.rstrip("/").encode() + b"/" for t in tmp)})


def test_no_file_the_publish_step_writes_names_a_local_path(published):
    hub = published / "hub"
    files = [p for p in hub.rglob("*") if p.is_file()]
    assert len(files) > 20
    found = [(str(p.relative_to(hub)), s.decode()) for p in files for s in local_prefixes(published)
             if s in p.read_bytes()]
    assert found == []


def test_units_repo_carries_its_codebook_and_encoder(published):
    from hf_slm.units.quantizer import Codebook

    repo = published / "hub" / "datasets" / "toy-units"
    meta = json.loads((repo / "meta.json").read_text())
    source_meta = json.loads((published / "toy-units" / "meta.json").read_text())
    cb = Codebook.load(repo / meta["codebook"]["path"])
    assert meta["codebook"]["path"] == "codebook.safetensors"
    assert cb.content_sha256() == source_meta["codebook"]["sha256"] == meta["codebook"]["sha256"]
    assert cb.encoder == source_meta["encoder"]  # new audio is encoded by the encoder it was fitted on
    enc = json.loads((repo / "encoder.json").read_text())
    assert enc["encoder"] == source_meta["encoder"] and enc["codebook"]["file"] == "codebook.safetensors"
    assert "--codebook codebook.safetensors" in enc["encode_new_audio"]
    card = (repo / "README.md").read_text()
    assert "--codebook codebook.safetensors" in card and "acme/toy-units" in card


def test_a_units_dataset_without_its_codebook_is_refused_before_output(published, tmp_path):
    from hf_slm.hub.publish import publish

    ds = tmp_path / "units"
    shutil.copytree(published / "toy-units", ds)
    meta = json.loads((ds / "meta.json").read_text())
    meta["codebook"]["path"] = str(tmp_path / "gone.safetensors")
    (ds / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ConfigError, match="codebook"):
        publish(published / "runs", published / "laws", tmp_path / "hub", datasets=[ds], log=lambda line: None)
    assert not (tmp_path / "hub").exists()
    # another codebook (same K, other centroids) is not the one the units came from
    from hf_slm.units.quantizer import Codebook

    other = Codebook.load(published / "codebook.safetensors")
    other.centroids = other.centroids + 1.0
    other.save(tmp_path / "gone.safetensors")
    with pytest.raises(ConfigError, match="not the codebook"):
        publish(published / "runs", published / "laws", tmp_path / "hub", datasets=[ds], log=lambda line: None)
    assert not (tmp_path / "hub").exists()


def test_model_index_dataset_ids_are_the_published_repos(published):
    from huggingface_hub import ModelCard

    card = ModelCard.load(published / "hub" / "models" / "speech-tiny-a" / "README.md")
    assert card.data.datasets == ["acme/toy-units"]
    loss = [r for r in card.data.eval_results if r.metric_type == "loss"]
    assert [(r.dataset_type, r.dataset_name) for r in loss] == [("acme/toy-units", "acme/toy-units")]
    assert loss[0].metric_name == "test loss (nats/unit)"
    run = json.loads((published / "hub" / "models" / "speech-tiny-a" / "run.json").read_text())
    assert run["dataset"] == "acme/toy-units" and run["eval_test_loss"]["dataset"] == "acme/toy-units"
    laws = json.loads((published / "hub" / "laws" / "scaling_laws.json").read_text())
    assert laws["points"][0]["path"] == "acme/speech-tiny-a/run.json"


def test_published_tokenizer_configs_are_portable(published):
    configs = sorted((published / "hub").rglob("tokenizer_config.json"))
    assert len(configs) == 3  # the model's, the units dataset's, the text dataset's
    for path in configs:
        config = json.loads(path.read_text())
        assert config["tokenizer_class"] == "PreTrainedTokenizerFast", path
        assert not {"is_local", "local_files_only", "backend"} & set(config), path
    text = json.loads((published / "hub" / "datasets" / "toy-text" / "tokenizer" / "tokenizer_config.json").read_text())
    assert text["add_prefix_space"] is True  # as its tokenizer.json's ByteLevel pre-tokenizer says


def test_text_dataset_card_is_about_text(published):
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(published / "hub" / "datasets" / "toy-text" / "README.md")
    assert "discrete-units" not in card.data.tags and "text" in card.data.tags
    assert "acoustic encoder" not in card.text and "A unit dataset" not in card.text
    assert "text-token dataset" in card.text and "codebook.safetensors" not in card.text
    assert not (published / "hub" / "datasets" / "toy-text" / "codebook.safetensors").exists()
    assert "| train | 6 |" in card.text


def test_model_card_shows_what_the_law_does_not_identify(published):
    text = (published / "hub" / "models" / "speech-tiny-a" / "README.md").read_text()
    assert "The data do not identify A, alpha" in text
    assert "Caution: A and alpha trade off along a ridge" in text
    assert "without the 2 highest-compute run(s), the law predicts them" in text and "within 4.2%" in text


def test_dataset_cards_read_special_ids_from_their_tokenizer(published):
    text = (published / "hub" / "datasets" / "toy-text" / "README.md").read_text()
    units = (published / "hub" / "datasets" / "toy-units" / "README.md").read_text()
    assert "Vocabulary: 300 tokens; `</s>` = 0, `<pad>` = 1, `<s>` = 2." in text
    assert "Vocabulary: 23 tokens (20 units at ids 0–19); `</s>` = 20, `<pad>` = 21, `<s>` = 22." in units


def test_unigram_repo_carries_the_codebook_of_its_units(published, tmp_path):
    """Unigram pieces are made from units: their repo carries the units' codebook and the piece model."""
    from hf_slm.hub.publish import publish
    from hf_slm.units.quantizer import Codebook
    from hf_slm.units.unigram import unigram_dataset

    meta = unigram_dataset(published / "toy-units", tmp_path / "toy-unigram", vocab_size=24)
    publish(published / "runs", published / "laws", tmp_path / "hub", datasets=[tmp_path / "toy-unigram"],
            org="acme", log=lambda line: None)
    repo = tmp_path / "hub" / "datasets" / "toy-unigram"
    assert Codebook.load(repo / "codebook.safetensors").content_sha256() == meta["codebook"]["units_sha256"]
    assert json.loads((repo / "encoder.json").read_text())["codebook"]["k"] == meta["codebook"]["units_k"]
    assert (repo / "unigram.model").is_file()
    card = (repo / "README.md").read_text()
    assert "unigram-piece dataset" in card and "`unigram.model`" in card
