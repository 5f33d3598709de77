"""The demo's report: DIR/report.md and DIR/report.html from the run records and scaling_laws.json.

Every number comes from an artifact the demo wrote (run.json, scaling_laws.json, meta.json,
demo_state.json); nothing here computes a result of its own except the planner's answers,
which come from hf_slm.scaling's planner on the fitted laws.
"""

from __future__ import annotations

import math
import platform
from pathlib import Path

from hf_slm.atomic import read_json, write_text
from hf_slm.paper import paper_constants
from hf_slm.provenance import hardware, package_versions
from hf_slm.runrecord import RunRecord, find_runs

from hf_slm.tasks import TASKS
from hf_slm.units.benchmark import REMOVAL_COUNTS
FIGURES = ("loss_vs_flops", "downstream_vs_flops", "metric_vs_loss", "isoflops", "optimal_allocation")
PLAN_BUDGETS = (1e15, 1e18, 1e21)


def _fmt_score(entry: dict | None) -> str:
    if not entry or entry.get("value") is None:
        return "–"
    lo, hi = entry.get("ci_low"), entry.get("ci_high")
    ci = f" [{lo:.2f}, {hi:.2f}]" if lo is not None and hi is not None else ""
    return f"{entry['value']:.3f}{ci}"


def _fmt_const(law: dict, name: str) -> str:
    """A fitted constant with its interval, or "not identified" (the estimate in brackets) when the
    fit's diagnostics say the runs do not pin it down: such a number is not a result."""
    from hf_slm.hub import laws as L

    v = law.get(name)
    if v is None:
        return "–"
    iv = (law.get("intervals") or {}).get(name) or {}
    ci = f" [{iv['low']:.3g}, {iv['high']:.3g}]" if iv.get("low") is not None and iv.get("high") is not None else ""
    if L.identifiable(law).get(name) is False:
        return f"not identified (fit: {v:.3g}{ci})"
    return f"{v:.4g}{ci}"


def _mark(reproduced: bool) -> str:
    return "✓" if reproduced else "✗"


def _num(x) -> str:
    return f"{x:.3g}" if isinstance(x, (int, float)) and not isinstance(x, bool) else str(x)


def _iv_of(v: dict, key: str) -> str:
    """_iv of a figure stored under `key` with its interval beside it (ratios, differences, r)."""
    return _iv({"value": v[key], "ci_low": v["ci_low"], "ci_high": v["ci_high"]})


def _iv(e: dict, key: str = "value") -> str:
    if not e or e.get(key) is None:
        return "–"
    if e.get("ci_low") is None:
        return _num(e[key])
    return f"{e[key]:.3f} [{e['ci_low']:.3f}, {e['ci_high']:.3f}]"


def finding_evidence(key: str, f: dict) -> str:
    """One line of the numbers behind a finding (the full evidence is in findings.json)."""
    ev = f.get("evidence") or {}
    if key == "loss_law_identified":
        ident = ev.get("identifiable") or {}
        return ", ".join(f"{k} {'✓' if v else '✗'}" for k, v in ident.items()) or "–"
    if key == "loss_law_extrapolates":
        err = ev.get("max_abs_rel_error")
        return "–" if err is None else f"max abs. rel. error {err:.2%} on {len(ev.get('held_out') or [])} held-out runs"
    if key == "benchmarks_unbiased":
        return "; ".join(f"{t}: length {_iv(v.get('length'))}, unigram {_iv(v.get('unigram'))}"
                         + (f" (unit-bigram baseline {_iv(v['bigram'])})" if v.get("bigram") else "") + ", "
                         f"{v.get('identical_units_removed', 0)} identical, {v.get('length_balance_removed', 0)} for length, "
                         f"{v.get('unigram_balance_removed', 0)} for unigram, {v.get('word_balance_removed', 0)} for "
                         f"word-frequency and {v.get('bigram_balance_removed', 0)} for unit-bigram balance removed"
                         + "".join(f"; {g} removed whole ({why.replace('_', ' ')})"
                                   for g, why in (v.get('groups_removed') or {}).items())
                         for t, v in ev.items())
    if key == "speech_above_chance":
        beside = ev.get("sblimp_beside_bigram_baseline") or {}
        above = sum(v["model"] > v["baseline"] for v in beside.values())
        return ", ".join(f"{t} {_iv(ev[t])}" for t in ("sblimp", "swuggy") if ev.get(t)) + \
            (f" ({ev['run']})" if ev.get("run") else "") + \
            (f"; above the unit-bigram baseline on {above} of {len(beside)} phenomena" if beside else "")
    if key == "downstream_tracks_loss":
        return ", ".join(f"{m}: r {_iv_of(v, 'pearson_r')}"
                         for m, v in (ev.get("metrics") or {}).items() if v.get("ci_low") is not None) or "–"
    if key == "text_scales_faster":
        text = ", ".join(f"{m}: {_iv_of(v, 'ratio')}" for m, v in (ev.get("ratios") or {}).items()) \
            or "no metric fitted in both"
        left = ", ".join(f"{m} {_iv_of(v, 'ratio')}" for m, v in (ev.get("left_out") or {}).items())
        nulls = "; ".join(f"{t} " + ", ".join(f"{s} {_iv(e)}" for s, e in es.items())
                          for t, es in (ev.get("text_null") or {}).items())
        return text + (f" (left out, not a C&M Table 3 metric: {left})" if left else "") + \
            (f"; text null scorers: {nulls}" if nulls else "")
    if key == "interleaved_beats_textless":
        return ", ".join(f"{t}: {_iv_of(v, 'difference')}"
                         for t, v in (ev.get("per_task") or {}).items()) or "–"
    return "–"


def findings_rows(found: dict) -> list[dict]:
    return [{"key": k, "mark": _mark(f["reproduced"]), "evidence": finding_evidence(k, f), "note": f["note"]}
            for k, f in found.items()]


def law_diagnostics(laws: dict) -> list[dict]:
    """Per loss law: its warnings and its extrapolation check (hf_slm.scaling's diagnostics)."""
    from hf_slm.hub import laws as L

    rows = []
    for group, g in laws.get("laws", {}).items():
        c = g.get("chinchilla", {})
        if not c.get("fitted"):
            continue
        ex = L.extrapolation(c)
        parts = [] if ex is None else [f"extrapolation check: refit without {', '.join(ex.get('held_out') or [])}, "
                                       f"max abs. rel. error {ex['max_abs_rel_error']:.2%}"]
        parts += [w.rstrip(".") for w in L.warnings(c)]
        rows.append({"group": group, "text": ". ".join(parts) + "." if parts else "no warnings."})
    return rows


def run_rows(runs_dir: Path) -> list[dict]:
    rows = []
    for d in find_runs(runs_dir):
        r = RunRecord.load(d)
        rows.append({"mode": r.mode, "name": r.name, "n": f"{r.n_params:,}", "d": f"{r.tokens_seen:,}",
                     "epochs": f"{r.epochs:.2f}", "flops": f"{r.flops_6nd:.2e}",
                     "loss": "–" if r.final_test_loss is None else f"{r.final_test_loss:.4f}",
                     "wall": f"{r.wall_time_s:.0f}", **{t: _fmt_score(r.scores.get(t)) for t in TASKS}})
    return sorted(rows, key=lambda x: (x["mode"], x["name"]))


def constants_rows(laws: dict) -> list[dict]:
    """Our Chinchilla constants per mode beside the paper's Table 4."""
    paper = paper_constants()["cuervo_marxer_2024"]["table4_scaling_law"]
    rows = []
    for group, g in laws.get("laws", {}).items():
        c = g.get("chinchilla", {})
        if c.get("fitted"):
            rows.append({"source": f"ours: {group}", **{k: _fmt_const(c, k) for k in ("E", "A", "B", "alpha", "beta")}})
        else:
            rows.append({"source": f"ours: {group}", "E": f"not fitted: {c.get('reason', '?')}",
                         "A": "", "B": "", "alpha": "", "beta": ""})
    for key in ("speech", "text_muennighoff", "speech_unigram"):
        p = paper[key]
        rows.append({"source": f"paper: {key}", **{k: f"{p[k]:g}" for k in ("E", "A", "B", "alpha", "beta")}})
    return rows


def gamma_rows(laws: dict) -> list[dict]:
    """γ of each metric per mode (ours) beside the paper's Table 3, and the text/speech ratio."""
    paper = paper_constants()["cuervo_marxer_2024"]["table3_downstream_gamma"]
    paper_names = {"sblimp": ("sblimp", "blimp"), "ssc": ("story_cloze", "story_cloze"),
                   "tsc": ("topic_cloze", "topic_cloze")}
    rows = []
    groups = laws.get("laws", {})
    for metric in TASKS:
        ours = {}
        for group in ("speech", "text", "interleaved"):
            res = groups.get(group, {}).get("downstream", {}).get(metric)
            if res and res.get("fitted"):
                iv = (res.get("intervals") or {}).get("gamma") or {}
                ci = f" [{iv['low']:.3f}, {iv['high']:.3f}]" if iv.get("low") is not None else ""
                ours[group] = f"{res['gamma']:.4f}{ci}"
            elif res:
                # at chance: a power law through guesses says nothing (the fit refuses it)
                ours[group] = "not fitted (scores at chance)" if res.get("envelope_at_chance") else "not fitted"
        if not ours:
            continue
        ratio = (laws.get("comparisons", {}).get(metric, {}) or {}).get("text/speech", {}).get("ratio")
        sp, tx = paper_names.get(metric, (None, None))
        rows.append({"metric": metric, "speech": ours.get("speech", "–"), "text": ours.get("text", "–"),
                     "interleaved": ours.get("interleaved", "–"),
                     "ratio": "–" if ratio is None else f"{ratio:.2f}",
                     "paper_speech": paper["speech"].get(sp, "–") if sp else "–",
                     "paper_text": paper["text"].get(tx, "–") if tx else "–"})
    return rows


def planner_lines(laws: dict) -> list[str]:
    from hf_slm.errors import ConfigError
    from hf_slm.scaling import plan_budget

    lines = []
    for flops in PLAN_BUDGETS:
        try:
            plan = plan_budget(laws, flops, mode="speech")
        except ConfigError as e:
            return [f"planner unavailable: {e}"]
        if "n_opt" not in plan:
            return [plan.get("note", "no compute-optimal law")]
        near = plan["nearest_scale"]
        preds = ", ".join(f"{m} {p['value']:.3f}" for m, p in plan.get("predictions", {}).items())
        lines.append(f"C = {flops:.0e} FLOPs → N_opt = {plan['n_opt']:.3g}, D_opt = {plan['d_opt']:.3g}, "
                     f"predicted loss {plan['predicted_loss']:.3f}; nearest scale {near['name']} "
                     f"({near['n_params']:,} params); {plan['gpu_hours_6nd']:.3g} GPU-hours at "
                     f"{plan['mfu']:.0%} MFU of {plan['peak_tflops']:.0f} TFLOP/s" + (f"; {preds}" if preds else ""))
    return lines


def write_report(out: Path, paths: dict, preset, state: dict) -> list[Path]:
    import markdown

    from hf_slm.hub.templates import render

    laws = read_json(paths["laws"] / "scaling_laws.json")
    found_path = out / "findings.json"
    found = read_json(found_path)["findings"] if found_path.exists() else {}
    figures = [f for f in FIGURES if (paths["laws"] / f"{f}.png").exists()]
    units_meta = read_json(paths["units"] / "meta.json")
    stages = {k: v.get("seconds", 0.0) for k, v in state.get("stages", {}).items()}
    bench_stage = state.get("stages", {}).get("benchmarks", {})
    context = {
        "preset": preset, "stages": stages,
        "text_info": state.get("stages", {}).get("text", {}), "total_seconds": sum(stages.values()),
        "machine": {**hardware(), "processor": platform.processor() or platform.machine()},
        "versions": package_versions(), "units_meta": units_meta,
        "runs": run_rows(paths["runs"]), "constants": constants_rows(laws), "gammas": gamma_rows(laws),
        "planner": planner_lines(laws), "figures": [f"laws/{f}.png" for f in figures],
        "excluded": laws.get("excluded", []), "laws": laws, "math": math,
        "findings": findings_rows(found), "diagnostics": law_diagnostics(laws),
        "removed": {key: bench_stage.get(key, {}) for key in REMOVAL_COUNTS},
    }
    md = render("demo_report.md.j2", **context)
    md_path, html_path = out / "report.md", out / "report.html"
    write_text(md_path, md)
    body = markdown.markdown(md, extensions=["tables"])
    write_text(html_path, f"<!doctype html><html><head><meta charset='utf-8'><title>hf-slm demo report</title>"
                          f"<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}table{{border-collapse:"
                          f"collapse}}td,th{{border:1px solid #ccc;padding:2px 6px}}img{{max-width:100%}}</style>"
                          f"</head><body>{body}</body></html>\n")
    return [md_path, html_path]
