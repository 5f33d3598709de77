"""A dataset or checkpoint whose tokenizer asks to run its own code (`auto_map`) never runs it and never prompts."""

import json
from pathlib import Path

import pytest

from hf_slm.errors import ConfigError
from tests.helpers.publish_inputs import make_checkpoint, make_dataset, make_laws

EVIL = "import pathlib\npathlib.Path({marker!r}).write_text('ran')\n" \
       "from transformers import PreTrainedTokenizerFast\n\nclass EvilTokenizer(PreTrainedTokenizerFast):\n    pass\n"


def plant_auto_map(folder: Path, marker: Path) -> None:
    """A tokenizer config whose class exists only as code shipped in the folder."""
    path = folder / "tokenizer_config.json"
    config = json.loads(path.read_text())
    config.update(tokenizer_class="EvilTokenizer", auto_map={"AutoTokenizer": [None, "evil_tok.EvilTokenizer"]})
    path.write_text(json.dumps(config))
    (folder / "evil_tok.py").write_text(EVIL.format(marker=str(marker)))


@pytest.fixture
def no_prompt(monkeypatch):
    """transformers asks with input() when trust_remote_code is left unset: that must never happen."""
    asked = []

    def refuse(prompt=""):
        asked.append(prompt)
        return "n"

    monkeypatch.setattr("builtins.input", refuse)
    return asked


def test_units_dataset_tokenizer_with_auto_map_is_refused_without_running_it(tmp_path, no_prompt):
    from hf_slm.units.dataset import load_unit_dataset

    make_dataset(tmp_path / "units")
    marker = tmp_path / "ran.txt"
    plant_auto_map(tmp_path / "units" / "tokenizer", marker)
    with pytest.raises((ConfigError, ValueError)):
        load_unit_dataset(tmp_path / "units")
    assert no_prompt == [] and not marker.exists()


def test_checkpoint_tokenizer_with_auto_map_stops_publish_without_running_it(tmp_path, no_prompt):
    from hf_slm.hub.model_card import tokenizer_facts
    from hf_slm.hub.publish import publish

    make_checkpoint(tmp_path / "runs" / "a", "speech-tiny-a")
    make_laws(tmp_path / "laws")
    marker = tmp_path / "ran.txt"
    plant_auto_map(tmp_path / "runs" / "a", marker)
    with pytest.raises(ConfigError, match="never runs code"):
        tokenizer_facts(tmp_path / "runs" / "a")
    with pytest.raises(ConfigError, match="auto_map"):
        publish(tmp_path / "runs", tmp_path / "laws", tmp_path / "hub", log=lambda line: None)
    assert no_prompt == [] and not marker.exists()
    assert not (tmp_path / "hub").exists()  # refused before anything was written


def test_loaders_pass_trust_remote_code_false():
    """Every `*.from_pretrained(...)` call in hf_slm (datasets, checkpoints, Hub models) passes
    trust_remote_code=False."""
    import ast

    from tests.conftest import REPO

    missing = []
    for path in sorted((REPO / "hf_slm").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "from_pretrained":
                safe = any(k.arg == "trust_remote_code" and isinstance(k.value, ast.Constant)
                           and k.value.value is False for k in node.keywords)
                if not safe:
                    missing.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert missing == []
