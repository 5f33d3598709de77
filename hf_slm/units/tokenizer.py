"""The unit tokenizer: a real PreTrainedTokenizerFast (tokenizers WordLevel) over `<unit_k>` tokens.

A unit k is token id k (see hf_slm.units.vocab), so unit sequences go to the model as they are;
the tokenizer exists so that a checkpoint folder opens with `AutoTokenizer.from_pretrained` and
so that generated ids decode back to unit names.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.dataset_format.tokenizer_files import save_tokenizer
from hf_slm.units import vocab


def build_unit_tokenizer(k: int):
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit
    from transformers import PreTrainedTokenizerFast

    ids = {vocab.unit_token(i): i for i in range(k)}
    ids.update({vocab.EOS: vocab.eos_id(k), vocab.PAD: vocab.pad_id(k), vocab.BOS: vocab.bos_id(k)})
    core = Tokenizer(WordLevel(ids, unk_token=None))
    core.pre_tokenizer = WhitespaceSplit()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=vocab.BOS, eos_token=vocab.EOS, pad_token=vocab.PAD,
        padding_side="right", model_max_length=1_000_000,
    )
    tok.init_kwargs["unit_vocab_k"] = k
    return tok


def units_to_text(units) -> str:
    """`[3, 7]` → `"<unit_3> <unit_7>"`, the tokenizer's text form of a unit sequence."""
    return " ".join(vocab.unit_token(int(u)) for u in units)


def unit_k_of(tokenizer) -> int:
    """K of a unit tokenizer (its eos id, by the fixed layout); checks the layout holds."""
    k = tokenizer.eos_token_id
    if (tokenizer.pad_token_id, tokenizer.bos_token_id) != (vocab.pad_id(k), vocab.bos_id(k)):
        raise ValueError("not a hf-slm unit tokenizer: special ids do not follow the unit layout")
    return k


def save_unit_tokenizer(k: int, folder: str | Path):
    """Save the K-unit tokenizer so every supported transformers opens it (dataset_format.tokenizer_files)."""
    tok = build_unit_tokenizer(k)
    save_tokenizer(tok, folder)
    return tok
