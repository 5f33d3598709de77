"""Tokenizer folders that every supported transformers opens, and that never ask to run code.

transformers 5 saves `tokenizer_class: TokenizersBackend` (a class 4.x does not have) plus keys that
only describe the machine that loaded it (`is_local`, `local_files_only`). Every hf-slm tokenizer is
a plain `tokenizers` tokenizer.json, which `PreTrainedTokenizerFast` opens in 4.x and 5.x alike, so
the saved config names that class and drops the machine-local keys.

transformers 4.47-4.57 also reset a ByteLevel pre-tokenizer's `add_prefix_space` to the config's
value (False when absent), silently changing the token ids of a text tokenizer: the config records
the tokenizer.json value so every version encodes the same ids.
"""

from __future__ import annotations

import json
from pathlib import Path

from hf_slm.atomic import write_text
from hf_slm.errors import ConfigError

CONFIG_FILE = "tokenizer_config.json"
TOKENIZER_FILE = "tokenizer.json"
PORTABLE_CLASS = "PreTrainedTokenizerFast"
# Keys transformers writes that are about the saving machine or the 5.x backend choice, not the tokenizer.
LOCAL_KEYS = ("is_local", "local_files_only", "backend", "name_or_path", "_commit_hash", "cache_dir")


def portable_config(config: dict, tokenizer_json: dict | None = None) -> dict:
    """`config` as a tokenizer_config.json every supported transformers reads the same way."""
    out = {k: v for k, v in config.items() if k not in LOCAL_KEYS}
    out["tokenizer_class"] = PORTABLE_CLASS
    pre = (tokenizer_json or {}).get("pre_tokenizer")
    if isinstance(pre, dict) and "add_prefix_space" in pre:
        out["add_prefix_space"] = bool(pre["add_prefix_space"])
    return dict(sorted(out.items()))


def make_portable(folder: str | Path) -> Path | None:
    """Rewrite FOLDER/tokenizer_config.json in place (no-op without one); returns its path."""
    folder = Path(folder)
    path = folder / CONFIG_FILE
    if not path.is_file():
        return None
    tj = folder / TOKENIZER_FILE
    tokenizer_json = json.loads(tj.read_text(encoding="utf-8")) if tj.is_file() else None
    config = portable_config(json.loads(path.read_text(encoding="utf-8")), tokenizer_json)
    write_text(path, json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return path


def save_tokenizer(tokenizer, folder: str | Path) -> Path:
    """tokenizer.save_pretrained(folder), then make its config portable."""
    tokenizer.save_pretrained(str(folder))
    make_portable(folder)
    return Path(folder)


def load_tokenizer(folder: str | Path, field: str = "--dataset"):
    """AutoTokenizer.from_pretrained(folder) that never runs or asks to run code from the folder.

    A config whose class only exists as code in the folder (`auto_map`) is a ConfigError, not a
    prompt: hf-slm tokenizers are plain tokenizer.json files.
    """
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
    except ValueError as e:
        if "custom code" in str(e) or "trust_remote_code" in str(e):
            raise ConfigError(field, f"{folder} asks to run its own tokenizer code (auto_map); hf-slm never "
                                     "runs code from a dataset or checkpoint: re-save it as tokenizer.json") from None
        raise
