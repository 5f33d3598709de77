"""A small byte-level BPE tokenizer trained on the same stories the speech side hears.

The paper compares speech LMs with text LMs trained on the same content; at toy scale we train
the text tokenizer on the training stories themselves, so the text LM sees exactly that text.
Special tokens have the names every hf-slm tokenizer uses (`</s>`, `<pad>`, `<s>`: see
hf_slm.dataset_format), placed after the learned vocabulary is fixed so that no special id
collides with a real token.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hf_slm.dataset_format import BOS, EOS, PAD
from hf_slm.dataset_format.tokenizer_files import save_tokenizer


def train_text_tokenizer(texts: Iterable[str], vocab_size: int = 1024, seed_alphabet: bool = True):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOS, PAD, BOS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet() if seed_alphabet else [],
        show_progress=False,
    )
    core.train_from_iterator(texts, trainer=trainer)
    # add_prefix_space is stated so that transformers 4.x keeps the pre-tokenizer's setting (it resets
    # a ByteLevel pre-tokenizer to the config's value, False when absent, and the ids would change)
    return PreTrainedTokenizerFast(
        tokenizer_object=core, bos_token=BOS, eos_token=EOS, pad_token=PAD, padding_side="right",
        model_max_length=1_000_000, add_prefix_space=True,
    )


def save_text_tokenizer(tokenizer, folder: str | Path) -> None:
    """Save so every supported transformers opens it with the same ids (dataset_format.tokenizer_files)."""
    save_tokenizer(tokenizer, folder)
