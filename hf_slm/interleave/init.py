"""Initialise a speech LM from a text LM: interleaved (text vocab + units) or TWIST (units only).

New embedding rows (input and, when untied, output) are drawn from a multivariate normal with the
mean and covariance of the text tokens' rows, seeded: each new token starts as a plausible, distinct
"word" of the text LM instead of noise at a foreign scale (Hewitt 2021; transformers' mean_resizing
does the same with a 1e-9 covariance, which makes all 500 units nearly identical, and draws from the
global RNG). The transformer and every text row stay bit-identical, so the logits over the original
vocabulary on text inputs do not change.
"""

from __future__ import annotations

import torch

from hf_slm.errors import ConfigError
from hf_slm.interleave.layout import SPEECH, TEXT, InterleaveLayout, layout_from_tokenizer
from hf_slm.units import vocab

DEFAULT_BASE_MODEL = "Qwen/Qwen2.5-0.5B"  # SIMS' smallest Qwen; needs the Hub (or a local copy)
PAD_CANDIDATES = ("<|pad|>", "<|slm_pad|>", "<|hf_slm_pad|>")
STATS_MAX_ROWS = 32768  # rows used to estimate mean/covariance (enough for a d×d estimate; bounded cost)


def load_base_model(name_or_path: str, field: str = "--base-model", dtype=torch.float32, **model_kwargs):
    """(model, tokenizer) of a causal text LM from a folder or the Hub; one-line error if unavailable."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name_or_path, trust_remote_code=False)
        model = AutoModelForCausalLM.from_pretrained(name_or_path, trust_remote_code=False, dtype=dtype,
                                                     **model_kwargs)
    except (OSError, ValueError) as e:  # offline, missing repo, not a causal LM
        raise ConfigError(field, f"cannot load text LM {name_or_path!r} ({type(e).__name__}); pass a local "
                                 "folder with a causal LM and its tokenizer, or go online") from None
    if not getattr(tokenizer, "is_fast", False):
        raise ConfigError(field, f"{name_or_path!r} has no fast tokenizer (needed for word offsets)")
    return model, tokenizer


def choose_pad(tokenizer) -> str | None:
    """The pad token to add, or None when the existing one is safe to keep.

    A pad is safe only if it is a special token of its own: packing masks every pad position out of
    the labels, so a pad equal to eos would hide every document end from the loss (the model never
    learns to stop), one equal to bos/unk would hide those, and one that is an ordinary word would
    hide that word wherever it occurs. Qwen2.5 (pad == eos) and Llama-3 (no pad) both get a fresh
    pad token; it is never a training target and never attended to.
    """
    pad = tokenizer.pad_token_id
    taken = {tokenizer.eos_token_id, tokenizer.bos_token_id, tokenizer.unk_token_id}
    added = tokenizer.added_tokens_decoder.get(pad) if pad is not None else None
    if added is not None and added.special and pad not in taken:  # a declared special, not a word
        return None
    existing = tokenizer.get_vocab()
    for name in PAD_CANDIDATES:
        if name not in existing:
            return name
    raise ConfigError("--base-model", "tokenizer already has every candidate pad name; cannot add a pad")


def extend_tokenizer(tokenizer, k: int):
    """Append <unit_0..K-1>, <speech>, <text> (and a pad if needed) after the text vocabulary, in place."""
    from tokenizers import AddedToken

    if k <= 0:
        raise ConfigError("--k", f"number of units must be > 0, got {k}")
    new = [vocab.unit_token(i) for i in range(k)] + [SPEECH, TEXT]
    clash = sorted(set(new) & set(tokenizer.get_vocab()))
    if clash:
        raise ConfigError("--base-model", f"tokenizer already has {clash[:3]}: extend a plain text tokenizer")
    if tokenizer.eos_token_id is None:
        raise ConfigError("--base-model", "text tokenizer has no eos token (needed as document separator)")
    before = len(tokenizer)
    # normalized=False: a unit name is matched verbatim; special=False keeps units in decoded text.
    added = tokenizer.add_tokens([AddedToken(t, normalized=False, special=False) for t in new])
    pad = choose_pad(tokenizer)
    if pad is not None:
        tokenizer.add_special_tokens({"pad_token": pad})
    assert added == len(new) and tokenizer.convert_tokens_to_ids(vocab.unit_token(0)) == before
    return layout_from_tokenizer(tokenizer)


def draw_like(rows: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
    """`count` rows ~ N(mean, cov) of `rows`, float64 maths.

    mean + centeredᵀ·g/√(n-1) with g ~ N(0, I_n) has exactly that covariance, needs no factorisation
    (the covariance of a small or low-rank matrix is singular) and no sign-ambiguous eigenvectors.
    """
    x = rows.detach().to("cpu", torch.float64)  # CPU generator: the same draws on any device
    if x.shape[0] > STATS_MAX_ROWS:
        x = x[torch.randperm(x.shape[0], generator=generator)[:STATS_MAX_ROWS]]
    mean = x.mean(0)
    g = torch.randn(count, x.shape[0], generator=generator, dtype=torch.float64)
    out = mean + g @ (x - mean) / max(x.shape[0] - 1, 1) ** 0.5
    return out.to(rows.device, rows.dtype)


def _tied(model) -> bool:
    out = model.get_output_embeddings()
    return out is None or out.weight is model.get_input_embeddings().weight


@torch.no_grad()
def _fill_new_rows(model, old_real: int, start: int, stop: int, generator: torch.Generator) -> None:
    """Rows [start, stop) of input (and untied output) embeddings ← draws from rows [0, old_real)."""
    emb = model.get_input_embeddings().weight
    emb[start:stop] = draw_like(emb[:old_real], stop - start, generator)
    if not _tied(model):
        head = model.get_output_embeddings()
        head.weight[start:stop] = draw_like(head.weight[:old_real], stop - start, generator)
        if getattr(head, "bias", None) is not None:
            head.bias[start:stop] = head.bias[:old_real].mean()


def extend_text_lm(model, tokenizer, k: int, seed: int = 0) -> InterleaveLayout:
    """Add K units + markers (+ pad) to a text LM and its tokenizer in place; return the layout.

    Text ids keep their rows; ids from len(text tokenizer) on are (re)initialised, including rows
    the checkpoint had padded its matrix with (Qwen2.5 pads 151665 tokens to 151936 rows).
    """
    text_vocab = len(tokenizer)
    old_rows = model.get_input_embeddings().weight.shape[0]
    layout = extend_tokenizer(tokenizer, k)
    new_rows = max(old_rows, len(tokenizer))
    model.resize_token_embeddings(new_rows, mean_resizing=False)
    generator = torch.Generator().manual_seed(int(seed))
    _fill_new_rows(model, min(text_vocab, old_rows), text_vocab, len(tokenizer), generator)
    _set_special_ids(model, pad=layout.pad_id, eos=layout.eos_id, bos=tokenizer.bos_token_id)
    return layout


def twist_init(model, k: int, seed: int = 0, text_vocab: int | None = None):
    """TWIST: the text LM's transformer with a fresh unit-only vocabulary (hf_slm.units.vocab layout).

    Returns the unit tokenizer; the model (in place) has K+3 rows drawn from the statistics of its
    first `text_vocab` rows (pass len(text tokenizer) so padding rows of the checkpoint are ignored).
    """
    from hf_slm.units.tokenizer import build_unit_tokenizer

    old_real = model.get_input_embeddings().weight.shape[0]
    old_real = min(old_real, text_vocab or old_real)
    generator = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        emb_rows = draw_like(model.get_input_embeddings().weight[:old_real], vocab.vocab_size(k), generator)
        head = None if _tied(model) else model.get_output_embeddings()
        head_rows = None if head is None else draw_like(head.weight[:old_real], vocab.vocab_size(k), generator)
        model.resize_token_embeddings(vocab.vocab_size(k), mean_resizing=False)
        model.get_input_embeddings().weight.copy_(emb_rows)
        if head is not None:
            model.get_output_embeddings().weight.copy_(head_rows)
            if getattr(model.get_output_embeddings(), "bias", None) is not None:
                model.get_output_embeddings().bias.zero_()
    _set_special_ids(model, pad=vocab.pad_id(k), eos=vocab.eos_id(k), bos=vocab.bos_id(k))
    return build_unit_tokenizer(k)


def _set_special_ids(model, pad: int, eos: int, bos: int | None) -> None:
    for cfg in (model.config, getattr(model, "generation_config", None)):
        if cfg is not None:
            cfg.pad_token_id, cfg.eos_token_id, cfg.bos_token_id = pad, eos, bos


def param_counts(model) -> dict[str, int]:
    """n_params (non-embedding, run.json convention) and n_params_total of a (resized) model.

    Non-embedding parameters are unchanged by vocabulary extension, so an interleaved model has the
    same n_params as its base text LM; SIMS plots the base model's size, which this equals up to
    the embeddings.
    """
    params = {id(p): p.numel() for p in model.parameters()}
    total = sum(params.values())
    embedding = {id(model.get_input_embeddings().weight)}
    if model.get_output_embeddings() is not None:
        embedding.add(id(model.get_output_embeddings().weight))
    return {"n_params": total - sum(params[i] for i in embedding if i in params), "n_params_total": total}
