"""Spoken StoryCloze (sSC) and Topic StoryCloze (tSC), an `evaluate` metric.

Configs: "sSC", "tSC" (one voice) and "sSC_multispeaker", "tSC_multispeaker" (every story in several
voices: `voices` and `items` are required, voice_accuracy = a story counts only if every voice is
right). The arithmetic is hf-slm's own (metrics.py, protocol.py, aggregate.py, metric_module.py:
shipped beside this file; they need only evaluate and numpy), so the module loads where hf-slm is
not installed; this file only adapts it.
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

CONFIGS = ("sSC", "tSC", "sSC_multispeaker", "tSC_multispeaker")

_DESCRIPTION = """Accuracy of a speech LM at preferring the right ending of a spoken story given its
spoken prompt: sSC (the wrong ending contradicts the story) and tSC (the wrong ending comes from
another story). The headline (`score`) follows the chosen protocol: "cm2024" (default, Cuervo &
Marxer 2024) counts a tie as wrong and averages a story's voicings first; "sims" (slamkit) counts a
tie 0.5 and every voiced story once; "zerospeech" counts a tie 0.5 and averages voicings first.
Seeded bootstrap confidence intervals."""

_KWARGS_DESCRIPTION = """
Args (precomputed scores):
    positive_scores (list of float): log-likelihood score of each right ending given its prompt (higher = preferred).
    negative_scores (list of float): the same for each wrong ending.
    voices, items (list of str): required by the *_multispeaker configs (voice of each row; story key).
    groups (list of str, optional): a label per row for a per-group table (the headline is over all stories).
    protocol ("cm2024" | "sims" | "zerospeech", default "cm2024"): how the headline is aggregated
    (and, with model_id, how candidates are scored), as `hf-slm eval --protocol`.
    n_boot (int, default 1000), confidence (float, default 0.95), seed (int, default 0): the bootstrap.
Args (scoring with a model):
    model_id (str): causal LM folder or Hub id; prompts, positive, negative: unit id lists or strings;
    cloze_span ("whole": prompt + ending as one sequence, the protocols' own; "ending": the ending
    given the prompt); share_prompt (bool, default True): run each prompt once for both endings;
    convention, prefix (default the protocol's), overlength, dtype, batch_size, device as in hf-slm eval.
Returns:
    task, score / score_ci (the protocol's headline), headline (its name), protocol, n_units,
    accuracy (ties 0.5 whatever the protocol), accuracy_ci, n, ties; voice_accuracy, per_voice with voices.
Examples:
    >>> m = evaluate.load("evaluation/metrics/spoken_cloze", "tSC")
    >>> r = m.compute(positive_scores=[-1.0, -1.0], negative_scores=[-2.0, -1.0])
    >>> r["score"], r["accuracy"]  # cm2024 counts the tie as wrong
    (0.5, 0.75)
    >>> m.compute(positive_scores=[-1.0, -1.0], negative_scores=[-2.0, -1.0], protocol="sims")["score"]
    0.75
"""

_CITATION = """@inproceedings{hassid2023textually, title={Textually Pretrained Speech Language Models},
author={Hassid, Michael and others}, booktitle={NeurIPS}, year={2023}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SpokenCloze(PairMetric):
    DESCRIPTION, CITATION, INPUTS = _DESCRIPTION, _CITATION, _KWARGS_DESCRIPTION

    def _info(self):
        if self.config_name not in CONFIGS:
            raise KeyError(f"config must be one of {CONFIGS}, got {self.config_name!r}")
        return super()._info()

    def _compute(self, positive_scores, negative_scores, groups=None, voices=None, items=None,
                 protocol=DEFAULT_PROTOCOL, n_boot=DEFAULT_N_BOOT, confidence=0.95, seed=0):
        if self.config_name.endswith("_multispeaker") and (voices is None or items is None):
            raise ValueError(f"{self.config_name} needs `voices` and `items`")
        result = compute(positive_scores, negative_scores, groups, voices, items, protocol=protocol,
                         cloze=True, n_boot=n_boot, confidence=confidence, seed=seed)
        return {"task": self.config_name, **result}
