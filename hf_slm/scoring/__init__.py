"""Scoring: log-likelihoods under causal LMs and the minimal-pair metric arithmetic.

- protocol: the peers' scoring protocols (cm2024, sims, zerospeech), one object each (numpy-free);
- aggregate: a task's headline as a protocol aggregates it (ties, voices, groups);
- identity: benchmark checksums, splits and the codebook check (a mismatch is refused);
- metrics: pair outcomes, accuracy / macro / voice accuracy, bootstrap intervals (numpy only);
- loglik: batched, length-sorted log-likelihood of token requests, shared-prompt scoring;
- lm, encode: loading a model, pad/prefix choices, units and text → token ids;
- benchmark: score a checkpoint on benchmark folders (`evaluate_checkpoint`);
- heldout: test loss on a unit dataset's held-out split;
- run_eval: evaluate a run folder into its run.json, scored as the caller's `RunScoring` says
  (hf_slm.modes supplies one per mode; the model card is hub's, via an `on_saved` hook).

Names are imported lazily so that the metric arithmetic never pays for importing torch.
"""

from importlib import import_module

_EXPORTS = {
    "pair_outcomes": "metrics", "pair_metrics": "metrics", "headline": "metrics",
    "Request": "loglik", "SeqScore": "loglik", "score_requests": "loglik",
    "score_shared_context": "loglik",
    "LoadedLM": "lm", "load_lm": "lm", "prefix_ids": "lm",
    "Protocol": "protocol", "PROTOCOLS": "protocol", "get_protocol": "protocol",
    "EvalOptions": "benchmark", "PairScores": "benchmark", "score_pairs": "benchmark", "score_groups": "benchmark",
    "evaluate_task": "benchmark", "evaluate_checkpoint": "benchmark",
    "heldout_loss": "heldout",
    "evaluate_run": "run_eval", "is_evaluated": "run_eval", "RunScoring": "run_eval",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(f"hf_slm.scoring.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'hf_slm.scoring' has no attribute {name!r}")
