"""Cards rendered by `publish` load back through huggingface_hub with valid YAML and the right numbers."""

import json
import re

import pytest
import yaml

from hf_slm.errors import ConfigError
from tests.helpers.publish_inputs import K, LAWS, SCORES, make_checkpoint, make_dataset, make_laws, make_metric


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from hf_slm.hub.publish import publish

    root = tmp_path_factory.mktemp("cards")
    record = make_checkpoint(root / "runs" / "a", "speech-tiny-a")
    make_laws(root / "laws")
    make_dataset(root / "toy-units")
    make_metric(root / "metrics")
    plan = publish(root / "runs", root / "laws", root / "hub", datasets=[root / "toy-units"],
                   metrics=root / "metrics", org="acme", log=lambda line: None)
    return root, plan, record


def front_matter(path):
    text = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n", text, flags=re.S)
    assert m, f"{path} has no YAML front matter"
    meta = yaml.safe_load(m.group(1))
    assert isinstance(meta, dict)
    return meta


def test_model_card_model_index_equals_run_json(hub):
    from huggingface_hub import ModelCard

    from hf_slm.hub.model_card import TEST_LOSS, scores_from_card

    root, _, record = hub
    readme = root / "hub" / "models" / "speech-tiny-a" / "README.md"
    front_matter(readme)
    card = ModelCard.load(readme)
    expected = {name: s["value"] for name, s in SCORES.items()} | {TEST_LOSS: record.final_test_loss}
    assert scores_from_card(card) == expected
    assert card.data.model_name == "speech-tiny-a" and card.data.library_name == "transformers"
    assert card.data.datasets == ["acme/toy-units"]
    text = card.text
    assert "3,000" in text and "60,000" in text and "30,000" in text  # N, D, U_D
    assert "1.08e+09" in text  # 6ND
    assert 'from_pretrained("acme/speech-tiny-a")' in text
    assert "/acme/slm-scaling-laws" in text  # link to the laws repo
    assert "56.2% | 51.0% – 61.0% | 320" in text  # score with its interval and n
    # predicted by the law at this N, D: E + A/N^alpha + B/D^beta
    predicted = 1.7 + 14.0 / 3000 ** 0.25 + 40.0 / 60000 ** 0.24
    assert f"**{predicted:.4g}**" in text


def test_dataset_card_keeps_configs_and_counts_from_shards(hub):
    from datasets import load_dataset
    from huggingface_hub import DatasetCard

    root, _, _ = hub
    folder = root / "hub" / "datasets" / "toy-units"
    front_matter(folder / "README.md")
    card = DatasetCard.load(folder / "README.md")
    assert card.data.license == "cc-by-4.0"
    assert card.data.dataset_info  # written by `datasets` in the units stage, kept
    assert {c["split"] for c in card.data.configs[0]["data_files"]} == {"train", "test"}
    assert "| train | 2 |" in card.text and "| test | 1 |" in card.text
    assert "**9**" in card.text  # units in all splits
    assert f"`{K}`" in card.text and "built-in stories" in card.text
    assert "hf-slm units extract --k 20" in card.text and "datasets | 5.2.0" in card.text
    ds = load_dataset(str(folder))
    assert ds["train"].num_rows == 2 and ds["test"]["units"] == [[8, 9]]


def test_laws_card_constants_paper_and_plots(hub):
    from huggingface_hub import ModelCard

    root, _, _ = hub
    readme = root / "hub" / "laws" / "README.md"
    front_matter(readme)
    text = ModelCard.load(readme).text
    assert r"\frac{A}{N^{\alpha}}" in text
    assert "| alpha | 0.25 [0.2, 0.3] | 0.25 |" in text  # ours with CI, paper beside
    assert "| A | 14 | 13.9 |" in text  # no interval in the file: none shown
    assert "| R_D_star | 20 [12, 31] | 25 |" in text and "Ill-determined: R_N_star" in text
    assert "k = 0.4; gamma = 0.02 [0.015, 0.025] | 0.021 |" in text  # downstream, paper gamma beside
    assert "not fitted: saturated" in text and "*envelope: not fitted (fewer than 3 compute bins).*" in text
    assert "*chinchilla: not fitted (no text runs).*" in text
    assert "| sblimp | speech/text | — | — | 2 | — |" in text  # comparisons, as a table
    assert "![plots/isoflops.png](plots/isoflops.png)" in text
    assert "1.00e+20" in text  # planner example
    assert "| `points` |" in text and "| run-b | diverged |" in text
    assert "| speech-tiny-a | speech | speech | 3,000 | 60,000 | 30,000 | 2 | 1.08e+09 | 2.875 |" in text
    assert "/acme/speech-tiny-a" in text


def test_laws_card_tolerates_missing_sections(tmp_path):
    from huggingface_hub import ModelCard

    from hf_slm.hub.laws_card import laws_card

    laws = {"laws": {"speech": {"chinchilla": {"E": {"value": 1.5, "ci_low": 1.4, "ci_high": 1.6}},
                                "data_constrained": {"R_D_star": 9.0, "ci": {"R_D_star": [8.0, 10.0]}}}}}
    (tmp_path / "scaling_laws.json").write_text(json.dumps(laws))
    card = ModelCard(str(laws_card(tmp_path, repo_id="acme/laws")))
    assert "| E | 1.5 [1.4, 1.6] | 1.73 |" in card.text and "| R_D_star | 9 [8, 10] | 25 |" in card.text
    assert "Schema version unknown" in card.text and "Planner" not in card.text  # alpha, beta missing


def test_laws_folder_without_json_is_a_config_error(tmp_path):
    from hf_slm.hub.laws_card import laws_card

    with pytest.raises(ConfigError, match="scaling_laws.json"):
        laws_card(tmp_path, repo_id="acme/laws")


def test_metric_space_loads_with_evaluate(hub):
    import evaluate
    from huggingface_hub import SpaceCard

    root, _, _ = hub
    folder = root / "hub" / "metrics" / "toy_accuracy"
    front_matter(folder / "README.md")
    card = SpaceCard.load(folder / "README.md")
    assert card.data.sdk == "gradio" and card.data.app_file == "app.py"
    assert {"evaluate", "metric"} <= set(card.data.tags)
    assert 'evaluate.load("acme/toy_accuracy")' in (folder / "app.py").read_text()
    assert (folder / "requirements.txt").read_text().split() == ["datasets", "evaluate"]
    metric = evaluate.load(str(folder))
    assert metric.compute(predictions=[1, 2, 3, 4], references=[1, 2, 0, 4])["accuracy"] == 0.75


def test_override_templates_win(tmp_path, hub):
    from hf_slm.hub.model_card import model_card

    _, _, record = hub
    (tmp_path / "model_card.md.j2").write_text("---\n{{ card_data }}\n---\n\nCustom card for {{ r.name }}\n")
    card = model_card(record, repo_id="acme/x", templates=tmp_path)
    assert "Custom card for speech-tiny-a" in card.text and card.data.eval_results


def test_laws_json_examples_are_used_by_planner():
    from hf_slm.hub.laws import planner_examples

    rows = planner_examples({"compute_optimal": {"examples": [{"flops": 1e19, "n_opt": 1e8, "d_opt": 2e10,
                                                               "loss": 2.0}]}})
    assert rows == [{"flops": 1e19, "n_params": 1e8, "tokens": 2e10, "loss": 2.0}]
    closed = planner_examples(LAWS["laws"]["speech"], budgets=(6e20,))
    n, d = closed[0]["n_params"], closed[0]["tokens"]
    assert abs(6 * n * d / 6e20 - 1) < 1e-9  # C = 6 N D holds for the optimum


def test_repo_metric_modules_lay_out_as_spaces(tmp_path):
    """The evaluation stage's own modules (no README yet) still get a valid Space card."""
    from huggingface_hub import SpaceCard

    from hf_slm.hub.metric_repo import layout_metric
    from tests.conftest import REPO

    modules = sorted((REPO / "evaluation" / "metrics").glob("*/*.py"))
    modules = [m for m in modules if m.stem == m.parent.name]
    assert {m.stem for m in modules} >= {"sblimp", "spoken_cloze", "swuggy"}
    for script in modules:
        dest = tmp_path / script.stem
        layout_metric(script.parent, dest, repo_id=f"acme/{script.stem}")
        front_matter(dest / "README.md")
        assert SpaceCard.load(dest / "README.md").data.sdk == "gradio"
        assert "evaluate" in (dest / "requirements.txt").read_text().split()
