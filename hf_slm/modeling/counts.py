"""Parameter counts and FLOPs per token, computed from a LlamaConfig by one function."""

from __future__ import annotations

from dataclasses import dataclass

from hf_slm.modeling.scales import Scale


@dataclass(frozen=True)
class ModelCounts:
    n_params: int  # non-embedding (what the laws use)
    n_params_total: int  # everything, embeddings and (untied) LM head included
    n_params_compute: int  # parameters that do matmuls per token: non-embedding + LM head
    flops_per_token_6n: float  # 6 · n_params
    flops_per_token_attn: float  # 6 · n_params_compute + 12 · layers · dim · context

    def flops(self, tokens: float) -> tuple[float, float]:
        """(6ND, (6N + attention)·D) for `tokens` training tokens."""
        return self.flops_per_token_6n * tokens, self.flops_per_token_attn * tokens


def attention_flops_per_token(layers: int, dim: int, context: int) -> float:
    """Attention-score FLOPs per training token (QK^T and AV, forward + backward), as Chinchilla counts them."""
    return 12.0 * layers * dim * context


def count_model(layers: int, dim: int, heads: int, intermediate: int, vocab: int, context: int,
                kv_heads: int | None = None, tied: bool = False) -> ModelCounts:
    """Exact counts for LlamaForCausalLM (no biases, RMSNorm weights only)."""
    kv_heads = kv_heads or heads
    head_dim = dim // heads
    attn = dim * dim * 2 + 2 * dim * kv_heads * head_dim  # q, o + k, v
    mlp = 3 * dim * intermediate  # gate, up, down
    norms = 2 * dim
    non_embedding = layers * (attn + mlp + norms) + dim  # + final norm
    embed = vocab * dim
    head = 0 if tied else vocab * dim
    total = non_embedding + embed + head
    compute = non_embedding + vocab * dim  # the LM head matmul runs whether or not it is tied
    return ModelCounts(
        n_params=non_embedding,
        n_params_total=total,
        n_params_compute=compute,
        flops_per_token_6n=6.0 * non_embedding,
        flops_per_token_attn=6.0 * compute + attention_flops_per_token(layers, dim, context),
    )


def counts_for_scale(scale: Scale, vocab: int, context: int) -> ModelCounts:
    return count_model(scale.layers, scale.dim, scale.heads, scale.intermediate_size, vocab, context)


def llama_config_for(scale: Scale, vocab_size: int, context: int = 2050, **overrides):
    """The LlamaConfig of a scale; vocab and special ids come from the unit tokenizer."""
    from transformers import LlamaConfig

    kwargs = dict(
        vocab_size=vocab_size,
        hidden_size=scale.dim,
        intermediate_size=scale.intermediate_size,
        num_hidden_layers=scale.layers,
        num_attention_heads=scale.heads,
        num_key_value_heads=scale.heads,
        max_position_embeddings=context,
        tie_word_embeddings=False,
        rms_norm_eps=1e-5,
    )
    kwargs.update(overrides)
    return LlamaConfig(**kwargs)
