"""The scaling-laws card: equations, fitted constants with intervals, plots, paper beside ours."""

from __future__ import annotations

from pathlib import Path

from hf_slm.hub import laws as L
from hf_slm.hub.templates import render
from hf_slm.paper import paper_constants

TAGS = ["hf-slm", "scaling-laws", "speech-language-model"]
# What each top-level key of scaling_laws.json holds (the card documents the file).
SCHEMA_DOC = {
    "schema_version": "version of this file's layout",
    "laws": "per mode (speech, text, interleaved, ...): chinchilla, data_constrained, compute_optimal, "
            "envelope and downstream fits, each with constants, confidence intervals, `identifiable` per "
            "constant, plain-language `warnings` and an `extrapolation` check",
    "comparisons": "per metric, how much faster one group's scores grow with compute than another's (γ ratios)",
    "points": "every run used in the fits: N, D, unique tokens, loss, scores",
    "excluded": "runs left out of the fits, each with the reason",
    "settings": "fit settings: loss (Huber delta), optimizer, initial grid, bootstrap resamples, seed",
    "versions": "package versions that produced the fit",
}


# Columns of the points table, in this order when present (path is local, so left out).
POINT_COLUMNS = ("run", "name", "group", "mode", "n_params", "N", "tokens", "D", "unique_tokens", "epochs",
                 "flops", "loss", "reason")


def comparison_rows(comparisons) -> list[dict]:
    """scaling_laws.json's {metric: {"fast/slow": {gamma_fast, gamma_slow, ratio, ...}}} as table rows."""
    rows = []
    for metric, pairs in sorted((comparisons or {}).items()) if isinstance(comparisons, dict) else []:
        for pair, c in sorted(pairs.items()):
            fast, _, slow = pair.partition("/")
            rows.append({"metric": metric, "pair": pair, "gamma_fast": c.get(f"gamma_{fast}"),
                         "gamma_slow": c.get(f"gamma_{slow}"), "ratio": c.get("ratio"),
                         "compute_factor_for_10x": c.get("compute_factor_for_10x")})
    return rows


def _rows(items, limit: int = 40) -> tuple[list[str], list[list]]:
    """A table (known columns first, then other scalars) for lists of dicts such as points/excluded."""
    items = [x for x in items if isinstance(x, dict)][:limit]
    seen = {k for x in items for k, v in x.items() if not isinstance(v, (dict, list)) and k != "path"}
    cols = [c for c in POINT_COLUMNS if c in seen] + sorted(seen - set(POINT_COLUMNS))
    cols = cols[:10]
    return cols, [[x.get(c) for c in cols] for x in items]


def _paper_table(mode: str, ours: list[L.Constant], paper: dict) -> list[dict]:
    row = L.paper_row(mode, paper)
    names = [c.name for c in ours] + [k for k in row if k not in {c.name for c in ours}]
    by_name = {c.name: c for c in ours}
    return [{"name": n, "ours": by_name.get(n), "paper": row.get(n)} for n in names]


def _law(name: str, section, kind: str | None = None) -> dict:
    """One law for the template: constants, fit details, or why it was not fitted."""
    names = L.SECTION_CONSTANTS.get(kind or name)
    section = section if isinstance(section, dict) else {}
    details = L.fit_details(section, names or ())
    return {"name": name, "present": bool(section), "fitted": section.get("fitted", bool(section)),
            "reason": details.pop("reason", None), "constants": L.constants(section, names),
            "details": {k: v for k, v in details.items() if k in ("n_points", "n_runs", "r2", "delta",
                                                                  "converged", "objective", "saturation")},
            "ill_determined": section.get("ill_determined") or [],
            "not_identified": [k for k, v in L.identifiable(section).items() if v is False],
            "warnings": L.warnings(section), "extrapolation": L.extrapolation(section)}


def _mode_view(mode: str, body: dict, paper: dict) -> dict:
    laws = {n: _law(n, body.get(n)) for n in L.LAW_SECTIONS}
    downstream = []
    for metric, section in sorted((body.get("downstream") or {}).items()):
        law = _law(metric, section, "downstream")
        law.update(paper_gamma=L.paper_gamma(mode, metric, paper),
                   equation=section.get("equation") if isinstance(section, dict) else None)
        downstream.append(law)
    ours = laws["chinchilla"]["constants"] + laws["data_constrained"]["constants"]
    return {"mode": mode, "laws": laws, "paper": _paper_table(mode, ours, paper),
            "planner": L.planner_examples(body), "downstream": downstream,
            "n_runs": body.get("n_runs")}


def laws_card(laws_dir: str | Path, *, repo_id: str, model_links: list[tuple[str, str]] = (),
              license: str = "apache-2.0", templates: str | Path | None = None):
    """A huggingface_hub ModelCard for the laws repo (the laws are a fitted model of the loss)."""
    from huggingface_hub import ModelCard, ModelCardData

    laws = L.load_laws(laws_dir)
    paper = paper_constants()
    modes = [_mode_view(m, b, paper) for m, b in sorted(laws.get("laws", {}).items()) if isinstance(b, dict)]
    points_cols, points = _rows(laws.get("points") or [])
    excluded_cols, excluded = _rows(laws.get("excluded") or [])
    comparisons = comparison_rows(laws.get("comparisons"))
    data = ModelCardData(license=license, library_name="hf-slm", tags=TAGS)
    body = render(
        "laws_card.md.j2", templates, card_data=data.to_yaml(), repo_id=repo_id, modes=modes,
        plots=L.plot_files(laws_dir), points_cols=points_cols, points=points,
        n_points=len(laws.get("points") or []), excluded_cols=excluded_cols, excluded=excluded,
        comparisons=comparisons,
        settings=laws.get("settings") or {}, versions=laws.get("versions") or {},
        schema_version=laws.get("schema_version"), schema_doc=SCHEMA_DOC,
        present=[k for k in SCHEMA_DOC if k in laws], model_links=list(model_links),
        paper_source=paper.get("cuervo_marxer_2024", {}).get("source", "Cuervo & Marxer 2024"),
    )
    return ModelCard(body)
