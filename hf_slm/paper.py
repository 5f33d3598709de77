"""The two papers' published numbers (Cuervo & Marxer 2024; SIMS 2025), shipped with the package."""

from __future__ import annotations

import functools
import json
from importlib import resources


@functools.cache
def paper_constants() -> dict:
    return json.loads(resources.files("hf_slm.resources").joinpath("paper_constants.json").read_text())
