"""A run's scores as its model card's `model-index` (what the Hub shows as eval results).

Made from run.json alone: `eval_results_for` is what the published card's YAML holds, and
`update_model_index(run_dir, record)` refreshes a checkpoint's own README.md (the evaluation CLI
passes it to hf_slm.scoring.run_eval.evaluate_run as its `on_saved` hook). Only the results this
module owns (the hf-slm benchmarks and the test loss) are replaced; every other part of the card,
its text and any other eval results are kept as they were. The task type is the run's mode's.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm import modes
from hf_slm.atomic import write_text

CARD_FILE = "README.md"
BENCHMARK_NAMES = {"sblimp": "sBLIMP", "ssc": "spoken StoryCloze (sSC)",
                   "tsc": "topic StoryCloze (tSC)", "swuggy": "sWUGGY"}


def eval_results_for(record, dataset_id: str | None = None) -> list:
    """EvalResult entries for a RunRecord's scores and held-out loss.

    The test-loss row names `dataset_id` (the published dataset repo) when given, else the run's
    dataset when it is a Hub id, else the dataset folder's name (never a local path).
    """
    from huggingface_hub import EvalResult

    card = modes.get(record.mode, field="run.json mode").card
    task_type = card.task_type
    results = []
    for task, entry in sorted(record.scores.items()):
        if entry.get("value") is None:
            continue
        results.append(EvalResult(
            task_type=task_type, dataset_type=f"hf-slm/{task}",
            dataset_name=BENCHMARK_NAMES.get(task, task), dataset_split="test",
            metric_type=entry.get("metric", "accuracy"), metric_value=float(entry["value"]),
            metric_config=entry.get("convention"),
            metric_args={k: entry[k] for k in ("convention", "prefix", "modality") if k in entry}
            or None,
        ))
    dataset = dataset_id or dataset_id_of(record.dataset or record.extra.get("eval_test_loss", {}).get("dataset"))
    if record.final_test_loss is not None and dataset:
        results.append(EvalResult(
            task_type=task_type, dataset_type=str(dataset), dataset_name=str(dataset),
            dataset_split="test", metric_type="loss", metric_name=f"test loss (nats/{card.loss_unit})",
            metric_value=float(record.final_test_loss)))
    return results


def dataset_id_of(dataset: str | None) -> str | None:
    """A Hub id as it is; a local folder by its name only (cards never carry a machine's paths)."""
    if not dataset:
        return None
    p = Path(dataset)
    if dataset.count("/") == 1 and not p.is_absolute() and not p.exists():
        return dataset  # a Hub id
    return p.name or None


def update_model_index(checkpoint_dir: str | Path, record) -> Path:
    """Create or update CHECKPOINT/README.md so its model-index holds `record`'s results."""
    from huggingface_hub import ModelCard, ModelCardData

    path = Path(checkpoint_dir) / CARD_FILE
    card = ModelCard.load(path) if path.exists() else ModelCard(
        f"---\n{ModelCardData().to_yaml()}\n---\n# {record.name}\n")
    new = eval_results_for(record)
    owned = {(r.dataset_type, r.metric_type) for r in new}
    kept = [r for r in (card.data.eval_results or [])
            if (r.dataset_type, r.metric_type) not in owned
            and not str(r.dataset_type).startswith("hf-slm/")]
    card.data.eval_results = kept + new or None
    if card.data.eval_results:
        card.data.model_name = card.data.model_name or record.name
    write_text(path, str(card))
    return path
