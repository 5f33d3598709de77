"""Model initialisation of a run: a LlamaForCausalLM of the scale, vocabulary from the data's tokenizer.

The default model of a run: used when the run's mode sets none up itself (hf_slm.modes: a mode
whose `setup_model` returns a model from a text LM, as SIMS and TWIST do, replaces this one).
"""

from __future__ import annotations

from hf_slm.errors import ConfigError
from hf_slm.modeling import counts_for_scale, get_scale, llama_config_for


def vocab_of(tokenizer, override: int | None = None) -> int:
    """The model's vocabulary is the tokenizer's; an explicit --vocab_size must agree with it."""
    vocab = len(tokenizer)
    if override is not None and override != vocab:
        raise ConfigError("--vocab_size", f"{override} differs from the dataset tokenizer's {vocab} ids; "
                                          "drop the flag or use the matching dataset")
    return vocab


def model_config(model_args, tokenizer):
    """LlamaConfig + ModelCounts of the scale, special ids from the tokenizer (no guessed pad id)."""
    scale = get_scale(model_args.scale or "")
    vocab = vocab_of(tokenizer, model_args.vocab_size)
    config = llama_config_for(scale, vocab, model_args.context, bos_token_id=tokenizer.bos_token_id,
                              eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    return scale, config, counts_for_scale(scale, vocab, model_args.context)


def init_model(config, model_args, seed: int):
    """Random init, seeded, float32 master weights (bf16 is autocast by Trainer)."""
    import torch
    from transformers import AutoModelForCausalLM, set_seed

    set_seed(seed)
    return AutoModelForCausalLM.from_config(config, attn_implementation=model_args.attn_implementation,
                                            dtype=torch.float32)
