"""Modes are plugins: speech, text, interleaved (and the next one) are each one registered `Mode`.

A mode provides its dataset builder, its model set-up (from scratch or from a text LM), how its
runs are scored (which tasks, which modality of each benchmark, the held-out loss) and what its
model cards say (description, tags, vocabulary, model-index task type). Training
(hf_slm.training.run), evaluation (`evaluate_run` here) and hub's card writers ask the mode and
never test its name. A new mode:

    from hf_slm import modes
    modes.register(modes.Mode(name="mine", tokenization="units", build_data=..., setup_model=...,
                              scoring=modes.RunScoring(), card=modes.CardText(...)))

Unigram runs are speech runs on a unigram-token dataset: run.json's `tokenization` ("unigram",
from the dataset's meta.json) tells them apart, not their mode.
"""

from hf_slm.modes.base import CardText, Mode, check_scale, no_check
from hf_slm.modes.evaluate import evaluate_run
from hf_slm.modes.interleaved import INTERLEAVED
from hf_slm.modes.registry import DEFAULT_MODE, get, names, register, unregister
from hf_slm.modes.token import SPEECH, TEXT
from hf_slm.scoring.run_eval import RunScoring

for _mode in (SPEECH, TEXT, INTERLEAVED):
    register(_mode, replace=True)

__all__ = ["CardText", "DEFAULT_MODE", "Mode", "RunScoring", "check_scale", "evaluate_run", "get", "names",
           "no_check", "register", "unregister"]
