"""Counterbalancing by length: "the right answer is the longer one" holds for half the questions.

A model that prefers short (or long) sequences must not score above chance, so a generator keeps,
per phenomenon or task, as many questions whose positive is the longer member as questions whose
positive is the shorter one (within `slack`). Length is counted in letters, the closest text
proxy of spoken duration; the demo measures the result on units (hf_slm.scoring.null).
"""

from __future__ import annotations


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def longer_sign(positive: str, negative: str) -> int:
    """+1 when the positive is longer, -1 when shorter, 0 when the two have as many letters."""
    a, b = letters(positive), letters(negative)
    return (a > b) - (a < b)


class LengthBalance:
    """Running count of (positive longer) − (positive shorter); a question is taken only if the count
    stays within ±slack."""

    def __init__(self, slack: int = 1):
        self.slack = slack
        self.count = 0

    def accepts(self, positive: str, negative: str) -> bool:
        return abs(self.count + longer_sign(positive, negative)) <= self.slack

    def add(self, positive: str, negative: str) -> None:
        self.count += longer_sign(positive, negative)

    def take(self, positive: str, negative: str) -> bool:
        """Add the question if it keeps the balance; says whether it did."""
        if not self.accepts(positive, negative):
            return False
        self.add(positive, negative)
        return True
