"""The figures of the study, drawn from a scaling_laws.json dict alone (so a card or the demo can
redraw them): PNG and SVG each, matplotlib's Agg backend, the papers' own laws as dashed lines."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

from hf_slm.atomic import atomic_path  # noqa: E402
from hf_slm.paper import paper_constants  # noqa: E402
from hf_slm.scaling.compute_optimal import ComputeOptimal, isoflop_curve  # noqa: E402
from hf_slm.scaling.downstream import canonical  # noqa: E402
from hf_slm.scaling.formulas import power_law  # noqa: E402

# each group is its own law with its own colour (speech_unigram is not drawn as speech)
COLORS = {"speech": "tab:blue", "text": "tab:orange", "interleaved": "tab:green", "speech_unigram": "tab:purple"}
# the papers' metric names for the project's (Cuervo & Marxer Table 3)
# (by the row of the paper's Table 3: its speech models were scored on sBLIMP, its text models on BLiMP)
PAPER_METRIC = {"sblimp": {"speech": "sblimp", "text": "blimp"},
                "tsc": {"speech": "topic_cloze", "text": "topic_cloze"},
                "ssc": {"speech": "story_cloze", "text": "story_cloze"}}


def _color(group: str, i: int = 0) -> str:
    return COLORS.get(group, COLORS.get(group.split("_")[0], f"C{i + 3}"))


def _save(fig, out_dir: Path, name: str) -> list[Path]:
    paths = []
    for ext in ("png", "svg"):
        path = out_dir / f"{name}.{ext}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=ext, dpi=120, bbox_inches="tight")
        paths.append(path)
    plt.close(fig)
    return paths


def _co(law: dict) -> ComputeOptimal | None:
    return ComputeOptimal.from_group(law)


def _paper_co(key: str) -> ComputeOptimal:
    c = paper_constants()["cuervo_marxer_2024"]["table4_scaling_law"][key]
    return ComputeOptimal.from_constants(c["E"], c["A"], c["B"], c["alpha"], c["beta"])


def _flops_range(laws: dict) -> np.ndarray:
    f = [p["flops"] for p in laws.get("points", [])]
    for g in laws["laws"].values():
        env = g.get("envelope", {})
        if env.get("fitted"):
            f += env["points"]["flops"]
    lo, hi = (min(f), max(f)) if f else (1e15, 1e21)
    return np.logspace(np.log10(lo) - 0.3, np.log10(hi) + 0.3, 200)


def loss_vs_flops(laws: dict, out_dir: Path, reference: bool = True) -> list[Path]:
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    c = _flops_range(laws)
    for i, (group, law) in enumerate(sorted(laws["laws"].items())):
        col = _color(group, i)
        pts = [p for p in laws.get("points", []) if p["group"] == group and p.get("loss") is not None]
        ax.scatter([p["flops"] for p in pts], [p["loss"] for p in pts], s=14, color=col, alpha=0.5,
                   label=f"{group} runs (final)")
        env = law.get("envelope", {})
        if env.get("fitted"):
            ax.plot(env["points"]["flops"], env["points"]["loss"], "o", ms=3, color=col, mfc="none")
            ax.plot(c, power_law(c, env["k"], env["gamma"]), "-", color=col,
                    label=f"{group} envelope: L = {env['k']:.3g}·C^{env['gamma']:.3f}")
        co = _co(law)
        if co is not None:
            ax.plot(c, co.loss(c), ":", color=col, label=f"{group} Chinchilla, compute-optimal")
    if reference:
        ax.plot(c, _paper_co("speech").loss(c), "--", color="gray", lw=1, label="Cuervo & Marxer speech law")
    ax.set(xscale="log", yscale="log", xlabel="training FLOPs (6ND)", ylabel="test loss",
           title="Loss vs compute")
    ax.legend(fontsize=7)
    return _save(fig, out_dir, "loss_vs_flops")


def downstream_vs_flops(laws: dict, out_dir: Path, reference: bool = True) -> list[Path]:
    groups = [g for g, law in sorted(laws["laws"].items()) if law.get("downstream")]
    if not groups:
        return []
    order = sorted(groups, key=lambda g: (["speech", "text", "interleaved"].index(g.split("_")[0])
                                          if g.split("_")[0] in COLORS else 9, g))
    fig, axes = plt.subplots(1, len(order), figsize=(5.2 * len(order), 4.2), squeeze=False, sharey=True)
    c = _flops_range(laws)
    table3 = paper_constants()["cuervo_marxer_2024"]["table3_downstream_gamma"]
    for ax, group in zip(axes[0], order):
        metrics = sorted(laws["laws"][group]["downstream"].items())
        for j, (metric, res) in enumerate(metrics):
            col = f"C{j}" if len(metrics) <= 10 else plt.cm.tab20(j % 20)  # the cycle repeats after 10
            env = res.get("envelope", {})
            ax.plot(env.get("flops", []), env.get("value", []), "o", ms=4, color=col, label=f"{metric} envelope")
            if res.get("fitted"):
                ax.plot(c, power_law(c, res["k"], res["gamma"]), "-", color=col,
                        label=f"{metric}: γ = {res['gamma']:.3f}")
                row = group.split("_")[0]
                paper_key = PAPER_METRIC.get(canonical(metric), {}).get(row)
                if reference and paper_key and row in table3:
                    g_paper = table3[row].get(paper_key)
                    if g_paper:  # the paper's slope through the middle of our fit
                        x0 = np.sqrt(res["x_min"] * res["x_max"])
                        y0 = power_law(x0, res["k"], res["gamma"])
                        ax.plot(c, y0 * (c / x0) ** g_paper, "--", color=col, lw=0.8,
                                label=f"paper γ = {g_paper}")
        ax.set(xscale="log", yscale="log", xlabel="training FLOPs (6ND)", title=group)
        # a group spanning less than a decade gets labelled minor ticks, which run into each other
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("score (accuracy)")
    return _save(fig, out_dir, "downstream_vs_flops")


def metric_vs_loss(laws: dict, out_dir: Path) -> list[Path]:
    items = [(g, m, r["vs_loss"]) for g, law in sorted(laws["laws"].items())
             for m, r in sorted(law.get("downstream", {}).items()) if r.get("vs_loss", {}).get("fitted")]
    if not items:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for i, (group, metric, v) in enumerate(items):
        col = f"C{i}"
        x = np.asarray(v["loss"])
        ax.scatter(x, v["value"], s=14, color=col)
        xs = np.linspace(x.min(), x.max(), 50)
        ax.plot(xs, v["slope"] * xs + v["intercept"], color=col,
                label=f"{group} {metric}: r = {v['pearson_r']:.3f}")
    ax.set(xlabel="test loss", ylabel="score", title="Downstream score vs test loss")
    ax.legend(fontsize=7)
    return _save(fig, out_dir, "metric_vs_loss")


def isoflops(laws: dict, out_dir: Path) -> list[Path]:
    fitted = [(g, _co(law)) for g, law in sorted(laws["laws"].items()) if _co(law) is not None]
    if not fitted:
        return []
    fig, axes = plt.subplots(1, len(fitted), figsize=(5.2 * len(fitted), 4.2), squeeze=False)
    budgets = np.logspace(np.log10(_flops_range(laws)[0]), np.log10(_flops_range(laws)[-1]), 5)
    for ax, (group, co) in zip(axes[0], fitted):
        for j, cb in enumerate(budgets):
            n_opt = co.n_opt(cb)
            n = np.logspace(np.log10(n_opt) - 1.5, np.log10(n_opt) + 1.5, 100)
            ax.plot(n, isoflop_curve(co, cb, n), color=f"C{j}", label=f"C = {cb:.1e}")
            ax.plot([n_opt], [co.loss(cb)], "k*", ms=6)
        ax.set(xscale="log", xlabel="parameters N (non-embedding)", ylabel="predicted loss",
               title=f"{group}: isoFLOP curves (★ N_opt)")
        ax.legend(fontsize=7)
    return _save(fig, out_dir, "isoflops")


def optimal_allocation(laws: dict, out_dir: Path, reference: bool = True) -> list[Path]:
    fitted = [(g, _co(law)) for g, law in sorted(laws["laws"].items()) if _co(law) is not None]
    if not fitted:
        return []
    c = np.logspace(16, 24, 100)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10.4, 4.2))
    for i, (group, co) in enumerate(fitted):
        col = _color(group, i)
        a1.plot(c, co.n_opt(c), color=col, label=f"{group}: N_opt ∝ C^{co.a:.3f}")
        a2.plot(c, co.d_opt(c), color=col, label=f"{group}: D_opt ∝ C^{co.b:.3f}")
    if reference:
        p = _paper_co("speech")
        a1.plot(c, p.n_opt(c), "--", color="gray", lw=1, label="Cuervo & Marxer speech")
        a2.plot(c, p.d_opt(c), "--", color="gray", lw=1, label="Cuervo & Marxer speech")
    a1.set(xscale="log", yscale="log", xlabel="FLOPs C", ylabel="N_opt", title="Compute-optimal parameters")
    a2.set(xscale="log", yscale="log", xlabel="FLOPs C", ylabel="D_opt (tokens)", title="Compute-optimal tokens")
    a1.legend(fontsize=7)
    a2.legend(fontsize=7)
    return _save(fig, out_dir, "optimal_allocation")


def tokenizations(laws: dict, out_dir: Path, reference: bool = True) -> list[Path]:
    """Compute-optimal loss of each speech tokenization (group "speech", "speech_<tok>", ...)."""
    fitted = [(g, _co(law)) for g, law in sorted(laws["laws"].items())
              if g.startswith("speech") and _co(law) is not None]
    if not fitted:
        return []
    c = np.logspace(16, 24, 100)
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for i, (group, co) in enumerate(fitted):
        ax.plot(c, co.loss(c), color=f"C{i}", label=f"{group} (fit)")
    if reference:
        for key, ls in (("speech", "--"), ("speech_unigram", ":")):
            ax.plot(c, _paper_co(key).loss(c), ls, color="gray", lw=1, label=f"paper {key}")
    ax.set(xscale="log", yscale="log", xlabel="FLOPs C", ylabel="compute-optimal loss",
           title="Tokenizations compared (loss per token differs by tokenizer)")
    ax.legend(fontsize=7)
    return _save(fig, out_dir, "tokenizations")


def write_plots(laws: dict, out_dir, reference: bool = True) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = loss_vs_flops(laws, out_dir, reference)
    paths += downstream_vs_flops(laws, out_dir, reference)
    paths += metric_vs_loss(laws, out_dir)
    paths += isoflops(laws, out_dir)
    paths += optimal_allocation(laws, out_dir, reference)
    paths += tokenizations(laws, out_dir, reference)
    return paths
