"""sWUGGY: spoken word vs matched non-word (lexical knowledge), an `evaluate` metric.

The arithmetic is hf-slm's own (metrics.py, protocol.py, aggregate.py, metric_module.py: shipped
beside this file; they need only evaluate and numpy), so the module loads where hf-slm is not
installed; this file only adapts it.
"""

import evaluate

# The package's own files beside this one (symlinks here, copies in the Space): evaluate ships the
# siblings a script imports with `from .x import`, and only those this file names, so all four are
# named here (aggregate.py too, which metric_module.py calls; no comment may follow a relative
# import line: evaluate reads one as a "# From: URL" to download).
from .aggregate import headline_figure
from .metric_module import PairMetric, compute
from .metrics import DEFAULT_N_BOOT
from .protocol import DEFAULT_PROTOCOL

_DESCRIPTION = """Accuracy of a speech LM at giving a spoken word a higher score than a matched
non-word (ZeroSpeech 2021 lexical task). The headline (`score`) is aggregated as the chosen protocol
says: "cm2024" (default) and "zerospeech" average each pair's voicings first, "sims" counts every
voiced pair. Ties count 0.5. Seeded bootstrap confidence intervals."""

_KWARGS_DESCRIPTION = """
Args (precomputed scores):
    positive_scores (list of float): log-likelihood score of each word (higher = preferred).
    negative_scores (list of float): the same for its non-word.
    groups (list of str, optional): a per-group table (the headline is over all pairs).
    voices, items (list of str, optional): voice accuracy (needs items); items: key shared by the
    voicings of one pair (default: every row its own).
    protocol ("cm2024" | "sims" | "zerospeech", default "cm2024"): how the headline is aggregated
    (and, with model_id, how candidates are scored), as `hf-slm eval --protocol`.
    n_boot (int, default 1000), confidence (float, default 0.95), seed (int, default 0): the bootstrap.
Args (scoring with a model):
    model_id (str): causal LM folder or Hub id; positive, negative: unit id lists or strings;
    convention ("mean" | "sum"), prefix: default the protocol's; overlength, dtype, batch_size, device.
Returns:
    score / score_ci (the protocol's headline), headline (its name), protocol, n_units,
    accuracy, accuracy_ci, n, ties (+ per_group, voice_accuracy).
Examples:
    >>> m = evaluate.load("evaluation/metrics/swuggy")
    >>> m.compute(positive_scores=[-1.0, -4.0], negative_scores=[-2.0, -3.0])["score"]
    0.5
"""

_CITATION = """@article{nguyen2020zero, title={The Zero Resource Speech Benchmark 2021: Metrics and
baselines for unsupervised spoken language modeling}, author={Nguyen, Tu Anh and others},
journal={arXiv preprint arXiv:2011.11588}, year={2020}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Swuggy(PairMetric):
    DESCRIPTION, CITATION, INPUTS = _DESCRIPTION, _CITATION, _KWARGS_DESCRIPTION

    def _compute(self, positive_scores, negative_scores, groups=None, voices=None, items=None,
                 protocol=DEFAULT_PROTOCOL, n_boot=DEFAULT_N_BOOT, confidence=0.95, seed=0):
        return compute(positive_scores, negative_scores, groups, voices, items, protocol=protocol,
                       n_boot=n_boot, confidence=confidence, seed=seed)
