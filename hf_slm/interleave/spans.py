"""Which words of an utterance are spoken (units) and which are written (text).

Every method cuts the word sequence into spans and makes each span speech with probability
`speech_fraction`, independently of its length, so the expected fraction of speech *words* is
exactly `speech_fraction` (SIMS: Poisson(λ=10) spans, 30% speech). Adjacent spans that drew the same
modality merge (a marker only appears where the modality really changes).

- "poisson": span lengths max(1, Poisson(λ)), λ = `span`;
- "fixed": spans of exactly `span` words, the first one shortened at random (so boundaries do not
  always fall on the same word indices);
- "word": every word on its own (per-word random switching).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hf_slm.errors import ConfigError, choice

METHODS = ("poisson", "fixed", "word")


@dataclass(frozen=True)
class SpanConfig:
    method: str = "poisson"
    speech_fraction: float = 0.3
    span: float = 10.0  # λ for "poisson", the span length for "fixed"; unused by "word"

    def check(self) -> "SpanConfig":
        choice(self.method, METHODS, "--interleave-method")
        if not 0.0 <= self.speech_fraction <= 1.0:
            raise ConfigError("--speech-fraction", f"must be in [0, 1], got {self.speech_fraction}")
        if self.method != "word" and not self.span >= 1:
            raise ConfigError("--interleave-span", f"mean span length must be >= 1 word, got {self.span}")
        return self


def span_lengths(n_words: int, cfg: SpanConfig, rng: np.random.Generator) -> list[int]:
    """Lengths (in words) of consecutive spans that cover `n_words` exactly."""
    lengths: list[int] = []
    left = n_words
    if cfg.method == "fixed" and left:
        first = int(rng.integers(1, int(cfg.span) + 1))
        lengths.append(min(first, left))
        left -= lengths[-1]
    while left > 0:
        if cfg.method == "poisson":
            n = max(1, int(rng.poisson(cfg.span)))
        elif cfg.method == "fixed":
            n = int(cfg.span)
        else:
            n = 1
        lengths.append(min(n, left))
        left -= lengths[-1]
    return lengths


def speech_mask(n_words: int, cfg: SpanConfig, rng: np.random.Generator) -> np.ndarray:
    """Boolean per word: True = this word is given as units."""
    lengths = span_lengths(n_words, cfg, rng)
    speech = rng.random(len(lengths)) < cfg.speech_fraction
    return np.repeat(speech, lengths).astype(bool)


def runs(mask) -> list[tuple[bool, int, int]]:
    """[(is_speech, first_word, last_word_exclusive)] of maximal same-modality runs."""
    out: list[tuple[bool, int, int]] = []
    start = 0
    for i in range(1, len(mask) + 1):
        if i == len(mask) or bool(mask[i]) != bool(mask[start]):
            out.append((bool(mask[start]), start, i))
            start = i
    return out
