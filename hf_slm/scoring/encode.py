"""Benchmark rows → token ids, for unit LMs and text LMs alike (one Request type for both).

Units go through the model's own tokenizer vocabulary (`<unit_k>` → its id), not an assumed
identity, so a model whose vocabulary puts units after text tokens (interleaved SIMS models)
is scored correctly too. Text is tokenized as lm-evaluation-harness does: encode context + text
whole and take the tokens past the context's, so a word split at the boundary stays as trained.
"""

from __future__ import annotations

import re

import numpy as np

from hf_slm.units import vocab

MODALITIES = ("units", "text")
_UNIT_RE = re.compile(r"^<unit_(\d+)>$")


def unit_id_table(tokenizer) -> np.ndarray:
    """table[k] = token id of unit k; raises if the tokenizer has no unit tokens."""
    units = {}
    for token, tid in tokenizer.get_vocab().items():
        m = _UNIT_RE.match(token)
        if m:
            units[int(m.group(1))] = tid
    if not units:
        raise ValueError("the tokenizer has no <unit_k> tokens: not a unit LM (score text instead)")
    k = max(units) + 1
    if len(units) != k:
        raise ValueError(f"the tokenizer's unit tokens are not 0..{k - 1} without gaps")
    table = np.empty(k, dtype=np.int64)
    for u, tid in units.items():
        table[u] = tid
    return table


def has_units(tokenizer) -> bool:
    return vocab.unit_token(0) in tokenizer.get_vocab()


class UnitEncoder:
    """Unit sequences (ints) → token ids of one tokenizer."""

    def __init__(self, tokenizer):
        self.table = unit_id_table(tokenizer)

    def __call__(self, units) -> tuple[int, ...]:
        units = np.asarray(units, dtype=np.int64)
        if units.size and (units.min() < 0 or units.max() >= len(self.table)):
            raise ValueError(f"unit id outside the model's vocabulary of {len(self.table)} units")
        return tuple(int(t) for t in self.table[units])

    def pair(self, prompt, ending) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return self(prompt), self(ending)


class TextEncoder:
    """Text (prompt, ending) → (context ids, continuation ids) with the model's tokenizer."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def _ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def __call__(self, text: str) -> tuple[int, ...]:
        return tuple(self._ids(text))

    def pair(self, prompt: str, ending: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
        prompt = prompt or ""
        if not prompt:
            return (), tuple(self._ids(ending))
        # the separating space belongs to the ending (as in lm-evaluation-harness)
        stripped, ending = prompt.rstrip(), " " + ending.lstrip()
        whole, ctx = self._ids(stripped + ending), self._ids(stripped)
        if whole[:len(ctx)] != ctx:  # the boundary merged tokens: fall back to separate encodes
            return tuple(ctx), tuple(self._ids(ending))
        return tuple(ctx), tuple(whole[len(ctx):])
