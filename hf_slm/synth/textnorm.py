"""Sentence splitting and normalisation for the held-out checks (case and punctuation ignored)."""

from __future__ import annotations

import re

_SENT = re.compile(r"(?<=[.!?])[\"']?\s+")
_NON_WORD = re.compile(r"[^a-z' ]+")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(" ".join(str(text).split())) if s.strip()]


def norm_sentence(s: str) -> str:
    return " ".join(_NON_WORD.sub(" ", s.lower()).split())


def norm_text(text: str) -> str:
    return " ".join(norm_sentence(s) for s in split_sentences(text))
