"""Every card the micro demo's publish step wrote loads with huggingface_hub and has metadata the Hub accepts.

Uses the micro demo that tests/test_demo.py runs (its `micro` fixture, once per session when it lives
in tests/conftest.py); the cards are checked as a Hub user meets them: YAML the Hub validates, a
model-index that parses back, tags and vocabulary true to each mode, a usage snippet that runs, a units
repo that carries its codebook, and no path of the machine that made them.
"""

import json
import os
import re
import tempfile

import pytest

from tests.helpers.hub_metadata import validate_readme

# `micro` (tests/conftest.py): the session's one micro demo, shared with tests/test_demo.py

KIND = {"models": "model", "laws": "model", "datasets": "dataset", "metrics": "space"}


@pytest.fixture(scope="module")
def hub(micro):
    out, _ = micro
    return out, out / "hub"


def readmes(hub_dir):
    return sorted(hub_dir.rglob("README.md"))


def repo_type(hub_dir, readme) -> str:
    return KIND[readme.relative_to(hub_dir).parts[0]]


def load_card(kind: str, path):
    from huggingface_hub import DatasetCard, ModelCard, SpaceCard

    return {"model": ModelCard, "dataset": DatasetCard, "space": SpaceCard}[kind].load(path)


def test_every_card_loads_and_passes_hub_validation(hub):
    _, hub_dir = hub
    paths = readmes(hub_dir)
    assert len(paths) >= 20 + 1 + 2  # models, laws, the units and text datasets (+ metric Spaces)
    for path in paths:
        kind = repo_type(hub_dir, path)
        card = load_card(kind, path)
        assert card.data.to_dict(), path
        assert validate_readme(path.read_text(encoding="utf-8"), kind) == [], path


def test_model_cards_match_their_run_and_mode(hub):
    from huggingface_hub import ModelCard
    from transformers import AutoTokenizer

    from hf_slm.hub.model_card import TEST_LOSS, scores_from_card
    from hf_slm.runrecord import RunRecord

    _, hub_dir = hub
    for folder in sorted((hub_dir / "models").iterdir()):
        card = ModelCard.load(folder / "README.md")
        record = RunRecord.load(folder)
        scores = scores_from_card(card)
        assert scores[TEST_LOSS] == pytest.approx(record.final_test_loss)
        assert {k: v for k, v in scores.items() if k != TEST_LOSS} == \
               pytest.approx({k: s["value"] for k, s in record.scores.items()})
        tags = set(card.data.tags)
        assert f"mode-{record.mode}" in tags and ("discrete-units" in tags) == (record.mode != "text")
        tok = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
        vocab = re.search(r"^\| Vocabulary \| (.*) \|$", card.text, flags=re.M).group(1)
        assert vocab.startswith(f"{len(tok)} tokens")
        if record.mode == "interleaved":  # the base text LM's specials, whatever that LM calls them
            assert f"eos id {tok.eos_token_id}, pad id {tok.pad_token_id}" in vocab
        else:
            assert f"`</s>` = {tok.eos_token_id}" in vocab and f"`<pad>` = {tok.pad_token_id}" in vocab
        loss_rows = [r for r in card.data.eval_results if r.metric_type == "loss"]
        assert all("/" not in r.dataset_type or r.dataset_type.count("/") == 1 for r in loss_rows)


def test_usage_snippets_run_for_each_mode(hub):
    from tests.test_hub_cards_modes import REPO_ID, run_snippet, snippet_of

    _, hub_dir = hub
    seen = set()
    for folder in sorted((hub_dir / "models").iterdir()):
        mode = json.loads((folder / "run.json").read_text())["mode"]
        if mode in seen:
            continue
        seen.add(mode)
        code = snippet_of((folder / "README.md").read_text(encoding="utf-8"))
        repo_id = re.search(r'from_pretrained\("([^"]+)"\)', code).group(1)
        ns, printed = run_snippet(code.replace(f'"{repo_id}"', f'"{REPO_ID}"'), folder)
        assert ns["out"].shape[1] > ns["prompt"].shape[1] and printed.strip()
    assert seen == {"speech", "text", "interleaved"}


def test_dataset_repos_are_reusable_and_true_to_their_kind(hub):
    from huggingface_hub import DatasetCard

    from hf_slm.units.quantizer import Codebook

    _, hub_dir = hub
    units, text = hub_dir / "datasets" / "units", hub_dir / "datasets" / "text"
    meta = json.loads((units / "meta.json").read_text())
    assert Codebook.load(units / "codebook.safetensors").content_sha256() == meta["codebook"]["sha256"]
    assert json.loads((units / "encoder.json").read_text())["encoder"] == meta["encoder"]
    text_card = DatasetCard.load(text / "README.md")
    assert "discrete-units" not in text_card.data.tags and "acoustic encoder" not in text_card.text
    assert "discrete-units" in DatasetCard.load(units / "README.md").data.tags


def test_no_published_file_names_a_local_path(hub):
    out, hub_dir = hub
    needles = {str(out).encode(), os.path.realpath(out).encode(), b"/tmp/",
               os.path.realpath(tempfile.gettempdir()).encode() + b"/"}
    found = [(str(p.relative_to(hub_dir)), n.decode()) for p in hub_dir.rglob("*") if p.is_file()
             for n in needles if n in p.read_bytes()]
    assert found == []
