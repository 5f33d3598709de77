"""sBLIMP: spoken minimal pairs (grammatical vs ungrammatical), an `evaluate` metric.

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

_DESCRIPTION = """Accuracy of a speech LM at preferring the grammatical sentence of each spoken
minimal pair. The headline (`score`) is aggregated as the chosen protocol says: "cm2024" (default,
Cuervo & Marxer 2024) the mean over phenomena of each pair's mean over its voices; "sims" (slamkit)
the mean over every voiced pair; "zerospeech" (ZeroSpeech 2021) the mean over pairs of each pair's
mean over its voices. Ties count 0.5. Also: micro and macro accuracy, voice accuracy (a pair counts
only if every voice is right), a per-phenomenon table and seeded bootstrap confidence intervals."""

_KWARGS_DESCRIPTION = """
Args (precomputed scores):
    positive_scores (list of float): log-likelihood score of each grammatical candidate (higher = preferred).
    negative_scores (list of float): the same for each ungrammatical candidate.
    groups (list of str, optional): phenomenon of each pair (cm2024 averages over phenomena).
    voices (list of str, optional): voice of each pair; with `items`, gives voice_accuracy.
    items (list of str, optional): key shared by the voicings of one pair (default: every row its own).
    protocol ("cm2024" | "sims" | "zerospeech", default "cm2024"): how the headline is aggregated
    (and, with model_id, how candidates are scored), as `hf-slm eval --protocol`.
    n_boot (int, default 1000), confidence (float, default 0.95), seed (int, default 0): the bootstrap.
Args (scoring with a model instead of scores):
    model_id (str): causal LM folder or Hub id; positive, negative: unit id lists (unit LM) or strings
    (text LM); convention ("mean" | "sum"), prefix ("auto" | "bos" | "eos" | "none"): default the
    protocol's; overlength ("truncate" | "refuse"), dtype, batch_size, device.
Returns:
    score / score_ci: the protocol's headline and its interval; headline: its name (run.json's
    `metric`); protocol; n_units (pairs or voiced pairs it averages);
    accuracy, accuracy_ci, macro_accuracy, macro_accuracy_ci, per_group, voice_accuracy, per_voice, n, ties.
Examples:
    >>> m = evaluate.load("evaluation/metrics/sblimp")
    >>> r = m.compute(positive_scores=[-1.0, -2.0], negative_scores=[-3.0, -2.0], groups=["a", "b"])
    >>> r["score"], r["accuracy"], r["macro_accuracy"]
    (0.75, 0.75, 0.75)
"""

_CITATION = """@article{cuervo2024scaling, title={Scaling Properties of Speech Language Models},
author={Cuervo, Santiago and Marxer, Ricard}, journal={arXiv preprint arXiv:2404.00685}, year={2024}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Sblimp(PairMetric):
    DESCRIPTION, CITATION, INPUTS = _DESCRIPTION, _CITATION, _KWARGS_DESCRIPTION

    def _compute(self, positive_scores, negative_scores, groups=None, voices=None, items=None,
                 protocol=DEFAULT_PROTOCOL, n_boot=DEFAULT_N_BOOT, confidence=0.95, seed=0):
        return compute(positive_scores, negative_scores, groups, voices, items, protocol=protocol,
                       phenomena=True, n_boot=n_boot, confidence=confidence, seed=seed)
