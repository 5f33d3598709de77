"""Reading `scaling_laws.json` for cards: tolerant of missing sections, strict about bad JSON.

The scaling stage owns the schema ({"schema_version", "laws": {mode: {"chinchilla",
"data_constrained", "compute_optimal", "envelope", "downstream": {metric: ...}}}, "comparisons",
"points", "excluded", "settings", "versions"}); cards only read it, so every accessor here accepts
a section that is absent or shaped a little differently (a bare number or {"value", "ci_low",
"ci_high"} per constant) and shows what it finds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from hf_slm.scaling.compute_optimal import ComputeOptimal
from hf_slm.scaling.formulas import chinchilla_loss as _chinchilla_loss
from hf_slm.scaling.laws_file import LAWS_FILE, load_laws as _load_laws  # the scaling stage owns the file

PLOT_SUFFIXES = (".png", ".svg")
# Files of the laws folder that travel with it (beside every model too): data and plots, no pickles.
LAWS_SUFFIXES = (".json", ".csv", ".jsonl", ".md", *PLOT_SUFFIXES)
LAW_SECTIONS = ("chinchilla", "data_constrained", "compute_optimal", "envelope")
# Our mode names → the rows of the paper's Table 4 (Cuervo & Marxer 2024).
PAPER_ROW = {"speech": "speech", "text": "text_muennighoff", "speech_unigram": "speech_unigram",
             "unigram": "speech_unigram"}
# Our groups → the rows of the paper's Table 3 (its text models, else its speech models).
PAPER_GAMMA_ROW = {"text": "text"}
# Our metric names → the paper's Table 3 names, tried in order (its text row calls sBLIMP "blimp").
PAPER_METRIC = {"sblimp": ("sblimp", "blimp"), "blimp": ("blimp",), "ssc": ("story_cloze",),
                "tsc": ("topic_cloze",), "story_cloze": ("story_cloze",), "topic_cloze": ("topic_cloze",)}


@dataclass(frozen=True)
class Constant:
    name: str
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    identifiable: bool | None = None  # the fit's diagnostics (None: the file does not say)


def load_laws(laws_dir: str | Path, field: str = "--laws") -> dict:
    """The folder's scaling_laws.json, read leniently (a card shows whatever sections it finds)."""
    return _load_laws(Path(laws_dir) / LAWS_FILE, field, strict=False)


def plot_files(laws_dir: str | Path) -> list[str]:
    """Relative paths of the plots under the laws folder (PNG and SVG), sorted."""
    root = Path(laws_dir)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.suffix.lower() in PLOT_SUFFIXES and not p.name.startswith("."))


def _float(x) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        return None
    return float(x)


# The fitted constants of each law (hf_slm.scaling.laws_file); other numbers are fit details.
SECTION_CONSTANTS = {"chinchilla": ("E", "A", "B", "alpha", "beta"), "data_constrained": ("R_D_star", "R_N_star"),
                     "compute_optimal": ("G", "a", "b"), "envelope": ("k", "gamma"), "downstream": ("k", "gamma")}


def _interval(ci) -> tuple[float | None, float | None]:
    if isinstance(ci, dict):
        return _float(ci.get("low", ci.get("ci_low"))), _float(ci.get("high", ci.get("ci_high")))
    if isinstance(ci, (list, tuple)) and len(ci) == 2:
        return _float(ci[0]), _float(ci[1])
    return None, None


def constants(section, names: tuple[str, ...] | None = None) -> list[Constant]:
    """The fitted constants of one law section with their intervals; [] when it was not fitted.

    `names` picks the constants (SECTION_CONSTANTS); without it every number counts. A constant
    may be a bare number (interval in section["intervals"|"ci"]) or {"value", "ci_low", "ci_high"}.
    """
    if not isinstance(section, dict) or section.get("fitted") is False:
        return []
    body = section.get("constants", section.get("params", section))
    intervals = section.get("intervals", section.get("ci", {}))
    intervals = intervals if isinstance(intervals, dict) else {}
    ident = identifiable(section)
    out = []
    for name in names or list(body):
        v = body.get(name)
        if isinstance(v, dict) and "value" in v:
            lo, hi = _interval(v.get("ci", v))
            out.append(Constant(name, _float(v["value"]), lo, hi, ident.get(name)))
        elif _float(v) is not None:
            out.append(Constant(name, _float(v), *_interval(intervals.get(name)), ident.get(name)))
    return out


def identifiable(section) -> dict[str, bool]:
    """{constant: whether the data identify it} from the law's diagnostics ({} when the file has none)."""
    ident = section.get("identifiable") if isinstance(section, dict) else None
    return {k: v for k, v in ident.items() if isinstance(v, bool)} if isinstance(ident, dict) else {}


def warnings(section) -> list[str]:
    """The law's plain-language warnings (not identified constants, a failed extrapolation check, ...)."""
    w = section.get("warnings") if isinstance(section, dict) else None
    return [str(x) for x in w] if isinstance(w, list) else []


def extrapolation(section) -> dict | None:
    """The law's extrapolation check {"held_out", "rel_error", "max_abs_rel_error", ...} when it was run."""
    ex = section.get("extrapolation") if isinstance(section, dict) else None
    return ex if isinstance(ex, dict) and ex.get("fitted") and _float(ex.get("max_abs_rel_error")) is not None \
        else None


def fit_details(section, names: tuple[str, ...] = ()) -> dict:
    """The scalars of a section that are not constants (n_points, r2, delta, converged, reason...)."""
    if not isinstance(section, dict):
        return {}
    return {k: v for k, v in section.items() if k not in names and k != "fitted"
            and (v is None or isinstance(v, (str, int, float, bool)))}


def constant_map(section, names: tuple[str, ...] = SECTION_CONSTANTS["chinchilla"]) -> dict[str, float]:
    return {c.name: c.value for c in constants(section, names) if c.value is not None}


def chinchilla_loss(c: dict[str, float], n: float, d: float) -> float | None:
    """The Chinchilla law at (N, D) from a constant map, or None when a constant is missing."""
    try:
        return float(_chinchilla_loss(n, d, c["E"], c["A"], c["B"], c["alpha"], c["beta"]))
    except (KeyError, ZeroDivisionError, TypeError):
        return None


def compute_optimal(c: dict[str, float], flops: float) -> tuple[float, float] | None:
    """(N_opt, D_opt) for `flops` from a constant map (scaling.compute_optimal), or None without the constants."""
    try:
        co = ComputeOptimal.from_constants(c.get("E", 0.0), c["A"], c["B"], c["alpha"], c["beta"])
    except (KeyError, TypeError):
        return None
    n, d = float(co.n_opt(flops)), float(co.d_opt(flops))
    return (n, d) if math.isfinite(n) and math.isfinite(d) else None


def planner_examples(mode_laws: dict, budgets=(1e18, 1e19, 1e20, 1e21)) -> list[dict]:
    """Rows {flops, n_params, tokens, loss}: the fit's own examples when it has them, else closed form."""
    section = mode_laws.get("compute_optimal")
    rows = section.get("examples") if isinstance(section, dict) else section
    if isinstance(rows, list) and rows:
        return [{"flops": r.get("flops", r.get("C")), "n_params": r.get("n_opt", r.get("n_params", r.get("N"))),
                 "tokens": r.get("d_opt", r.get("tokens", r.get("D"))), "loss": r.get("loss")}
                for r in rows if isinstance(r, dict)]
    c = constant_map(mode_laws.get("chinchilla"))
    out = []
    for flops in budgets:
        opt = compute_optimal(c, flops)
        if opt:
            out.append({"flops": flops, "n_params": opt[0], "tokens": opt[1], "loss": chinchilla_loss(c, *opt)})
    return out


def group_of(laws: dict, run_name: str, mode: str) -> str:
    """The law group a run was fitted in (points[].group), else its mode."""
    for p in laws.get("points") or []:
        if isinstance(p, dict) and p.get("run") == run_name and p.get("group"):
            return p["group"]
    return mode


def paper_row(mode: str, paper: dict) -> dict:
    table = paper.get("cuervo_marxer_2024", {}).get("table4_scaling_law", {})
    return table.get(PAPER_ROW.get(mode, mode), {})


def paper_gamma(mode: str, metric: str, paper: dict) -> float | None:
    table = paper.get("cuervo_marxer_2024", {}).get("table3_downstream_gamma", {})
    row = table.get(PAPER_GAMMA_ROW.get(mode, "speech"), {})
    return next((row[name] for name in PAPER_METRIC.get(metric, (metric,)) if name in row), None)
