"""The model card of one checkpoint: run.json → YAML metadata (model-index) + markdown body."""

from __future__ import annotations

from pathlib import Path

from hf_slm import modes
from hf_slm.dataset_format.tokenizer_files import load_tokenizer
from hf_slm.hub import laws as L
from hf_slm.hub.model_index import BENCHMARK_NAMES, dataset_id_of, eval_results_for
from hf_slm.hub.templates import render
from hf_slm.modes.base import VocabFacts
from hf_slm.runrecord import RunRecord

PIPELINE = "text-generation"  # what AutoModelForCausalLM.generate does, over unit tokens
TEST_LOSS = "test_loss"


def scores_from_card(card) -> dict[str, float]:
    """{score name: value, "test_loss": loss} as huggingface_hub parses the card's model-index.

    The rows are the evaluation stage's (hf_slm.hub.model_index.eval_results_for): benchmarks as
    dataset_type "hf-slm/<name>", the held-out loss as metric_type "loss".
    """
    out = {}
    for er in card.data.eval_results or []:
        key = TEST_LOSS if er.metric_type == "loss" else str(er.dataset_type).removeprefix("hf-slm/")
        out[key] = er.metric_value
    return out


def _curve_rows(curve: list[dict], keep: int = 8) -> list[dict]:
    if len(curve) <= keep:
        return curve
    step = (len(curve) - 1) / (keep - 1)
    return [curve[round(i * step)] for i in range(keep)]


def _curve(curve: list[dict]) -> list[dict]:
    keys = ("step", "tokens", "flops", "test_loss")
    return [{k: p.get(k) for k in keys} for p in _curve_rows([p for p in curve if isinstance(p, dict)])]


def _mixture(record: RunRecord) -> list[dict]:
    total = sum(record.tokens_per_modality.values()) or 0
    return [{"modality": k, "tokens": v, "fraction": v / total if total else None}
            for k, v in record.tokens_per_modality.items()]


def tokenizer_facts(checkpoint: str | Path | None) -> VocabFacts | None:
    """What the checkpoint's own tokenizer says about its ids (None without a checkpoint folder)."""
    if checkpoint is None or not (Path(checkpoint) / "tokenizer_config.json").is_file():
        return None
    return VocabFacts.from_tokenizer(load_tokenizer(checkpoint, field="--runs"))


def model_card(record: RunRecord, *, repo_id: str, laws: dict | None = None, laws_link: str | None = None,
               laws_files: list[str] = (), dataset_link: str | None = None, datasets: list[str] = (),
               license: str = "apache-2.0", templates: str | Path | None = None,
               checkpoint: str | Path | None = None, dataset_name: str | None = None):
    """A huggingface_hub ModelCard for `record`; `repo_id` is what users pass to from_pretrained.

    `checkpoint`: the run's folder, whose tokenizer the vocabulary row and the usage snippet are read
    from; `datasets`: the Hub ids of the training data (the model-index test-loss row names the first);
    `dataset_name`: what the card calls the training data (never a local path).
    """
    from huggingface_hub import ModelCard, ModelCardData

    about = modes.get(record.mode, field="run.json mode").card  # what the card says about this kind of run
    facts = tokenizer_facts(checkpoint)
    group = L.group_of(laws or {}, record.name, record.mode)
    mode_laws = (laws or {}).get("laws", {}).get(group, {})
    chin_section = mode_laws.get("chinchilla")
    chin = L.constant_map(chin_section)
    predicted = (L.chinchilla_loss(chin, record.n_params, record.tokens_seen)
                 if record.n_params and record.tokens_seen else None)
    ident = L.identifiable(chin_section)
    # unigram runs are speech runs on unigram pieces (hf_slm.modes): the tag tells them apart on the Hub
    extra_tags = ["tokenization-unigram"] if record.tokenization == "unigram" else []
    data = ModelCardData(
        model_name=record.name, license=license, library_name="transformers", pipeline_tag=PIPELINE,
        tags=[*about.tags, *extra_tags, f"mode-{record.mode}", f"scale-{record.scale}"],
        datasets=list(datasets) or None, base_model=record.base_model,
        eval_results=eval_results_for(record, dataset_id=datasets[0] if datasets else None) or None,
    )
    scores = [{"name": n, "pretty": BENCHMARK_NAMES.get(n, n), "value": s.get("value"),
               "ci_low": s.get("ci_low"), "ci_high": s.get("ci_high"), "n": s.get("n")}
              for n, s in sorted(record.scores.items()) if isinstance(s, dict)]
    body = render(
        "model_card.md.j2", templates, card_data=data.to_yaml(), r=record, repo_id=repo_id,
        description=about.description, vocabulary=about.vocabulary_row(record, facts),
        usage=about.usage_snippet(record, facts, repo_id) if facts is not None else None,
        loss_unit=about.loss_unit, dataset_name=dataset_name or dataset_id_of(record.dataset),
        scores=scores, mixture=_mixture(record),
        recipe=sorted(record.recipe.items()), curve=_curve(record.learning_curve),
        predicted_loss=predicted, law_constants=chin, law_group=group, laws_link=laws_link,
        laws_files=list(laws_files), law_warnings=L.warnings(chin_section),
        law_unidentified=[name for name, ok in ident.items() if ok is False],
        law_extrapolation=L.extrapolation(chin_section),
        dataset_link=dataset_link, tokens_per_param=(record.tokens_seen / record.n_params
                                                      if record.n_params else None),
    )
    return ModelCard(body)

