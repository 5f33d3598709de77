"""Spoken StoryCloze (sSC) and Topic StoryCloze (tSC), an `evaluate` metric.

Configs: "sSC", "tSC" (one voice) and "sSC_multispeaker", "tSC_multispeaker" (every story in several
voices: `voices` and `items` are required and the headline is the accuracy over voicings, with
voice_accuracy = a story counts only if every voice is right). The arithmetic lives in
`hf_slm.scoring` (pip install hf-slm); this file only adapts it.
"""

import evaluate

from hf_slm.scoring import metric_module

CONFIGS = ("sSC", "tSC", "sSC_multispeaker", "tSC_multispeaker")

_DESCRIPTION = """Accuracy of a speech LM at preferring the right ending of a spoken story given its
spoken prompt: sSC (the wrong ending contradicts the story) and tSC (the wrong ending comes from
another story). Seeded bootstrap confidence interval; ties count 0.5."""

_KWARGS_DESCRIPTION = """
Args (precomputed scores):
    positive_scores (list of float): log-likelihood score of each right ending given its prompt (higher = preferred).
    negative_scores (list of float): the same for each wrong ending.
    voices, items (list of str): required by the *_multispeaker configs (voice of each row; story key).
    groups (list of str, optional): a label per row for a per-group table.
    n_boot (int, default 1000), confidence (float, default 0.95), seed (int, default 0): the bootstrap.
Args (scoring with a model):
    model_id (str): causal LM folder or Hub id; prompts, positive, negative: unit id lists or strings;
    share_prompt (bool, default True): run each prompt once for both endings; convention, prefix,
    batch_size, device as in hf-slm eval.
Returns:
    score / score_ci (accuracy), accuracy, accuracy_ci, n, ties; voice_accuracy, per_voice with voices.
Examples:
    >>> m = evaluate.load("evaluation/metrics/spoken_cloze", "tSC")
    >>> m.compute(positive_scores=[-1.0, -1.0], negative_scores=[-2.0, -0.5])["accuracy"]
    0.5
"""

_CITATION = """@inproceedings{hassid2023textually, title={Textually Pretrained Speech Language Models},
author={Hassid, Michael and others}, booktitle={NeurIPS}, year={2023}}"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SpokenCloze(metric_module.PairMetric):
    DESCRIPTION, CITATION, INPUTS = _DESCRIPTION, _CITATION, _KWARGS_DESCRIPTION

    def _info(self):
        if self.config_name not in CONFIGS:
            raise KeyError(f"config must be one of {CONFIGS}, got {self.config_name!r}")
        return super()._info()

    def _compute(self, positive_scores, negative_scores, groups=None, voices=None, items=None,
                 n_boot=1000, confidence=0.95, seed=0):
        if self.config_name.endswith("_multispeaker") and (voices is None or items is None):
            raise ValueError(f"{self.config_name} needs `voices` and `items`")
        result = metric_module.compute(positive_scores, negative_scores, groups, voices, items,
                                       n_boot=n_boot, confidence=confidence, seed=seed)
        return {"task": self.config_name, **result}
