"""The laws card shows what the fit identifies, its warnings and its extrapolation check beside the numbers."""

from hf_slm.hub import laws as L
from hf_slm.scaling import fit_runs, write_laws
from tests.helpers.scaling_designs import SEED1_INTERLEAVED, records, simulate, tiny_design


def test_laws_card_flags_unidentified_constants_and_shows_the_extrapolation_check(tmp_path):
    from hf_slm.hub.laws_card import laws_card

    n, d = tiny_design()
    laws = fit_runs(records(n, d, simulate(n, d, seed=1)), bootstrap=20)
    write_laws(tmp_path, laws)
    chin = laws["laws"]["speech"]["chinchilla"]
    assert L.identifiable(chin)["E"] is False and L.warnings(chin) == chin["warnings"]
    assert L.extrapolation(chin)["max_abs_rel_error"] == chin["extrapolation"]["max_abs_rel_error"]
    e = next(c for c in L.constants(chin, L.SECTION_CONSTANTS["chinchilla"]) if c.name == "E")
    assert e.identifiable is False
    text = str(laws_card(tmp_path, repo_id="acme/laws"))
    row = next(line for line in text.splitlines() if line.startswith("| E |"))
    assert "(**not identified**)" in row
    assert "Warnings (chinchilla):" in text and "- E is not identified" in text
    assert "Extrapolation check (chinchilla): refitted without its 2 largest-compute points" in text
    assert "refuses them" in text  # the planner's refusal is explained


# seed 1 of the tiny demo's 6 interleaved runs: two budgets, and the fit sends β to 237 and B to inf on
# an AVX2 CPU (and on some AVX-512 ones), which scaling_laws.json writes as null; the plots once crashed
# on it (float(None)). On another AVX-512 CPU the same fit stops at B = 2.8e157, β = 34, so the test sets
# B = inf itself: the path under test is the one for a non-finite constant, whichever machine runs it


def test_a_law_with_an_infinite_constant_is_written_plotted_and_carded_without_a_curve(tmp_path):
    import json

    from hf_slm.hub.laws_card import laws_card
    from hf_slm.scaling import write_plots
    from hf_slm.scaling.compute_optimal import ComputeOptimal

    from hf_slm.scaling.fit_runs import LEVEL, _compute_optimal

    n, d, loss = SEED1_INTERLEAVED
    laws = fit_runs(records(n, d, loss, mode="interleaved"), bootstrap=20)
    fitted = laws["laws"]["interleaved"]
    B = fitted["chinchilla"]["B"]  # None where the fit's B overflowed (non-finite constants are null)
    assert B is None or B > 1e100
    fitted["chinchilla"]["B"] = float("inf")
    fitted["compute_optimal"] = _compute_optimal(fitted["chinchilla"], LEVEL)
    write_laws(tmp_path, laws)
    group = json.loads((tmp_path / "scaling_laws.json").read_text())["laws"]["interleaved"]
    assert group["chinchilla"]["fitted"] and group["chinchilla"]["B"] is None  # inf, written as null
    ident = L.identifiable(group["chinchilla"])
    assert not ident["B"] and not ident["beta"] and not ident["E"]  # two budgets cannot identify the data term
    assert ComputeOptimal.from_group(group) is None  # no compute-optimal curve from a non-finite law
    assert group["compute_optimal"] == {"fitted": False,
                                        "reason": "the fitted law has a constant that is not finite (B)"}
    assert ComputeOptimal.from_group({"chinchilla": {**group["chinchilla"], "B": 40.0}}) is not None
    assert [p for p in write_plots(laws, tmp_path / "plots") if p.name.startswith("loss_vs_flops")]
    assert "interleaved" in str(laws_card(tmp_path, repo_id="acme/laws"))
