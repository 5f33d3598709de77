"""Interleaved speech-text SLMs (SIMS, Maimon et al. 2025): start from a text LM, train on a mixture.

- layout: where units, `<speech>`/`<text>` and pad sit in the extended vocabulary; the marker rule;
- init: load a text LM, add K units + markers (+ a fresh pad), new rows from the text rows'
  mean/covariance; TWIST (unit-only vocabulary on the text LM's transformer);
- spans, sequence, mixture: word-level speech spans (Poisson / fixed / per word), documents, the
  text / interleaved / speech mixture resampled per epoch;
- data, model_setup: the "interleaved" mode of `training/train.py` (dataset builder, model set-up);
- eval: StoryCloze in S, T→S, S→T and T, speech-only benchmarks, the base LM's text reference.

    python training/train.py --mode interleaved --base-model Qwen/Qwen2.5-0.5B --dataset UNITS \\
        --global_batch 64 --context 2048 --budget_tokens 1000000000 --output_dir runs/sims-0.5b
"""

from hf_slm.interleave.layout import SPEECH, TEXT, InterleaveLayout, layout_from_tokenizer

__all__ = ["SPEECH", "TEXT", "InterleaveLayout", "layout_from_tokenizer"]
