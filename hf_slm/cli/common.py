"""Argument helpers shared by the stage modules."""

from __future__ import annotations

import argparse
from pathlib import Path

from hf_slm.errors import ConfigError


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an integer") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be > 0")
    return n


def positive_float(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not x > 0:
        raise argparse.ArgumentTypeError(f"{value!r} must be > 0")
    return x


def fraction(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r} must be in [0, 1]")
    return x


def existing_path(path: str | Path, field: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise ConfigError(field, f"{p} does not exist")
    return p
