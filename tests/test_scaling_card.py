"""The laws card shows what the fit identifies, its warnings and its extrapolation check beside the numbers."""

from hf_slm.hub import laws as L
from hf_slm.scaling import fit_runs, write_laws
from tests.helpers.scaling_designs import records, simulate, tiny_design


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
