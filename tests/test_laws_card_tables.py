"""The laws card's comparison table and the paper's γ beside ours, read from the shipped paper constants."""

import json

from huggingface_hub import ModelCard

from hf_slm.hub import laws as L
from hf_slm.hub.laws_card import laws_card
from tests.conftest import REPO


def _paper() -> dict:
    return json.loads((REPO / "hf_slm" / "resources" / "paper_constants.json").read_text())


def test_paper_gamma_reads_the_text_row_s_blimp_name():
    paper = _paper()
    table3 = paper["cuervo_marxer_2024"]["table3_downstream_gamma"]
    assert L.paper_gamma("text", "sblimp", paper) == table3["text"]["blimp"] == 0.066
    assert L.paper_gamma("speech", "sblimp", paper) == table3["speech"]["sblimp"] == 0.021
    assert L.paper_gamma("text", "ssc", paper) == table3["text"]["story_cloze"]
    assert L.paper_gamma("interleaved", "tsc", paper) == table3["speech"]["topic_cloze"]
    assert L.paper_gamma("text", "swuggy", paper) is None


def test_comparisons_are_a_table_not_json(tmp_path):
    laws = {"laws": {"speech": {}, "text": {}},
            "comparisons": {"sblimp": {"text/speech": {"gamma_text": 0.06, "gamma_speech": 0.02, "ratio": 3.0,
                                                       "log10_compute_factor_for_10x": 3.0,
                                                       "compute_factor_for_10x": 1000.0}}}}
    (tmp_path / "scaling_laws.json").write_text(json.dumps(laws))
    text = ModelCard(str(laws_card(tmp_path, repo_id="acme/laws"))).text
    assert "| sblimp | text/speech | 0.06 | 0.02 | 3 | 1000× |" in text
    assert '"gamma_text"' not in text
