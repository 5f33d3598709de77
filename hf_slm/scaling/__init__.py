"""Scaling-law analysis: fits, confidence intervals, compute-optimal plans and the papers' figures.

Public API (what the CLI, the hub cards and the demo call):
- fit_runs(runs, delta=DELTA_CUERVO_MARXER, bootstrap=0, ...) -> dict   every law the runs support
- chinchilla_loss, compute_optimal_split, effective, power_law      the equations (formulas.py, one home each)
- DELTA_CUERVO_MARXER (0.03), DELTA_HOFFMANN (1e-3)                 the two Huber δ conventions
- profile_identifiability, extrapolation_check, chinchilla_section  diagnostics of a fit (issue 14)
- load_laws(path) -> dict, write_laws(path, laws) -> Path         scaling_laws.json (schema in laws_file)
- fit_chinchilla / fit_chinchilla_likelihood / fit_chinchilla_lsq  the Chinchilla fits
- ComputeOptimal, fit_decay, data_constrained_loss                 allocation, data-constrained law
- fit_envelope, fit_downstream, fit_power_law                      envelopes and power laws
- bootstrap_chinchilla                                              batched bootstrap
- plan_target, plan_budget                                          the planner
- write_plots(laws, out_dir) -> list[Path]                          the figures (PNG and SVG)
"""

from hf_slm.scaling.bootstrap import bootstrap_chinchilla
from hf_slm.scaling.chinchilla_section import chinchilla_section
from hf_slm.scaling.diagnostics import profile_identifiability
from hf_slm.scaling.extrapolation import extrapolation_check
from hf_slm.scaling.chinchilla import (ChinchillaFit, default_grid, fit_chinchilla, fit_chinchilla_likelihood,
                                       fit_chinchilla_lsq, huber_objective)
from hf_slm.scaling.compute_optimal import ComputeOptimal, isoflop_curve
from hf_slm.scaling.data_constrained import Constants, data_constrained_loss, fit_decay
from hf_slm.scaling.downstream import efficiency_ratio, fit_downstream
from hf_slm.scaling.envelope import fit_envelope
from hf_slm.scaling.fit_runs import fit_runs
from hf_slm.scaling.formulas import (chinchilla_loss, chinchilla_terms, compute_optimal_split, effective, power_law,
                                     power_law_inverse)
from hf_slm.scaling.huber import DELTA_CUERVO_MARXER, DELTA_HOFFMANN
from hf_slm.scaling.laws_file import LAWS_FILE, load_laws, write_laws
from hf_slm.scaling.plan import plan_budget, plan_target
from hf_slm.scaling.powerlaw import PowerLaw, fit_power_law


def write_plots(laws, out_dir, **kwargs):
    """Every figure the laws support, PNG and SVG (matplotlib is imported only here)."""
    from hf_slm.scaling.plots import write_plots as _write

    return _write(laws, out_dir, **kwargs)


__all__ = ["bootstrap_chinchilla", "ChinchillaFit", "chinchilla_loss", "default_grid", "fit_chinchilla",
           "fit_chinchilla_likelihood", "fit_chinchilla_lsq", "huber_objective", "ComputeOptimal",
           "isoflop_curve", "Constants", "data_constrained_loss", "fit_decay", "efficiency_ratio",
           "fit_downstream", "fit_envelope", "fit_runs", "LAWS_FILE", "load_laws", "write_laws", "plan_budget",
           "plan_target", "PowerLaw", "fit_power_law", "write_plots", "chinchilla_terms", "compute_optimal_split",
           "effective", "power_law", "power_law_inverse", "DELTA_CUERVO_MARXER", "DELTA_HOFFMANN",
           "chinchilla_section", "profile_identifiability", "extrapolation_check"]
