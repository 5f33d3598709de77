"""The unit vocabulary layout, fixed so that no special id ever collides with a unit.

Units k = 0..K-1 are tokens `<unit_k>` with id k (so a unit id is its own token id); then
eos `</s>` = K, pad `<pad>` = K+1, bos `<s>` = K+2 (the paper's K=500 gives eos 500 and pad 501,
as in Cuervo & Marxer's code; bos is extra). Vocabulary size K+3.
"""

from __future__ import annotations

from hf_slm.dataset_format import BOS, EOS, PAD  # noqa: F401  (names shared by every tokenizer)

UNIT_TOKEN = "<unit_{}>"


def eos_id(k: int) -> int:
    return k


def pad_id(k: int) -> int:
    return k + 1


def bos_id(k: int) -> int:
    return k + 2


def vocab_size(k: int) -> int:
    return k + 3


def unit_token(i: int) -> str:
    return UNIT_TOKEN.format(i)
