"""The Jinja environment that renders every card: packaged templates, optional user overrides.

Source of truth: `hf_slm/templates/*.j2` (shipped as package data, so an installed hf-slm finds
them). `hub_cards/` is the documented place for overrides: a template of the same name in a folder
passed as `templates=` (CLI `--templates hub_cards/`) wins over the packaged one.
"""

from __future__ import annotations

import functools
import math
from importlib import resources
from pathlib import Path

TEMPLATE_NAMES = ("model_card.md.j2", "dataset_card.md.j2", "laws_card.md.j2",
                  "metric_app.py.j2", "metric_index.html.j2")


def _packaged_dir() -> str:
    return str(resources.files("hf_slm").joinpath("templates"))


@functools.cache
def environment(override_dir: str | None = None):
    import jinja2

    search = ([override_dir] if override_dir else []) + [_packaged_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        undefined=jinja2.StrictUndefined,  # a missing variable is a bug in the caller, not a blank
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # markdown, not HTML
    )
    env.filters.update(sci=sci, human=human, num=num, pct=pct)
    return env


def render(template_name: str, override_dir: str | Path | None = None, **context) -> str:
    return environment(str(override_dir) if override_dir else None).get_template(template_name).render(**context)


def num(x, digits: int = 4) -> str:
    """A float with `digits` significant digits ('—' for missing), ints as they are."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    return f"{x:.{digits}g}"


def sci(x, digits: int = 3) -> str:
    """1.23e+18 style for large counts (FLOPs, tokens)."""
    if x is None:
        return "—"
    return f"{float(x):.{digits}g}" if abs(float(x)) < 1e4 else f"{float(x):.{digits - 1}e}"


def human(x) -> str:
    """12.3M / 4.5B style for parameter and token counts."""
    if x is None:
        return "—"
    x = float(x)
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def pct(x) -> str:
    return "—" if x is None else f"{100 * float(x):.1f}%"
