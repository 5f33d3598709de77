"""`hf-slm fit --table`: published or external results as CSV, fitted by the same fit as `--runs`."""

import csv
import json

import numpy as np
import pytest

from hf_slm.cli.main import main
from hf_slm.runrecord import RunRecord
from hf_slm.scaling import load_laws
from hf_slm.scaling.design import Grid, paper_prior, simulate_losses
from hf_slm.scaling.table import read_table

SBLIMP = (0.35, 0.021)  # Q = k C^γ with the paper's speech γ, above chance (0.5) on these grids


def _write(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _simulated(grid, seed, scores=True):
    """Rows (run, n_params, tokens, loss[, sblimp]) from the paper's speech law with 1% noise."""
    loss = simulate_losses(grid, paper_prior(), 0.01, 1, seed)[0]
    rng = np.random.default_rng(seed + 1)
    rows = []
    for i, (n, d, lo) in enumerate(zip(grid.n, grid.d, loss)):
        row = [f"r{i:02d}", str(round(n)), str(round(d)), repr(float(lo))]  # whole parameters and tokens
        if scores:
            row.append(repr(float(SBLIMP[0] * (6 * n * d) ** SBLIMP[1] + 0.002 * rng.standard_normal())))
        rows.append(row)
    return ["run", "n_params", "tokens", "loss", *(["sblimp"] if scores else [])], rows


def test_rows_become_run_records(tmp_path):
    p = _write(tmp_path / "t.csv", ["n_params", "tokens", "unique_tokens", "loss", "flops", "group", "ssc", "run"],
               [["1e6", "2e7", "", "3.1", "", "speech", "0.55", "a"],
                ["2e6", "8e7", "2e7", "", "1.5e15", "unigram", "", ""],
                ["3e6", "6e7", "", "2.9", "", "text_bpe", "0.6", "c"]])
    a, b, c = read_table(p)
    assert (a.name, a.mode, a.n_params, a.tokens_seen, a.final_test_loss) == ("a", "speech", 1_000_000, 20_000_000, 3.1)
    assert a.flops_6nd == pytest.approx(6 * 1e6 * 2e7) and a.epochs == 1.0 and a.status == "completed"
    assert a.scores == {"ssc": {"value": 0.55}}
    assert b.name == "row2" and b.final_test_loss is None and b.scores == {} and b.flops_6nd == 1.5e15
    assert (b.mode, b.recipe) == ("speech", {"tokenization": "unigram"}) and b.epochs == pytest.approx(4.0)
    assert b.unique_tokens == 20_000_000
    assert (c.mode, c.recipe) == ("text", {"tokenization": "bpe"})


def test_score_intervals_are_read_and_checked(tmp_path, capsys):
    p = _write(tmp_path / "t.csv", ["n_params", "tokens", "sblimp", "sblimp_low", "sblimp_high"],
               [["1e6", "2e7", "0.55", "0.48", "0.62"], ["2e6", "4e7", "0.6", "", ""]])
    a, b = read_table(p)
    assert a.scores == {"sblimp": {"value": 0.55, "ci_low": 0.48, "ci_high": 0.62}}
    assert b.scores == {"sblimp": {"value": 0.6}}
    for row, word in ((["1e6", "2e7", "0.55", "0.56", "0.62"], "contain"), (["1e6", "2e7", "0.55", "0.5", ""], "both"),
                      (["1e6", "2e7", "0.55", "48", "62"], "percent")):
        p = _write(tmp_path / "t.csv", ["n_params", "tokens", "sblimp", "sblimp_low", "sblimp_high"], [row])
        rc, _, err = _fit(["--table", str(p), "--out", str(tmp_path / "o")], capsys)
        assert rc == 2 and "sblimp_" in err and word in err, err


def _fit(argv, capsys):
    rc = main(["fit", *argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


@pytest.mark.parametrize("header, row, column", [
    (["n_params", "tokens", "loss", "sblimp"], ["1e6", "2e7", "3.0", "61.3"], "sblimp"),
    (["n_params", "tokens", "ssc"], ["1e6", "2e7", "-0.2"], "ssc"),
    (["n_params", "tokens", "loss", "blimpp"], ["1e6", "2e7", "3.0", "0.6"], "blimpp"),
    (["tokens", "loss"], ["2e7", "3.0"], "n_params"),
    (["n_params", "tokens", "loss"], ["0", "2e7", "3.0"], "n_params"),
    (["n_params", "tokens", "loss"], ["1e6", "two", "3.0"], "tokens"),
    (["n_params", "tokens", "unique_tokens", "loss"], ["1e6", "2e7", "3e7", "3.0"], "unique_tokens"),
    (["n_params", "tokens", "loss", "group"], ["1e6", "2e7", "3.0", "music"], "group"),
])
def test_bad_table_is_one_line_exit_2_naming_the_column(tmp_path, capsys, header, row, column):
    good = ["1e6", "4e7", "2.9"] + ["0.5"] * (len(header) - 3)
    p = _write(tmp_path / "t.csv", header, [row, good[:len(header)]])
    out = tmp_path / "laws"
    rc, _, err = _fit(["--table", str(p), "--out", str(out), "--bootstrap", "0"], capsys)
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and f"--table column {column!r}" in lines[0], err
    assert not out.exists()


def test_percent_scores_say_so(tmp_path, capsys):
    p = _write(tmp_path / "t.csv", ["n_params", "tokens", "tsc"], [["1e6", "2e7", "0.7"], ["2e6", "4e7", "78.0"]])
    rc, _, err = _fit(["--table", str(p), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "'tsc'" in err and "percent" in err and "0.78" in err


def test_table_and_runs_give_the_same_laws_and_plots(tmp_path, capsys):
    grid = Grid.ratios(np.geomspace(3e4, 3e6, 4), np.geomspace(1, 100, 4))
    header, rows = _simulated(grid, seed=5)
    table = _write(tmp_path / "t.csv", header, rows)
    runs = tmp_path / "runs"
    for name, n, d, loss, q in rows:
        RunRecord(name=name, scale="", mode="speech", status="completed", n_params=int(n), tokens_seen=int(d),
                  flops_6nd=6.0 * int(n) * int(d), final_test_loss=float(loss),
                  scores={"sblimp": {"value": float(q)}}).save(runs / name)
    common = ["--bootstrap", "20", "--seed", "2"]
    assert _fit(["--table", str(table), "--out", str(tmp_path / "a"), *common], capsys)[0] == 0
    assert _fit(["--runs", str(runs), "--out", str(tmp_path / "b"), *common], capsys)[0] == 0
    a, b = (load_laws(tmp_path / x) for x in "ab")
    assert a["laws"] == b["laws"]
    assert a["laws"]["speech"]["chinchilla"]["fitted"] and a["laws"]["speech"]["downstream"]["sblimp"]["fitted"]
    assert [p["run"] for p in a["points"]] == [r[0] for r in rows]
    plots_a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert plots_a == sorted(p.name for p in (tmp_path / "b").iterdir()) and any(n.endswith(".png") for n in plots_a)


def test_downstream_only_table_fits(tmp_path, capsys):
    """No loss column: the downstream laws still fit (needs h3-stats' fit_runs change, request 1)."""
    grid = Grid.ratios(np.geomspace(1e5, 1e8, 6), [20.0])
    flops = 6 * grid.n * grid.d
    rows = [[f"m{i}", repr(float(n)), repr(float(d)), repr(float(SBLIMP[0] * c ** SBLIMP[1]))]
            for i, (n, d, c) in enumerate(zip(grid.n, grid.d, flops))]
    p = _write(tmp_path / "t.csv", ["run", "n_params", "tokens", "sblimp"], rows)
    rc, out, err = _fit(["--table", str(p), "--out", str(tmp_path / "o"), "--bootstrap", "0", "--no-plots"], capsys)
    assert rc == 0, err
    g = load_laws(tmp_path / "o")["laws"]["speech"]
    assert not g["chinchilla"]["fitted"]
    assert g["downstream"]["sblimp"]["fitted"]
    assert g["downstream"]["sblimp"]["gamma"] == pytest.approx(SBLIMP[1], rel=1e-6)


# --- acceptance of issue 14 item 5 (reads h3-stats' identifiable / warnings / extrapolation keys) ----------------

def _fit_simulated(tmp_path, capsys, grid, seed, bootstrap):
    header, rows = _simulated(grid, seed, scores=False)
    p = _write(tmp_path / "sim.csv", header, rows)
    rc, out, err = _fit(["--table", str(p), "--out", str(tmp_path / "laws"), "--bootstrap", str(bootstrap),
                         "--no-plots"], capsys)
    assert rc == 0, err
    return json.loads((tmp_path / "laws" / "scaling_laws.json").read_text())["laws"]["speech"]["chinchilla"], out


def test_tiny_demo_design_reports_E_unidentified_with_a_real_interval(tmp_path, capsys):
    tiny = Grid.product([55536, 238640, 996624], [100_000, 200_000, 400_000])  # hf_slm/demo/presets.py "tiny"
    ch, out = _fit_simulated(tmp_path, capsys, tiny, seed=0, bootstrap=200)
    assert ch["identifiable"]["E"] is False
    lo, hi = ch["intervals"]["E"]["low"], ch["intervals"]["E"]["high"]
    assert hi is None or hi > lo * (1 + 1e-6), (lo, hi)  # not the collapsed [6.87e-33, 6.87e-33]
    assert ch["warnings"] and any("E" in w for w in ch["warnings"])
    assert "warning" in out


def test_wide_design_identifies_E_and_extrapolates_within_5_percent(tmp_path, capsys):
    wide = Grid.ratios(np.geomspace(3e4, 3e6, 7), np.geomspace(0.5, 100, 7))
    ch, out = _fit_simulated(tmp_path, capsys, wide, seed=0, bootstrap=100)
    assert ch["identifiable"]["E"] is True
    assert ch["extrapolation"]["max_abs_rel_error"] < 0.05
    assert "extrapolation check" in out


def test_runs_and_table_are_one_or_the_other(tmp_path, capsys):
    p = _write(tmp_path / "t.csv", ["n_params", "tokens", "loss"], [["1e6", "2e7", "3.0"]])
    with pytest.raises(SystemExit) as e:
        main(["fit", "--runs", str(tmp_path), "--table", str(p), "--out", str(tmp_path / "o")])
    assert e.value.code == 2 and "not allowed" in capsys.readouterr().err
    rc, _, err = _fit(["--table", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")], capsys)
    assert rc == 2 and "--table" in err and not (tmp_path / "o").exists()
