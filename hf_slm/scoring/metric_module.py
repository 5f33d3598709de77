"""What the `evaluate` modules in evaluation/metrics/ share, so each module is a thin wrapper.

A module takes either precomputed scores (`positive_scores`, `negative_scores`: log-likelihoods,
higher = preferred) or `model_id` + the candidates themselves (unit id lists, or strings for a
text LM), as evaluate's `perplexity` metric takes `model_id` + texts.
"""

from __future__ import annotations

from typing import Sequence

from hf_slm.scoring.metrics import DEFAULT_N_BOOT, pair_metrics

MODEL_KWARGS = ("positive", "negative", "prompts", "convention", "prefix", "batch_size", "device",
                "share_prompt")


def pair_features():
    import datasets

    return datasets.Features({"positive_scores": datasets.Value("float64"),
                              "negative_scores": datasets.Value("float64")})


def scores_from_model(model_id: str, positive: Sequence, negative: Sequence,
                      prompts: Sequence | None = None, convention: str = "mean",
                      prefix: str = "auto", batch_size: int = 32, device: str | None = None,
                      share_prompt: bool = True) -> tuple[list[float], list[float]]:
    """Score candidates with a causal LM: strings → its text tokenizer, int lists → its units."""
    from hf_slm.scoring.benchmark import EvalOptions, score_pairs
    from hf_slm.scoring.lm import load_lm

    if len(positive) != len(negative) or not positive:
        raise ValueError("positive and negative must be non-empty lists of equal length")
    modality = "text" if isinstance(positive[0], str) else "units"
    if prompts is None:
        prompts = ["" if modality == "text" else [] for _ in positive]
    options = EvalOptions(modality=modality, convention=convention, prefix=prefix,
                          batch_size=batch_size, device=device, share_prompt=share_prompt)
    lm = load_lm(model_id, device=device)
    pos, neg = score_pairs(lm, prompts, positive, negative, options).logliks(convention)
    return pos.tolist(), neg.tolist()


def split_model_kwargs(kwargs: dict) -> tuple[dict, dict]:
    """(kwargs for scores_from_model, the rest for the metric)."""
    model = {k: kwargs.pop(k) for k in MODEL_KWARGS if k in kwargs}
    return model, kwargs


def compute(positive_scores, negative_scores, groups=None, voices=None, items=None,
            headline: str = "accuracy", n_boot: int = DEFAULT_N_BOOT, confidence: float = 0.95,
            seed: int = 0) -> dict:
    """pair_metrics + the headline figure as `score` with its interval (`score_ci`)."""
    m = pair_metrics(positive_scores, negative_scores, groups, voices, items, n_boot=n_boot,
                     confidence=confidence, seed=seed)
    if headline not in m:
        raise ValueError(f"{headline} needs {'groups' if 'macro' in headline else 'voices and items'}")
    return {"score": m[headline], "score_ci": m[f"{headline}_ci"], "headline": headline, **m}


def _metric_base():
    import evaluate

    class PairMetric(evaluate.Metric):
        """What every pair metric shares: MetricInfo from the module's texts and the model_id path.

        A module subclasses it, sets DESCRIPTION / CITATION / INPUTS, and writes `_compute`.
        """

        DESCRIPTION = CITATION = INPUTS = ""

        def _info(self):
            return evaluate.MetricInfo(description=self.DESCRIPTION, citation=self.CITATION,
                                       inputs_description=self.INPUTS, features=pair_features())

        def compute(self, *, positive_scores=None, negative_scores=None, model_id=None, **kwargs):
            """Score from precomputed scores, or from `model_id` + the candidates themselves."""
            model_kwargs, kwargs = split_model_kwargs(kwargs)
            if model_id is not None:
                positive_scores, negative_scores = scores_from_model(model_id, **model_kwargs)
            return super().compute(positive_scores=positive_scores, negative_scores=negative_scores, **kwargs)

    return PairMetric


PairMetric = _metric_base()
