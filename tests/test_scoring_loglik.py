"""The scorer against a hand computation, batching against one at a time, prompt sharing."""

import math
import random

import pytest
import torch

from hf_slm.scoring.loglik import Request, score_requests, score_shared_context
from tests.helpers.scoring import K, tiny_llama

PAD = K + 1


@pytest.fixture(scope="module")
def model():
    return tiny_llama(seed=1)


def _random_groups(seed=0, n=8):
    rng = random.Random(seed)
    units = lambda lo, hi: [rng.randrange(K) for _ in range(rng.randint(lo, hi))]  # noqa: E731
    return [([K] + units(0, 12), [units(1, 9), units(1, 9)]) for _ in range(n)]


def _hand_nll(model, context, continuation):
    """Sum NLL of the continuation from one unpadded forward pass and a hand log-softmax."""
    ids = torch.tensor([list(context) + list(continuation)])
    with torch.no_grad():
        logits = model(ids).logits[0].double()
    logp = logits - torch.logsumexp(logits, dim=-1, keepdim=True)
    start = len(context)
    return -sum(float(logp[start + j - 1, tok]) for j, tok in enumerate(continuation)
                if start + j - 1 >= 0)


def test_scorer_equals_hand_computed_nll(model):
    reqs = [Request(tuple(c), tuple(e)) for c, es in _random_groups() for e in es]
    got = score_requests(model, reqs, pad_id=PAD, batch_size=5)
    for r, s in zip(reqs, got):
        assert s.n == len(r.continuation)
        assert s.sum_nll == pytest.approx(_hand_nll(model, r.context, r.continuation), abs=1e-4)
        assert s.mean_nll == pytest.approx(s.sum_nll / s.n)
    # a context-free request cannot score its first token
    s = score_requests(model, [Request((), (1, 2, 3))], pad_id=PAD)[0]
    assert s.n == 2 and s.sum_nll == pytest.approx(_hand_nll(model, (), (1, 2, 3)), abs=1e-4)


def test_scores_depend_on_context(model):
    """Guards the test model itself: a uniform model would make the equalities above vacuous."""
    a, b = score_requests(model, [Request((K, 1, 2, 3), (4, 5)), Request((K, 9, 9, 9), (4, 5))], PAD)
    assert abs(a.sum_nll - b.sum_nll) > 1e-2
    assert abs(a.sum_nll - 2 * math.log(K + 3)) > 1e-2


def test_batched_equals_one_at_a_time_in_order(model):
    reqs = [Request(tuple(c), tuple(e)) for c, es in _random_groups(seed=2) for e in es]
    batched = score_requests(model, reqs, pad_id=PAD, batch_size=7)
    single = [score_requests(model, [r], pad_id=PAD)[0] for r in reqs]
    for x, y in zip(batched, single):
        assert x.n == y.n and x.sum_nll == pytest.approx(y.sum_nll, abs=1e-4)


def test_pad_id_does_not_leak(model):
    reqs = [Request(tuple(c), tuple(e)) for c, es in _random_groups(seed=4) for e in es]
    a = score_requests(model, reqs, pad_id=PAD, batch_size=16)
    b = score_requests(model, reqs, pad_id=3, batch_size=16)
    assert [s.sum_nll for s in a] == pytest.approx([s.sum_nll for s in b], abs=1e-4)


def test_prompt_sharing_equals_full_sequence_scoring(model):
    groups = _random_groups(seed=3, n=11)
    groups.append(([K, 1], [[2], [3, 4, 5]]))  # a one-token ending beside a longer one
    shared = score_shared_context(model, groups, pad_id=PAD, batch_size=4)
    for (ctx, endings), scores in zip(groups, shared):
        full = score_requests(model, [Request(tuple(ctx), tuple(e)) for e in endings], pad_id=PAD)
        for s, f in zip(scores, full):
            assert s.n == f.n and s.sum_nll == pytest.approx(f.sum_nll, abs=1e-4)
    with pytest.raises(ValueError, match="non-empty context"):
        score_shared_context(model, [([], [[1, 2]])], pad_id=PAD)


def test_one_token_contexts_skip_the_kv_cache(model, monkeypatch):
    """sBLIMP-style groups (a one-token prefix) are scored as full sequences, in the callers' order."""
    import hf_slm.scoring.loglik as loglik

    calls = []
    real = loglik._score_with_cache
    monkeypatch.setattr(loglik, "_score_with_cache", lambda m, g, *a: calls.append(len(g)) or real(m, g, *a))
    rng = random.Random(5)
    groups = [([K], [[rng.randrange(K) for _ in range(rng.randint(1, 9))] for _ in range(2)]) for _ in range(6)]
    groups.insert(3, ([K, 7, 8], [[1, 2], [3]]))  # one real prompt among them
    shared = score_shared_context(model, groups, pad_id=PAD, batch_size=4)
    assert calls == [1]  # only the group with a real prompt ran its context once
    for (ctx, endings), scores in zip(groups, shared):
        full = score_requests(model, [Request(tuple(ctx), tuple(e)) for e in endings], pad_id=PAD)
        assert [s.n for s in scores] == [f.n for f in full]
        assert [s.sum_nll for s in scores] == pytest.approx([f.sum_nll for f in full], abs=1e-4)


def test_requests_with_one_input_run_once(model):
    """One-token candidates of one context (sWUGGY words after the start token) share a forward pass."""
    calls = []
    hook = model.register_forward_hook(lambda *a: calls.append(1))
    try:
        reqs = [Request((K, 4), (w,)) for w in (1, 2, 3, 5, 6)] + [Request((K, 4, 1), (2,))]
        got = score_requests(model, reqs, pad_id=PAD, batch_size=1)
    finally:
        hook.remove()
    assert len(calls) == 2  # (K, 4) once for five requests, (K, 4, 1) once
    for r, s in zip(reqs, got):
        assert s.n == 1 and s.sum_nll == pytest.approx(_hand_nll(model, r.context, r.continuation), abs=1e-4)
