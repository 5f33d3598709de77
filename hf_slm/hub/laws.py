"""Reading `scaling_laws.json` for cards: tolerant of missing sections, strict about bad JSON.

The scaling stage owns the schema ({"schema_version", "laws": {mode: {"chinchilla",
"data_constrained", "compute_optimal", "envelope", "downstream": {metric: ...}}}, "comparisons",
"points", "excluded", "settings", "versions"}); cards only read it, so every accessor here accepts
a section that is absent or shaped a little differently (a bare number or {"value", "ci_low",
"ci_high"} per constant) and shows what it finds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from hf_slm.errors import ConfigError

LAWS_FILE = "scaling_laws.json"
PLOT_SUFFIXES = (".png", ".svg")
# Files of the laws folder that travel with it (beside every model too): data and plots, no pickles.
LAWS_SUFFIXES = (".json", ".csv", ".jsonl", ".md", *PLOT_SUFFIXES)
LAW_SECTIONS = ("chinchilla", "data_constrained", "compute_optimal", "envelope")
# Our mode names → the rows of the paper's Table 4 (Cuervo & Marxer 2024).
PAPER_ROW = {"speech": "speech", "text": "text_muennighoff", "speech_unigram": "speech_unigram",
             "unigram": "speech_unigram"}
# Our metric names → the paper's Table 3 names.
PAPER_METRIC = {"sblimp": "sblimp", "blimp": "blimp", "ssc": "story_cloze", "tsc": "topic_cloze",
                "story_cloze": "story_cloze", "topic_cloze": "topic_cloze"}


@dataclass(frozen=True)
class Constant:
    name: str
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None


def load_laws(laws_dir: str | Path, field: str = "--laws") -> dict:
    path = Path(laws_dir) / LAWS_FILE
    if not path.is_file():
        raise ConfigError(field, f"{laws_dir} has no {LAWS_FILE}; run `hf-slm scaling fit` first")
    try:
        laws = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ConfigError(field, f"{path} is not valid JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(laws, dict) or not isinstance(laws.get("laws", {}), dict):
        raise ConfigError(field, f"{path}: expected an object with a 'laws' object")
    return laws


def plot_files(laws_dir: str | Path) -> list[str]:
    """Relative paths of the plots under the laws folder (PNG and SVG), sorted."""
    root = Path(laws_dir)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.suffix.lower() in PLOT_SUFFIXES and not p.name.startswith("."))


def _float(x) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        return None
    return float(x)


def constants(section) -> list[Constant]:
    """The fitted constants of one law section, in file order, with intervals where given."""
    if not isinstance(section, dict):
        return []
    body = section.get("constants", section.get("params", section))
    if not isinstance(body, dict):
        return []
    intervals = section.get("ci", section.get("intervals", {}))
    out = []
    for name, v in body.items():
        if isinstance(v, dict) and "value" in v:
            lo = v.get("ci_low", v.get("low"))
            hi = v.get("ci_high", v.get("high"))
            if isinstance(v.get("ci"), (list, tuple)) and len(v["ci"]) == 2:
                lo, hi = v["ci"]
            out.append(Constant(name, _float(v["value"]), _float(lo), _float(hi)))
        elif _float(v) is not None:
            ci = intervals.get(name) if isinstance(intervals, dict) else None
            lo, hi = ci if isinstance(ci, (list, tuple)) and len(ci) == 2 else (None, None)
            out.append(Constant(name, _float(v), _float(lo), _float(hi)))
    return out


def constant_map(section) -> dict[str, float]:
    return {c.name: c.value for c in constants(section) if c.value is not None}


def chinchilla_loss(c: dict[str, float], n: float, d: float) -> float | None:
    """L(N, D) = E + A / N^alpha + B / D^beta, or None when a constant is missing."""
    try:
        return c["E"] + c["A"] / n ** c["alpha"] + c["B"] / d ** c["beta"]
    except (KeyError, ZeroDivisionError, TypeError):
        return None


def compute_optimal(c: dict[str, float], flops: float) -> tuple[float, float] | None:
    """Chinchilla's closed form (approach 3): N_opt = G (C/6)^a, D_opt = (C/6)^b / G."""
    try:
        a_, b_ = c["alpha"], c["beta"]
        g = (a_ * c["A"] / (b_ * c["B"])) ** (1.0 / (a_ + b_))
    except (KeyError, ZeroDivisionError, TypeError):
        return None
    return g * (flops / 6.0) ** (b_ / (a_ + b_)), (flops / 6.0) ** (a_ / (a_ + b_)) / g


def planner_examples(mode_laws: dict, budgets=(1e18, 1e19, 1e20, 1e21)) -> list[dict]:
    """Rows {flops, n_params, tokens, loss}: the fit's own examples when it has them, else closed form."""
    section = mode_laws.get("compute_optimal")
    if isinstance(section, dict) and isinstance(section.get("examples"), list):
        return [r for r in section["examples"] if isinstance(r, dict)]
    if isinstance(section, list):
        return [r for r in section if isinstance(r, dict)]
    c = constant_map(mode_laws.get("chinchilla"))
    rows = []
    for flops in budgets:
        opt = compute_optimal(c, flops)
        if opt:
            rows.append({"flops": flops, "n_params": opt[0], "tokens": opt[1],
                         "loss": chinchilla_loss(c, *opt)})
    return rows


def paper_row(mode: str, paper: dict) -> dict:
    table = paper.get("cuervo_marxer_2024", {}).get("table4_scaling_law", {})
    return table.get(PAPER_ROW.get(mode, mode), {})


def paper_gamma(mode: str, metric: str, paper: dict) -> float | None:
    table = paper.get("cuervo_marxer_2024", {}).get("table3_downstream_gamma", {})
    row = table.get("text" if mode == "text" else "speech", {})
    return row.get(PAPER_METRIC.get(metric, metric))
