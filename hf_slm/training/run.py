"""One training run, in process: validate everything, build data and model, train, write the checkpoint.

    run_training(scale="tiny-100k", dataset="units/", budget_tokens=200_000, context=128,
                 output_dir="runs/a", min_warmup_steps=0)

Everything that can be wrong with the configuration (scale, dataset, splits, vocabulary, budget,
batch split, an output folder of another run) raises ConfigError before anything is written. A
folder whose run.json says "completed" is skipped; one with checkpoints resumes from the last.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from pathlib import Path

from transformers import TrainerCallback

from hf_slm.errors import ConfigError, choice
from hf_slm.modeling import get_scale
from hf_slm.runrecord import RunRecord
from hf_slm.training.arguments import ParsedArgs, parse_train_args
from hf_slm.training.budget import plan_budget
from hf_slm.training.curve import EVAL_KEY, curve_from_history, nll_sums, token_nll_metric
from hf_slm.training.record import check_same_run, existing_record, planned_record
from hf_slm.training.recipe import build_training_arguments, derive_training_values

logger = logging.getLogger(__name__)
PACKINGS = ("eos", "flatten")


def run_training(argv: list[str] | None = None, callbacks: list | None = None, **values) -> RunRecord:
    """Parse flags (argv, maybe led by a YAML/JSON file) and/or keyword values, then train.

    `callbacks` are extra TrainerCallbacks (progress reporting in the demo, fault injection in tests).
    """
    return train(parse_train_args(argv, values), callbacks)


def train(args: ParsedArgs, callbacks: list | None = None) -> RunRecord:
    from transformers import Trainer, default_data_collator
    from transformers.trainer_utils import get_last_checkpoint

    from hf_slm.data.lm import get_builder
    from hf_slm.data.windows import FlattenCollator
    from hf_slm.interleave.data import mix_from_args
    from hf_slm.interleave.model_setup import setup_from_text_lm
    from hf_slm.training.model import init_model, model_config
    from hf_slm.units.dataset import load_unit_dataset

    # ---- validation: nothing is written until every check has passed ----
    out_dir = args.train.get("output_dir")
    if not out_dir:
        raise ConfigError("--output_dir", "is required: the checkpoint folder of this run")
    out_dir = Path(out_dir)
    old = existing_record(out_dir)
    if old is not None and old.status == "completed":
        logger.warning("%s is completed (run.json status); skipping", out_dir)
        return old
    if not args.data.dataset:
        raise ConfigError("--dataset", "is required: a unit dataset folder or Hub id")
    choice(args.data.packing, PACKINGS, "--packing")
    if not args.model.base_model and args.data.mode != "interleaved":  # those take their size from the text LM
        get_scale(args.model.scale or "")  # fail on a typo before fetching any data
    source = load_unit_dataset(args.data.dataset)
    mode = args.data.mode or source.meta.get("mode") or "speech"
    builder = get_builder(mode)
    # a run from a text LM (SIMS interleaved, TWIST) takes model, size and tokenizer from it
    setup = setup_from_text_lm(mode, args.model, source, int(args.train.get("seed") or 0))
    if setup is not None:
        source = dataclasses.replace(source, tokenizer=setup.tokenizer)
        scale, config, counts = setup.scale, setup.config, setup.counts
    else:
        scale, config, counts = model_config(args.model, source.tokenizer)
    budget = plan_budget(counts.n_params, args.model.context, args.model.global_batch or scale.batch_sequences,
                         args.data.budget_tokens, args.data.budget_ratio, args.data.epochs)
    values = derive_training_values(args.train, args.recipe, budget)
    seed = int(values["seed"])
    data_seed = int(values.get("data_seed") or seed)
    recipe = _recipe_summary(values, args)
    record = planned_record(out_dir.name, scale, mode, counts, config, budget, str(args.data.dataset), seed, recipe,
                            extra={"budget": budget.as_dict(), "packing": args.data.packing})
    if old is not None:
        check_same_run(old, record, out_dir)
    options = {"mix": mix_from_args(args.data, data_seed)} if mode == "interleaved" else {}
    data = builder(source, budget, seed=data_seed, mode=mode, max_test_tokens=args.data.max_test_tokens, **options)
    training_args = build_training_arguments(values)

    # ---- training: from here on the run writes its folder ----
    record.tokens_per_modality = data.tokens_per_modality
    record.extra.update(test_tokens=data.test_tokens, test_pad_tokens=data.test_pad_tokens)
    record.unique_tokens = data.unique_tokens
    record.extra.update(getattr(data, "record_extra", {}))  # e.g. the interleaved mixture as realised
    if setup is not None:
        record.base_model = setup.base_model
        record.extra.update(setup.record)
    previous_wall = old.wall_time_s if old is not None else 0.0
    start = time.time()
    model = setup.model if setup is not None else init_model(config, args.model, seed)
    collator = FlattenCollator(source.tokenizer.eos_token_id) if args.data.packing == "flatten" else default_data_collator
    trainer = Trainer(
        model=model, args=training_args, train_dataset=data.train, eval_dataset=data.test,
        processing_class=source.tokenizer, data_collator=collator,
        compute_metrics=token_nll_metric, preprocess_logits_for_metrics=nll_sums,
    )

    def save_progress(status: str) -> None:
        if not trainer.is_world_process_zero():
            return
        record.learning_curve = curve_from_history(trainer.state.log_history, budget.tokens_per_update,
                                                   counts.flops_per_token_6n)
        record.wall_time_s = previous_wall + time.time() - start
        record.status = status
        record.save(out_dir)

    for cb in [_CurveWriter(save_progress), *(callbacks or [])]:
        trainer.add_callback(cb)
    resume = values.get("resume_from_checkpoint") or (get_last_checkpoint(str(out_dir)) if out_dir.is_dir() else None)
    save_progress("running")
    try:
        trainer.train(resume_from_checkpoint=resume)
        if not any(e.get("step") == budget.max_steps and EVAL_KEY in e for e in trainer.state.log_history):
            trainer.evaluate()
    except BaseException:
        save_progress("failed")  # a rerun resumes from the last checkpoint all the same
        raise
    record.extra["distributed"] = _engine_info(trainer)
    trainer.save_model(str(out_dir))
    (out_dir / "training_args.bin").unlink(missing_ok=True)  # a pickle; run.json holds the recipe
    record.final_test_loss = curve_from_history(trainer.state.log_history, budget.tokens_per_update,
                                                counts.flops_per_token_6n)[-1]["test_loss"]
    save_progress("completed")
    if trainer.is_world_process_zero() and not args.recipe.keep_checkpoints:
        for ckpt in out_dir.glob("checkpoint-*"):
            shutil.rmtree(ckpt, ignore_errors=True)
    return record


class _CurveWriter(TrainerCallback):
    """Rewrites run.json (status running) after each evaluation, so a killed run keeps its curve."""

    def __init__(self, save):
        self.save = save

    def on_evaluate(self, args, state, control, **kwargs):
        self.save("running")


def _engine_info(trainer) -> dict:
    """What actually trained: a DeepSpeedEngine under --deepspeed / accelerate --use_deepspeed."""
    info = {"engine": type(trainer.model_wrapped).__name__, "deepspeed": bool(trainer.is_deepspeed_enabled),
            "world_size": trainer.args.world_size}
    chain, opt = [], trainer.optimizer
    while opt is not None and len(chain) < 4:  # AcceleratedOptimizer → DeepSpeedZeroOptimizer → AdamW
        chain.append(type(opt).__name__)
        opt = getattr(opt, "optimizer", None)
    info["optimizer"] = chain
    if trainer.is_deepspeed_enabled:
        info["zero_stage"] = trainer.accelerator.state.deepspeed_plugin.zero_stage
    return info


def _recipe_summary(values: dict, args: ParsedArgs) -> dict:
    keys = ("learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "weight_decay",
            "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm", "optim", "bf16", "fp16",
            "per_device_train_batch_size", "gradient_accumulation_steps", "max_steps", "eval_steps", "save_steps",
            "seed", "data_seed", "torch_compile")
    out = {k: values.get(k) for k in keys if k in values}
    out["optim"] = str(getattr(out.get("optim"), "value", out.get("optim")))
    out["attn_implementation"] = args.model.attn_implementation
    out["packing"] = args.data.packing
    return out
