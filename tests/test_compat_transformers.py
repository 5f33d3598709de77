"""Published checkpoints and tokenizers open with the oldest transformers pyproject allows, and give the same numbers.

pyproject says `transformers>=4.46`, `tokenizers>=0.20`, `huggingface-hub>=0.26`: the floor installs as
transformers 4.46.1 (4.46.0 is yanked), tokenizers 0.20.0, huggingface_hub 0.26.0, and the last 4.x
(4.57.6) is tested beside it because it re-sets a ByteLevel pre-tokenizer's add_prefix_space from the
config (a silent change of text token ids). Each set is pip-installed with --no-deps into a throwaway
folder put first on PYTHONPATH, so torch, numpy and safetensors are this environment's; the loads run in
a fresh interpreter there. Skipped, with pip's reason, when the package registry cannot be reached.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers.publish_inputs import make_checkpoint, make_laws, make_mode_checkpoint

VERSION_SETS = {
    "floor": ("transformers==4.46.1", "tokenizers==0.20.0", "huggingface_hub==0.26.0"),
    "last-4.x": ("transformers==4.57.6", "tokenizers==0.22.2", "huggingface_hub==0.36.0"),
}
UNREACHABLE = ("Could not find a version", "No matching distribution", "Failed to establish a new connection",
               "Network is unreachable", "Temporary failure in name resolution", "Max retries exceeded",
               "Read timed out", "ConnectionError", "ProxyError", "SSLError")
TEXT = "once upon a time the dog ran to the park"

PROBE = r"""
import json, sys
import torch, transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

out = {"transformers": transformers.__version__}
for name, folder in json.loads(sys.argv[1]).items():
    tok = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    model = AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=False)
    ids = [tok.eos_token_id] + list(range(5))
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].tolist()
    out[name] = {"class": type(tok).__name__, "len": len(tok), "specials": [tok.eos_token_id, tok.pad_token_id,
                 tok.bos_token_id], "decode": tok.decode(list(range(5))), "logits": logits,
                 "text_ids": tok(sys.argv[2], add_special_tokens=False).input_ids if name == "text" else None}
print("RESULT " + json.dumps(out))
"""


def install(target, pins):
    return subprocess.Popen([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
                             "--disable-pip-version-check", "--target", str(target), *pins],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def probe(target, folders):
    env = {**os.environ, "PYTHONPATH": str(target), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.Popen([sys.executable, "-c", PROBE, json.dumps({k: str(v) for k, v in folders.items()}), TEXT],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from hf_slm.hub.publish import publish

    root = tmp_path_factory.mktemp("compat")
    make_checkpoint(root / "runs" / "units", "speech-units")
    make_mode_checkpoint(root / "runs" / "text", "text", "text")
    # as a transformers 5 checkpoint folder is after from_pretrained(local) + save_pretrained
    for run in ("units", "text"):
        path = root / "runs" / run / "tokenizer_config.json"
        config = json.loads(path.read_text())
        config.update(tokenizer_class="TokenizersBackend", backend="tokenizers", is_local=True, local_files_only=True)
        path.write_text(json.dumps(config))
    make_laws(root / "laws")
    publish(root / "runs", root / "laws", root / "hub", log=lambda line: None)
    return root, {"units": root / "hub" / "models" / "speech-units", "text": root / "hub" / "models" / "text-text"}


def expected(folders):
    """The same numbers computed with this environment's transformers."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = {}
    for name, folder in folders.items():
        tok = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
        model = AutoModelForCausalLM.from_pretrained(folder, trust_remote_code=False)
        with torch.no_grad():
            logits = model(torch.tensor([[tok.eos_token_id] + list(range(5))])).logits[0]
        out[name] = {"len": len(tok), "specials": [tok.eos_token_id, tok.pad_token_id, tok.bos_token_id],
                     "decode": tok.decode(list(range(5))), "logits": logits,
                     "text_ids": tok(TEXT, add_special_tokens=False).input_ids if name == "text" else None}
    return out


@pytest.mark.slow
def test_published_checkpoints_load_with_old_transformers(published, tmp_path):
    import torch

    _, folders = published
    installs = {name: (tmp_path / name, install(tmp_path / name, pins)) for name, pins in VERSION_SETS.items()}
    for name, (_, proc) in installs.items():
        log = proc.communicate(timeout=300)[0]
        if proc.returncode != 0:
            reason = next((line.strip() for line in log.splitlines() if any(u in line for u in UNREACHABLE)), None)
            if reason:
                pytest.skip(f"package registry unreachable, cannot install {' '.join(VERSION_SETS[name])}: {reason}")
            pytest.fail(f"pip install {' '.join(VERSION_SETS[name])} failed:\n{log[-2000:]}")
    want = expected(folders)
    probes = {name: probe(target, folders) for name, (target, _) in installs.items()}
    for name, proc in probes.items():
        log = proc.communicate(timeout=300)[0]
        assert proc.returncode == 0, f"{name}: {log[-3000:]}"
        got = json.loads(next(line for line in log.splitlines() if line.startswith("RESULT "))[7:])
        assert got["transformers"] == VERSION_SETS[name][0].split("==")[1]
        for kind in folders:
            g, w = got[kind], want[kind]
            assert g["class"] == "PreTrainedTokenizerFast"
            assert (g["len"], g["specials"], g["decode"], g["text_ids"]) == \
                   (w["len"], w["specials"], w["decode"], w["text_ids"]), (name, kind)
            torch.testing.assert_close(torch.tensor(g["logits"]), w["logits"], rtol=1e-5, atol=1e-5)
