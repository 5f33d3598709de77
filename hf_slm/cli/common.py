"""Argument helpers shared by the stage modules."""

from __future__ import annotations

import argparse
from pathlib import Path

from hf_slm.errors import ConfigError


def _number(value: str, cast, ok, must: str):
    """`value` as int or float when `ok` holds, else argparse's one-line error saying what it must be."""
    try:
        x = cast(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not {'an integer' if cast is int else 'a number'}") from None
    if not ok(x):  # `not ok` also refuses nan
        raise argparse.ArgumentTypeError(f"{value!r} must be {must}")
    return x


def positive_int(value: str) -> int:
    return _number(value, int, lambda n: n > 0, "> 0")


def positive_float(value: str) -> float:
    return _number(value, float, lambda x: x > 0, "> 0")


def nonnegative_int(value: str) -> int:
    return _number(value, int, lambda n: n >= 0, ">= 0")


def nonnegative_float(value: str) -> float:
    return _number(value, float, lambda x: x >= 0, ">= 0")


def fraction(value: str) -> float:
    return _number(value, float, lambda x: 0.0 <= x <= 1.0, "in [0, 1]")


UNIGRAM_FROM_HELP = ("a unit dataset of this codebook: also counterbalance each group in the unit frequencies "
                     "of its train split (what `eval --null`'s unigram scorer measures) and in the word "
                     "frequencies of its text, and sBLIMP in its unit bigrams (the null report's bigram baseline)")


def existing_path(path: str | Path, field: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise ConfigError(field, f"{p} does not exist")
    return p
