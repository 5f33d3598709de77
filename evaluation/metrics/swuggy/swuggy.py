"""sWUGGY: spoken word vs matched non-word (lexical knowledge), an `evaluate` metric.

The arithmetic lives in `hf_slm.scoring` (pip install hf-slm); this file only adapts it.
"""

import evaluate

from hf_slm.scoring import metric_module

_DESCRIPTION = """Accuracy of a speech LM at giving a spoken word a higher score than a matched
non-word (ZeroSpeech 2021 lexical task). Seeded bootstrap confidence interval; ties count 0.5."""

_KWARGS_DESCRIPTION = """
Args (precomputed scores):
    positive_scores (list of float): log-likelihood score of each word (higher = preferred).
    negative_scores (list of float): the same for its non-word.
    groups, voices, items (list of str, optional): per-group table; voice accuracy (needs items).
    n_boot (int, default 1000), confidence (float, default 0.95), seed (int, default 0): the bootstrap.
Args (scoring with a model):
    model_id (str): causal LM folder or Hub id; positive, negative: unit id lists or strings;
    convention ("mean" | "sum"), prefix, batch_size, device as in hf-slm eval.
Returns:
    score / score_ci (accuracy), accuracy, accuracy_ci, n, ties (+ per_group, voice_accuracy).
Examples:
    >>> m = evaluate.load("evaluation/metrics/swuggy")
    >>> m.compute(positive_scores=[-1.0, -4.0], negative_scores=[-2.0, -3.0])["accuracy"]
    0.5
"""

_CITATION = """@article{nguyen2020zero, title={The Zero Resource Speech Benchmark 2021: Metrics and
baselines for unsupervised spoken language modeling}, author={Nguyen, Tu Anh and others},
journal={arXiv preprint arXiv:2011.11588}, year={2020}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Swuggy(metric_module.PairMetric):
    DESCRIPTION, CITATION, INPUTS = _DESCRIPTION, _CITATION, _KWARGS_DESCRIPTION

    def _compute(self, positive_scores, negative_scores, groups=None, voices=None, items=None,
                 n_boot=1000, confidence=0.95, seed=0):
        return metric_module.compute(positive_scores, negative_scores, groups, voices, items,
                                     n_boot=n_boot, confidence=confidence, seed=seed)
