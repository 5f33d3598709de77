"""Model side of a training run that starts from a text LM (interleaved SIMS, or TWIST).

`setup_interleaved` and `setup_twist` are what the interleaved and speech modes (hf_slm.modes) use
as their model set-up when a run gives --base_model.

The run's size comes from the base model, not from a scale name: `Scale` and `ModelCounts` are
filled from its config and its parameters, so budget, FLOPs and run.json work unchanged.
N (n_params) is the non-embedding count, which vocabulary extension does not change: it equals
the base text LM's non-embedding count (SIMS plots the base model's size; embeddings included
that is n_params_total of the *base* model, recorded as base_model_params_total).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hf_slm.errors import ConfigError
from hf_slm.interleave.init import extend_text_lm, load_base_model, param_counts, twist_init
from hf_slm.modeling.counts import ModelCounts, attention_flops_per_token
from hf_slm.modeling.scales import Scale


@dataclass
class ModelSetup:
    scale: Scale
    config: object  # the extended model's PretrainedConfig
    counts: ModelCounts
    tokenizer: object  # text tokenizer + units + markers + pad
    model: object
    base_model: str  # run.json's base_model
    record: dict = field(default_factory=dict)  # run.json extras: init, base model sizes, layout


def counts_of(model, context: int) -> ModelCounts:
    cfg = model.config.get_text_config()
    sizes = param_counts(model)
    vocab, dim = model.get_input_embeddings().weight.shape
    compute = sizes["n_params"] + vocab * dim  # the LM head matmul runs whether tied or not
    return ModelCounts(n_params=sizes["n_params"], n_params_total=sizes["n_params_total"], n_params_compute=compute,
                       flops_per_token_6n=6.0 * sizes["n_params"],
                       flops_per_token_attn=6.0 * compute + attention_flops_per_token(
                           cfg.num_hidden_layers, cfg.hidden_size, context))


def _check_base_args(model_args) -> None:
    """A run from a text LM has no scale table: its size is the base model's, its batch is given."""
    if model_args.scale:
        raise ConfigError("--scale", "runs from a text LM take their size from --base-model; drop --scale")
    if not model_args.global_batch:
        raise ConfigError("--global_batch", "runs from a text LM have no scale table: give sequences per update")


def _setup(model_args, base: str, model, base_sizes: dict, tokenizer, extra: dict) -> ModelSetup:
    cfg = model.config.get_text_config()
    heads = getattr(cfg, "num_attention_heads", 0)
    scale = Scale(name=Path(str(base)).name, layers=cfg.num_hidden_layers, dim=cfg.hidden_size, heads=heads,
                  batch_sequences=model_args.global_batch,
                  tokens_per_update=model_args.global_batch * model_args.context)
    record = {"base_model_params_total": base_sizes["n_params_total"], "base_model_n_params": base_sizes["n_params"],
              **extra}
    return ModelSetup(scale=scale, config=model.config, counts=counts_of(model, model_args.context),
                      tokenizer=tokenizer, model=model, base_model=str(base), record=record)


def setup_interleaved(model_args, source, seed: int) -> ModelSetup:
    """SIMS: the text LM + the data's K units + <speech>/<text> markers (+ a fresh pad), text ids kept."""
    base = getattr(model_args, "base_model", None)
    if not base:
        raise ConfigError("--base-model", "interleaved runs start from a text LM: give its folder or Hub id "
                                          "(paper: Qwen/Qwen2.5-0.5B)")
    _check_base_args(model_args)
    model, tokenizer = load_base_model(base, attn_implementation=model_args.attn_implementation)
    base_sizes = param_counts(model)
    layout = extend_text_lm(model, tokenizer, source.k, seed=seed)
    extra = {"init": "interleaved", "interleave_layout": {
        "k": layout.k, "unit_offset": layout.unit_offset, "speech_id": layout.speech_id,
        "text_id": layout.text_id, "pad_id": layout.pad_id, "eos_id": layout.eos_id}}
    return _setup(model_args, base, model, base_sizes, tokenizer, extra)


def setup_twist(model_args, source, seed: int) -> ModelSetup:
    """TWIST: the text LM's transformer with a unit-only vocabulary (the data's own unit tokenizer)."""
    base = model_args.base_model
    _check_base_args(model_args)
    model, tokenizer = load_base_model(base, attn_implementation=model_args.attn_implementation)
    base_sizes = param_counts(model)
    twist_init(model, source.k, seed=seed, text_vocab=len(tokenizer))
    return _setup(model_args, base, model, base_sizes, source.tokenizer, {"init": "twist"})
