"""What the `evaluate` modules in evaluation/metrics/ share, so each module is a thin wrapper.

A module takes either precomputed scores (`positive_scores`, `negative_scores`: log-likelihoods,
higher = preferred) or `model_id` + the candidates themselves (unit id lists, or strings for a
text LM), as evaluate's `perplexity` metric takes `model_id` + texts.

`protocol=` ("cm2024", the default, "sims", "zerospeech": hf_slm.scoring.protocol) decides the
headline figure (`score`) as `hf-slm eval --protocol` does: a tie's value, whether an item's
voicings are averaged first, macro over phenomena or micro. With `model_id` it also decides how
the candidates are scored (reduction, start token, terminal EOS, whole-story cloze). The other
figures (`accuracy`, `macro_accuracy`, `voice_accuracy`, ...) are pair_metrics', the same under
every protocol.

This file, `metrics.py`, `protocol.py` and `aggregate.py` also ship inside every metric folder
(evaluation/metrics/<name>/ holds symlinks to them; the Space gets copies), so the modules load
where hf-slm is not installed: hence the relative imports of the arithmetic, and hf-slm imported
only when a `model_id` asks for it.
"""

from __future__ import annotations

import abc
import warnings
from typing import Sequence

from .aggregate import headline_figure, protocol_outcomes
from .metrics import DEFAULT_N_BOOT, pair_metrics
from .protocol import DEFAULT_PROTOCOL, get_protocol

# hf-slm is not on PyPI; the one line a user without it sees when passing `model_id`.
NEEDS_HF_SLM = ("scoring with `model_id` needs the hf-slm package, which is not on PyPI: install the "
                "project from its repository (`pip install git+<hf-slm repository URL>`, or "
                "`pip install ./hf-slm` in a clone), or pass positive_scores/negative_scores instead")

# scores_from_model's arguments besides model_id and protocol (which the figure needs too).
MODEL_KWARGS = ("positive", "negative", "prompts", "convention", "prefix", "cloze_span", "overlength",
                "dtype", "batch_size", "device", "share_prompt")


def pair_features():
    import datasets

    return datasets.Features({"positive_scores": datasets.Value("float64"),
                              "negative_scores": datasets.Value("float64")})


def check_protocol(protocol: str) -> str:
    """The name, or a ValueError listing the protocols (before any model is loaded)."""
    get_protocol(protocol)
    return protocol


def scores_from_model(model_id: str, positive: Sequence, negative: Sequence,
                      prompts: Sequence | None = None, protocol: str = DEFAULT_PROTOCOL,
                      convention: str | None = None, prefix: str | None = None,
                      cloze_span: str | None = None, overlength: str = "truncate", dtype: str | None = None,
                      batch_size: int = 32, device: str | None = None,
                      share_prompt: bool = True) -> tuple[list[float], list[float]]:
    """Score candidates with a causal LM as `protocol` says: strings → its text tokenizer, int lists
    → its units. `convention` / `prefix` / `cloze_span`: None = the protocol's (given: an override)."""
    check_protocol(protocol)
    try:
        from hf_slm.scoring.benchmark import EvalOptions, score_pairs
        from hf_slm.scoring.lm import load_lm
    except ImportError as e:
        if e.name != "hf_slm":  # hf-slm is there but broken: keep the real error
            raise
        raise ImportError(NEEDS_HF_SLM) from None

    if len(positive) != len(negative) or not positive:
        raise ValueError("positive and negative must be non-empty lists of equal length")
    modality = "text" if isinstance(positive[0], str) else "units"
    if prompts is None:
        prompts = ["" if modality == "text" else [] for _ in positive]
    options = EvalOptions(protocol=protocol, modality=modality, convention=convention, prefix=prefix,
                          cloze_span=cloze_span, overlength=overlength, dtype=dtype, batch_size=batch_size,
                          device=device, share_prompt=share_prompt).validate()
    lm = load_lm(model_id, device=device, dtype=dtype)
    scores = score_pairs(lm, prompts, positive, negative, options)
    if scores.truncated:
        warnings.warn(f"{scores.truncated} sequences exceed the model's positions and were truncated from "
                      "the left (overlength='refuse' stops instead)", stacklevel=3)
    pos, neg = scores.logliks(options.scoring_protocol().reduction)
    return pos.tolist(), neg.tolist()


def split_model_kwargs(kwargs: dict) -> tuple[dict, dict]:
    """(kwargs for scores_from_model, the rest for the metric)."""
    model = {k: kwargs.pop(k) for k in MODEL_KWARGS if k in kwargs}
    return model, kwargs


def compute(positive_scores, negative_scores, groups=None, voices=None, items=None, *,
            protocol: str = DEFAULT_PROTOCOL, cloze: bool = False, phenomena: bool = False,
            n_boot: int = DEFAULT_N_BOOT, confidence: float = 0.95, seed: int = 0) -> dict:
    """pair_metrics + the protocol's headline figure as `score` with its interval (`score_ci`).

    `cloze`: the task is a StoryCloze (cm2024 counts its ties as wrong). `phenomena`: `groups` are
    what a macro protocol averages over (sBLIMP's phenomena); otherwise they only label a per-group
    table and the headline sees one group. `items`: the key shared by an item's voicings (None:
    every pair is its own item).
    """
    p = get_protocol(protocol)
    m = pair_metrics(positive_scores, negative_scores, groups, voices, items, n_boot=n_boot,
                     confidence=confidence, seed=seed)
    n = m["n"]
    outcomes = protocol_outcomes(positive_scores, negative_scores, p, cloze)
    fig = headline_figure(outcomes, groups if phenomena and groups is not None else ["all"] * n,
                          items if items is not None else [str(i) for i in range(n)], p,
                          n_boot=n_boot, confidence=confidence, seed=seed)
    return {"score": fig["value"], "score_ci": [fig["ci_low"], fig["ci_high"]], "headline": fig["metric"],
            "protocol": p.name, "n_units": fig["n_units"], **m}


def _metric_base():
    import evaluate

    # Abstract, so evaluate's loader (which takes the first concrete EvaluationModule class in the
    # script's namespace) skips this base when a module imports it by name.
    class PairMetric(evaluate.Metric, metaclass=abc.ABCMeta):
        """What every pair metric shares: MetricInfo from the module's texts and the model_id path.

        A module subclasses it, sets DESCRIPTION / CITATION / INPUTS, and writes `_compute`, which
        gets `protocol` (checked here) besides its own arguments.
        """

        DESCRIPTION = CITATION = INPUTS = ""

        def _info(self):
            return evaluate.MetricInfo(description=self.DESCRIPTION, citation=self.CITATION,
                                       inputs_description=self.INPUTS, features=pair_features())

        def compute(self, *, positive_scores=None, negative_scores=None, model_id=None,
                    protocol=DEFAULT_PROTOCOL, **kwargs):
            """Score from precomputed scores, or from `model_id` + the candidates themselves."""
            check_protocol(protocol)
            model_kwargs, kwargs = split_model_kwargs(kwargs)
            if model_id is not None:
                positive_scores, negative_scores = scores_from_model(model_id, protocol=protocol, **model_kwargs)
            elif model_kwargs:  # silently ignoring e.g. convention="sum" would misreport the scores
                raise ValueError(f"{', '.join(sorted(model_kwargs))}: arguments for scoring with a model, given without model_id")
            return super().compute(positive_scores=positive_scores, negative_scores=negative_scores,
                                   protocol=protocol, **kwargs)

        @abc.abstractmethod
        def _compute(self, positive_scores, negative_scores, **kwargs):
            """The module's figures from the scores (most modules return this file's `compute`)."""

    return PairMetric


PairMetric = _metric_base()
