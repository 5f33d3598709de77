"""A small byte-level BPE tokenizer trained on the same stories the speech side hears.

The paper compares speech LMs with text LMs trained on the same content; at toy scale we train
the text tokenizer on the training stories themselves, so the text LM sees exactly that text.
Special tokens follow the unit layout's names (`</s>`, `<pad>`, `<s>`), placed after the learned
vocabulary is fixed so that no special id collides with a real token.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hf_slm.units import vocab as unit_vocab


def train_text_tokenizer(texts: Iterable[str], vocab_size: int = 1024, seed_alphabet: bool = True):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[unit_vocab.EOS, unit_vocab.PAD, unit_vocab.BOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet() if seed_alphabet else [],
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=unit_vocab.BOS, eos_token=unit_vocab.EOS,
        pad_token=unit_vocab.PAD, padding_side="right", model_max_length=1_000_000,
    )


def save_text_tokenizer(tokenizer, folder: str | Path) -> None:
    tokenizer.save_pretrained(str(folder))
