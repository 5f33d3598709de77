"""sBLIMP: spoken minimal pairs (grammatical vs ungrammatical), an `evaluate` metric.

The arithmetic lives in `hf_slm.scoring` (pip install hf-slm); this file only adapts it.
"""

import evaluate

from hf_slm.scoring import metric_module

_DESCRIPTION = """Accuracy of a speech LM at preferring the grammatical sentence of each spoken
minimal pair: micro accuracy over pairs, macro accuracy over phenomena (the headline of Cuervo &
Marxer 2024), voice accuracy (a pair counts only if every voice is right), a per-phenomenon table
and seeded bootstrap confidence intervals. Ties count 0.5."""

_KWARGS_DESCRIPTION = """
Args (precomputed scores):
    positive_scores (list of float): log-likelihood score of each grammatical candidate (higher = preferred).
    negative_scores (list of float): the same for each ungrammatical candidate.
    groups (list of str, optional): phenomenon of each pair; needed for the headline macro accuracy.
    voices (list of str, optional): voice of each pair; with `items`, gives voice_accuracy.
    items (list of str, optional): key shared by the voicings of one pair.
    n_boot (int, default 1000), confidence (float, default 0.95), seed (int, default 0): the bootstrap.
Args (scoring with a model instead of scores):
    model_id (str): causal LM folder or Hub id; positive, negative: unit id lists (unit LM) or strings
    (text LM); convention ("mean" | "sum"), prefix ("auto" | "bos" | "eos" | "none"), batch_size, device.
Returns:
    score / score_ci: macro accuracy over phenomena (accuracy when no groups are given) and its interval;
    accuracy, accuracy_ci, macro_accuracy, macro_accuracy_ci, per_group, voice_accuracy, per_voice, n, ties.
Examples:
    >>> m = evaluate.load("evaluation/metrics/sblimp")
    >>> r = m.compute(positive_scores=[-1.0, -2.0], negative_scores=[-3.0, -2.0], groups=["a", "b"])
    >>> r["accuracy"], r["macro_accuracy"]
    (0.75, 0.75)
"""

_CITATION = """@article{cuervo2024scaling, title={Scaling Properties of Speech Language Models},
author={Cuervo, Santiago and Marxer, Ricard}, journal={arXiv preprint arXiv:2404.00685}, year={2024}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Sblimp(metric_module.PairMetric):
    DESCRIPTION, CITATION, INPUTS = _DESCRIPTION, _CITATION, _KWARGS_DESCRIPTION

    def _compute(self, positive_scores, negative_scores, groups=None, voices=None, items=None,
                 n_boot=1000, confidence=0.95, seed=0):
        return metric_module.compute(positive_scores, negative_scores, groups, voices, items,
                                     headline="macro_accuracy" if groups is not None else "accuracy",
                                     n_boot=n_boot, confidence=confidence, seed=seed)
