"""Write a run's scores into its model card's `model-index` (what the Hub shows as eval results).

Only the results this function owns (the hf-slm benchmarks and the test loss) are replaced; every
other part of the card, its text and any other eval results are kept as they were.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.atomic import write_text

CARD_FILE = "README.md"
TASK_TYPE = "speech-language-modeling"
TEXT_TASK_TYPE = "text-generation"
BENCHMARK_NAMES = {"sblimp": "sBLIMP", "ssc": "spoken StoryCloze (sSC)",
                   "tsc": "topic StoryCloze (tSC)", "swuggy": "sWUGGY"}


def eval_results_for(record) -> list:
    """EvalResult entries for a RunRecord's scores and held-out loss."""
    from huggingface_hub import EvalResult

    task_type = TEXT_TASK_TYPE if record.mode == "text" else TASK_TYPE
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
    dataset = record.dataset or record.extra.get("eval_test_loss", {}).get("dataset")
    if record.final_test_loss is not None and dataset:
        results.append(EvalResult(
            task_type=task_type, dataset_type=str(dataset), dataset_name=str(dataset),
            dataset_split="test", metric_type="loss", metric_name="test loss (nats/token)",
            metric_value=float(record.final_test_loss)))
    return results


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
