"""Counterbalancing: "the right answer is the longer one" (or "the one of more frequent words")
holds for half the questions.

A model that prefers short (or long) sequences, or frequent words, must not score above chance, so
the minimal-pair generator takes questions in opposite pairs (`OppositePairs`), per phenomenon.
Length is counted in letters, the closest text proxy of spoken duration; the unit stage balances
again on units (hf_slm.units.length_balance) and the demo measures the result (hf_slm.scoring.null).
The cloze tasks need none of this: they are built as mirror pairs (hf_slm.synth.cloze).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from hf_slm.synth.textnorm import norm_sentence


def words(text: str) -> list[str]:
    return norm_sentence(text).split()


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def longer_sign(positive: str, negative: str) -> int:
    """+1 when the positive is longer, -1 when shorter, 0 when the two have as many letters."""
    a, b = letters(positive), letters(negative)
    return (a > b) - (a < b)


class WordFrequency:
    """Word counts of the training text; `sign` says whose words a word-unigram model prefers."""

    def __init__(self, texts: Iterable[str] = ()):
        self.counts: Counter[str] = Counter()
        self.total = 0
        for t in texts:
            self.add(t)

    def add(self, text: str) -> None:
        ws = words(text)
        self.counts.update(ws)
        self.total += len(ws)

    def logprob(self, text: str) -> float:
        """Sum of add-1/2 smoothed unigram log-probabilities of the text's words."""
        denom = self.total + 0.5 * (len(self.counts) + 1)
        return sum(math.log((self.counts[w] + 0.5) / denom) for w in words(text))

    def sign(self, positive: str, negative: str) -> int:
        """+1 when the positive's words are the more probable, -1 when less, 0 without counts."""
        if not self.counts:
            return 0
        d = self.logprob(positive) - self.logprob(negative)
        return (d > 1e-9) - (d < -1e-9)


class OppositePairs:
    """Counterbalance on several signs at once. A greedy running count cannot: with slack 1 on two
    signs, a question of signs (+1, +1) taken first leaves no way back when no (-1, -1) question
    exists. Here a question of signs s waits until one of signs -s comes, and the two are taken
    together (a question whose signs are all 0 is taken alone), so every sign sums to zero over
    the taken questions; questions with no opposite are never taken."""

    def __init__(self, signs: Iterable[Callable[[str, str], int]]):
        self.signs = tuple(signs)
        self.waiting: defaultdict[tuple[int, ...], list] = defaultdict(list)

    def offer(self, positive: str, negative: str, item) -> list:
        """The questions taken now: [], [item], or [the waiting opposite, item]."""
        s = tuple(f(positive, negative) for f in self.signs)
        if not any(s):
            return [item]
        opposite = tuple(-x for x in s)
        if self.waiting[opposite]:
            return [self.waiting[opposite].pop(0), item]
        self.waiting[s].append(item)
        return []
