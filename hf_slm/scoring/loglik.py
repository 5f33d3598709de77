"""Log-likelihood of token sequences under a causal LM: one request type, batched, order kept.

A Request is (context, continuation) token ids: the continuation's tokens are scored, the context's
only condition them (lm-evaluation-harness's loglikelihood request). Requests are sorted longest
first (a batch holds similar lengths, so little padding; the first batch is the largest, so an
out-of-memory shows at once), right-padded with the tokenizer's pad id under an attention mask,
and the results are put back in the callers' order.

`score_shared_context` scores several continuations of one context (a cloze prompt and its
endings) running the context once: its KV cache is repeated for each continuation, whose tokens
then attend to the cached context through a 2-D mask that hides the context's padding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from tqdm.auto import tqdm


@dataclass(frozen=True)
class Request:
    context: tuple[int, ...]
    continuation: tuple[int, ...]


@dataclass(frozen=True)
class SeqScore:
    """Negative log-likelihood (nats) of a continuation, summed over its `n` scored tokens."""

    sum_nll: float
    n: int

    @property
    def mean_nll(self) -> float:
        return self.sum_nll / self.n if self.n else math.nan


def unique(keys: list) -> tuple[list, list[int]]:
    """Distinct keys (requests, groups) in first-seen order, and each key's index among them."""
    index: dict = {}
    where = [index.setdefault(k, len(index)) for k in keys]
    return list(index), where


def _batches(order: list[int], batch_size: int):
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


def _token_nll(logits, targets):
    """Per-position NLL from logits [M, V] (log-softmax in float32, also under bf16)."""
    import torch

    return torch.nn.functional.cross_entropy(logits.float(), targets, reduction="none")


def _forward_params(model) -> set[str]:
    import inspect

    return set(inspect.signature(model.forward).parameters)


def _keeps_logits(model) -> bool:
    """Whether the model can skip the LM head at unscored positions (transformers' logits_to_keep)."""
    return "logits_to_keep" in _forward_params(model)


def _cache_name(model) -> str:
    """The KV-cache argument and output field: `cache` in newer transformers, `past_key_values` before."""
    return "cache" if "cache" in _forward_params(model) else "past_key_values"


def score_requests(model, requests: Sequence[Request], pad_id: int, batch_size: int = 32,
                   progress: bool = False) -> list[SeqScore]:
    """Sum NLL of every request's continuation (an empty context leaves its first token unscored).

    Requests whose inputs (all tokens but the last) are equal run as one sequence and read their
    own last target from it: the one-token candidates of one context (sWUGGY words after the start
    token) cost one forward pass, as lm-evaluation-harness's one-token-continuation cache does.
    `batch_size` counts distinct inputs.
    """
    import torch

    device = next(model.parameters()).device
    full = [tuple(r.context) + tuple(r.continuation) for r in requests]
    inputs_of, where = unique([f[:-1] for f in full])
    members: list[list[int]] = [[] for _ in inputs_of]
    for i, u in enumerate(where):
        members[u].append(i)
    order = sorted(range(len(inputs_of)), key=lambda u: (-len(inputs_of[u]), u))
    out: list[SeqScore | None] = [None] * len(requests)
    bar = tqdm(total=len(requests), desc="scoring", disable=not progress, unit="seq")
    for batch in _batches(order, batch_size):
        width = max(len(inputs_of[u]) for u in batch)
        reqs = [i for u in batch for i in members[u]]
        if width <= 0:  # one-token sequences with no context: nothing to score
            for i in reqs:
                out[i] = SeqScore(0.0, 0)
            bar.update(len(reqs))
            continue
        inputs = torch.full((len(batch), width), pad_id, dtype=torch.long)
        attn = torch.zeros((len(batch), width), dtype=torch.long)
        for row, u in enumerate(batch):
            m = len(inputs_of[u])
            if m:
                inputs[row, :m], attn[row, :m] = torch.tensor(inputs_of[u], dtype=torch.long), 1
        # (row, position, target, request) of every scored token; position p predicts full[p + 1]
        rows, pos, tgt, owner = [], [], [], []
        for row, u in enumerate(batch):
            for i in members[u]:
                lo, hi = max(len(requests[i].context) - 1, 0), len(full[i]) - 1
                rows += [row] * (hi - lo)
                pos += range(lo, hi)
                tgt += full[i][lo + 1:hi + 1]
                owner += [i] * (hi - lo)
        # the LM head only runs from the first scored position on (it is most of a tiny model)
        first = min(pos) if pos else width - 1
        kwargs = {"logits_to_keep": width - first} if _keeps_logits(model) else {}
        start = first if kwargs else 0
        local = {i: k for k, i in enumerate(reqs)}
        with torch.inference_mode():
            logits = model(input_ids=inputs.to(device), attention_mask=attn.to(device), **kwargs).logits
            sums = torch.zeros(len(reqs), dtype=torch.float64, device=device)
            counts = torch.zeros(len(reqs), dtype=torch.long)
            if pos:
                r_t = torch.tensor(rows, device=device)
                p_t = torch.tensor(pos, device=device) - start
                nll = _token_nll(logits[r_t, p_t], torch.tensor(tgt, device=device))
                o_t = torch.tensor([local[i] for i in owner])
                sums.index_add_(0, o_t.to(device), nll.double())
                counts.index_add_(0, o_t, torch.ones_like(o_t))
        for k, i in enumerate(reqs):
            out[i] = SeqScore(float(sums[k]), int(counts[k]))
        bar.update(len(reqs))
    bar.close()
    return out  # type: ignore[return-value]


# Below this many context tokens, re-running the context with each continuation is cheaper than a
# second forward call plus a copy of the KV cache per continuation (sBLIMP's one-token prefix:
# 1.35x more pairs/s through score_requests on CPU, benchmarks/bench_scoring.py).
MIN_SHARED_CONTEXT = 2


def score_shared_context(model, groups: Sequence[tuple[Sequence[int], Sequence[Sequence[int]]]],
                         pad_id: int, batch_size: int = 32, progress: bool = False,
                         score_context: bool = False) -> list[list[SeqScore]]:
    """[(context, [continuation, ...]), ...] → per group, one SeqScore per continuation.

    Each context (non-empty) of at least MIN_SHARED_CONTEXT tokens runs once; shorter ones are
    scored with every continuation by `score_requests`. Equal, up to float rounding, to scoring
    every Request(context, continuation) with `score_requests`. `batch_size` counts groups.
    With `score_context`, each score covers the whole sequence (every context token after the first,
    then the continuation): Request((), context + continuation), the context's share computed once.
    """
    if any(len(ctx) == 0 for ctx, _ in groups):
        raise ValueError("shared-context scoring needs a non-empty context (use a prefix token)")
    short = [g for g, (ctx, _) in enumerate(groups) if len(ctx) < MIN_SHARED_CONTEXT]
    cached = [g for g, (ctx, _) in enumerate(groups) if len(ctx) >= MIN_SHARED_CONTEXT]
    out: list[list[SeqScore]] = [[] for _ in groups]
    if short:
        split = (lambda ctx, c: Request((), tuple(ctx) + tuple(c))) if score_context else (
            lambda ctx, c: Request(tuple(ctx), tuple(c)))
        reqs = [(g, split(groups[g][0], c)) for g in short for c in groups[g][1]]
        per_group = max(len(groups[g][1]) for g in short)
        uniq, where = unique([r for _, r in reqs])  # a candidate met twice (another voice) runs once
        res = score_requests(model, uniq, pad_id, batch_size * max(per_group, 1), progress)
        for (g, _), i in zip(reqs, where):
            out[g].append(res[i])
    if cached:
        for g, sc in zip(cached, _score_with_cache(model, [groups[g] for g in cached], pad_id, batch_size,
                                                   progress, score_context)):
            out[g] = sc
    return out


def _score_with_cache(model, groups, pad_id: int, batch_size: int, progress: bool,
                      score_context: bool = False) -> list[list[SeqScore]]:
    """score_shared_context for contexts run once: their KV cache is repeated per continuation."""
    import torch

    device = next(model.parameters()).device
    order = sorted(range(len(groups)),
                   key=lambda g: (-(len(groups[g][0]) + max(map(len, groups[g][1]), default=0)), g))
    out: list[list[SeqScore] | None] = [None] * len(groups)
    bar = tqdm(total=len(groups), desc="scoring", disable=not progress, unit="question")
    for batch in _batches(order, batch_size):
        ctxs = [list(groups[g][0]) for g in batch]
        conts = [[list(c) for c in groups[g][1]] for g in batch]
        clen = torch.tensor([len(c) for c in ctxs])
        cw = int(clen.max())
        ctx_ids = torch.full((len(batch), cw), pad_id, dtype=torch.long)
        ctx_mask = torch.zeros((len(batch), cw), dtype=torch.long)
        for row, c in enumerate(ctxs):
            ctx_ids[row, :len(c)], ctx_mask[row, :len(c)] = torch.tensor(c), 1
        # one row per (group, continuation); rep[r] = the context row it continues
        rep = [row for row, cs in enumerate(conts) for _ in cs]
        flat = [c for cs in conts for c in cs]
        # logits only where a context ends (each predicts its continuations' first token), unless
        # the context's own tokens are scored too
        ends, where = torch.unique(clen - 1, return_inverse=True)
        kwargs = {"logits_to_keep": ends.to(device)} if _keeps_logits(model) and not score_context else {}
        pick = where if kwargs else clen - 1
        with torch.inference_mode():
            res = model(input_ids=ctx_ids.to(device), attention_mask=ctx_mask.to(device),
                        use_cache=True, **kwargs)
            last = res.logits[torch.arange(len(batch)), pick.to(device)]
            rep_t = torch.tensor(rep, dtype=torch.long)
            first_targets = torch.tensor([c[0] if c else 0 for c in flat], device=device)
            first = _token_nll(last[rep_t.to(device)], first_targets).double()
            first = torch.where(torch.tensor([len(c) > 0 for c in flat], device=device), first, 0.0)
            sums, counts = first, torch.tensor([min(len(c), 1) for c in flat])
            if score_context and cw > 1:  # every context token after the first, once per group
                cmask = ctx_mask[:, 1:].bool().to(device)
                cnll = _token_nll(res.logits[:, :-1][cmask], ctx_ids[:, 1:].to(device)[cmask]).double()
                crow = torch.arange(len(batch), device=device).unsqueeze(1).expand_as(cmask)[cmask]
                csum = torch.zeros(len(batch), dtype=torch.float64, device=device).index_add_(0, crow, cnll)
                sums = sums + csum[rep_t.to(device)]
                counts = counts + (clen - 1)[rep_t]
            ew = max((len(c) - 1 for c in flat), default=0)
            if ew > 0:
                cache_name = _cache_name(model)
                cache = getattr(res, cache_name)
                cache.batch_select_indices(rep_t.to(device))
                ids = torch.full((len(flat), ew), pad_id, dtype=torch.long)
                tgt = torch.zeros((len(flat), ew), dtype=torch.long)
                emask = torch.zeros((len(flat), ew), dtype=torch.long)
                for r, c in enumerate(flat):
                    m = len(c) - 1
                    if m > 0:
                        ids[r, :m] = torch.tensor(c[:-1])
                        tgt[r, :m] = torch.tensor(c[1:])
                        emask[r, :m] = 1
                pos = clen[rep_t].unsqueeze(1) + torch.arange(ew).unsqueeze(0)
                mask = torch.cat([ctx_mask[rep_t], emask], dim=1)
                logits = model(input_ids=ids.to(device), attention_mask=mask.to(device),
                               position_ids=pos.to(device), **{cache_name: cache},
                               use_cache=True).logits
                scored = emask.bool().to(device)
                nll = _token_nll(logits[scored], tgt.to(device)[scored]).double()
                rows = torch.arange(len(flat), device=device).unsqueeze(1).expand_as(scored)[scored]
                sums = sums.index_add(0, rows, nll)
                counts = counts + emask.sum(dim=1)
        r = 0
        for row, g in enumerate(batch):
            k = len(conts[row])
            out[g] = [SeqScore(float(sums[r + j]), int(counts[r + j])) for j in range(k)]
            r += k
        bar.update(len(batch))
    bar.close()
    return out  # type: ignore[return-value]
