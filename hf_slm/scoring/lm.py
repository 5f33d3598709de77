"""Loading a causal LM for scoring, and the two token choices every scorer needs: pad and prefix.

The prefix is the context token put before every sequence, so that the first unit of a candidate
is predicted from something rather than dropped. Choices ("--prefix"):

- "auto" (default): the token that preceded a document when the model was trained. hf-slm
  training packs documents into windows separated by EOS and never inserts BOS, so for a
  tokenizer that does not add BOS itself (the unit tokenizer, GPT-2/Pythia) this is EOS: the
  state "a new document starts here" the model actually learnt. A tokenizer that adds BOS on
  encode (Llama-style text tokenizers) trained its model with BOS first, so "auto" uses BOS there.
  (For Pythia/GPT-2 BOS and EOS are the same token anyway.)
- "bos", "eos": that special token; "none": no prefix (the first candidate token is then context
  only, and the candidate's score covers its remaining tokens).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hf_slm.errors import ConfigError

PREFIXES = ("auto", "bos", "eos", "none")
DTYPES = ("float32", "bfloat16", "float16")  # --dtype names (torch attribute names)


@dataclass
class LoadedLM:
    model: object  # a transformers causal LM, in eval mode
    tokenizer: object
    device: "torch.device"  # noqa: F821

    @property
    def pad_id(self) -> int:
        return pad_id_of(self.tokenizer)


def pad_id_of(tokenizer) -> int:
    """The tokenizer's pad id, else its EOS (masked out either way); never a made-up number."""
    for tid in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if tid is not None:
            return int(tid)
    raise ConfigError("--model", "the tokenizer has neither a pad nor an eos token to pad with")


def _adds_bos(tokenizer) -> bool:
    bos = tokenizer.bos_token_id
    if bos is None:
        return False
    ids = tokenizer("", add_special_tokens=True)["input_ids"]  # only the specials it adds
    return bool(ids) and ids[0] == bos


def prefix_ids(tokenizer, prefix: str = "auto") -> list[int]:
    """The context token ids put before every scored sequence (see the module docstring)."""
    if prefix not in PREFIXES:
        raise ConfigError("--prefix", f"{prefix!r} is not one of {', '.join(PREFIXES)}")
    if prefix == "auto":
        prefix = "bos" if _adds_bos(tokenizer) else ("eos" if tokenizer.eos_token_id is not None
                                                      else "bos")
    tid = {"bos": tokenizer.bos_token_id, "eos": tokenizer.eos_token_id, "none": None}[prefix]
    if prefix != "none" and tid is None:
        if tokenizer.bos_token_id is None and tokenizer.eos_token_id is None:
            return []
        raise ConfigError("--prefix", f"the tokenizer has no {prefix} token; choose another prefix")
    return [] if tid is None else [int(tid)]


def default_device():
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_lm(model_id: str | os.PathLike, device=None, dtype=None, field: str = "--model") -> LoadedLM:
    """A checkpoint folder or Hub id → model + tokenizer (default bf16 on GPU, fp32 on CPU; `dtype`:
    a torch dtype or one of DTYPES). Log-softmax runs in float32 whatever the weights' dtype."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = torch.device(device) if device is not None else default_device()
    if dtype is None:
        dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    elif isinstance(dtype, str):
        if dtype not in DTYPES:
            raise ConfigError("--dtype", f"{dtype!r} is not one of {', '.join(DTYPES)}")
        dtype = getattr(torch, dtype)
    source = str(model_id)
    local = Path(source).exists()
    if not local and (Path(source).is_absolute() or source.startswith(".")):
        raise ConfigError(field, f"{source} does not exist")
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=False)
        model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, trust_remote_code=False)
    except OSError as e:  # missing files, offline, unknown repo: one line that says which
        where = "folder" if local else "Hub id"
        raise ConfigError(field, f"cannot load causal LM + tokenizer from {where} {source!r} "
                                 f"({type(e).__name__}: {str(e).splitlines()[0][:160]})") from None
    model.to(device).eval()
    return LoadedLM(model=model, tokenizer=tokenizer, device=device)
