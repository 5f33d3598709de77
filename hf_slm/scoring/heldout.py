"""Test loss: mean NLL per token (nats) of the held-out split, each document scored on its own.

A document is scored as training sees one after a separator: prefix (EOS by default) as context,
then its tokens and the closing EOS as targets. Documents are scored whole rather than cut into
training windows, so a document longer than the model's context is truncated to it; the number
is therefore close to, not bit-equal with, the packed-window loss training logs.
"""

from __future__ import annotations

from hf_slm.errors import ConfigError
from hf_slm.scoring.benchmark import EvalOptions, resolve_modality
from hf_slm.scoring.encode import TextEncoder, UnitEncoder
from hf_slm.scoring.lm import LoadedLM, prefix_ids
from hf_slm.scoring.loglik import Request, score_requests


def heldout_loss(lm: LoadedLM, split, options: EvalOptions | None = None,
              max_docs: int | None = None) -> dict:
    """{"value": nats/token, "n_tokens", "n_docs", "modality"} over a unit-dataset split."""
    options = (options or EvalOptions()).validate()
    modality = resolve_modality(lm, options.modality)
    if max_docs is not None:
        split = split.select(range(min(max_docs, len(split))))
    column = "units" if modality == "units" else "text"
    encoder = UnitEncoder(lm.tokenizer) if modality == "units" else TextEncoder(lm.tokenizer)
    prefix = tuple(prefix_ids(lm.tokenizer, options.heldout_prefix))
    eos = lm.tokenizer.eos_token_id
    limit = getattr(lm.model.config, "max_position_embeddings", None) or 10**9
    reqs = []
    for doc in split[column]:
        ids = encoder(doc) + ((eos,) if eos is not None else ())
        ids = ids[:max(limit - len(prefix), 1)]
        if len(ids) > (0 if prefix else 1):
            reqs.append(Request(prefix, ids))
    if not reqs:
        raise ConfigError("--dataset", "the test split has no scorable documents")
    scores = score_requests(lm.model, reqs, lm.pad_id, options.batch_size, options.progress)
    n = sum(s.n for s in scores)
    return {"value": sum(s.sum_nll for s in scores) / n, "n_tokens": n, "n_docs": len(reqs),
            "modality": modality, "prefix": options.heldout_prefix}
