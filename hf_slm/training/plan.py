"""The first phases of a training run: validate the arguments, then plan the run (nothing is written).

`validate` catches what the flags alone get wrong; `plan_run` loads the dataset, asks the run's mode
for its model set-up, sizes the budget and fills in the planned run.json. Every ConfigError a run
can raise on its configuration comes from here or from building its data, before any output.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from hf_slm import modes
from hf_slm.errors import ConfigError, choice
from hf_slm.runrecord import RunRecord
from hf_slm.training.arguments import ParsedArgs
from hf_slm.training.budget import Budget, plan_budget
from hf_slm.training.launch import check_world, launched_world, settle_launch
from hf_slm.training.record import check_same_run, existing_record, planned_record
from hf_slm.training.recipe import build_training_arguments, derive_training_values

PACKINGS = ("eos", "flatten")
TOKENIZATION_KEY = "tokenization"  # the dataset meta.json's "units" | "unigram" | "text"


@dataclass
class RunPlan:
    """Everything decided before the run builds its data and model."""

    out_dir: Path
    old: RunRecord | None  # run.json already in out_dir (a resume), if any
    mode: modes.Mode
    source: object  # UnitDataset, its tokenizer the model's (a text LM set-up brings its own)
    setup: object | None  # ModelSetup of a run from a text LM, else None (random init of a scale)
    scale: object
    config: object
    counts: object  # ModelCounts
    budget: Budget
    values: dict  # TrainingArguments values with the budget's fields filled in
    training_args: object
    seed: int
    data_seed: int
    packing: str
    record: RunRecord  # the planned run.json (status "running")


def output_folder(args: ParsedArgs) -> tuple[Path, RunRecord | None]:
    """The run's folder and the run.json already there (None for a fresh folder)."""
    out_dir = args.train.get("output_dir")
    if not out_dir:
        raise ConfigError("--output_dir", "is required: the checkpoint folder of this run")
    out_dir = Path(out_dir)
    return out_dir, existing_record(out_dir)


def validate(args: ParsedArgs) -> None:
    """Checks on the flags alone, before any data is fetched."""
    if not args.data.dataset:
        raise ConfigError("--dataset", "is required: a unit dataset folder or Hub id")
    choice(args.data.packing, PACKINGS, "--packing")
    refuse_hub_push(args.train)
    modes.get(args.data.mode or modes.DEFAULT_MODE).check_model_args(args.model)


def refuse_hub_push(train: dict) -> None:
    """Trainer's own push uploads a pickle of its arguments (with --hub_token in it), its generic card
    and a run.json still "running"; the run's repo is `hf-slm publish`'s job, after training."""
    if train.get("push_to_hub"):
        raise ConfigError("--push_to_hub", "training does not push; train, then `hf-slm publish --runs DIR "
                                           "--laws DIR --out HUBDIR --push ORG` uploads the run's card, weights "
                                           "and final run.json (no pickles)")
    if train.get("hub_token"):
        raise ConfigError("--hub_token", "a token on the command line would be pickled with the arguments; "
                                         "set HF_TOKEN in the environment for `hf-slm publish`")


def dataset_id(value: str) -> str:
    """What run.json stores: an existing local folder as an absolute path (so the run can be
    evaluated from any folder), anything else (a Hub id) as given."""
    p = Path(value).expanduser()
    return str(p.resolve()) if p.exists() else str(value)


def run_mode(args: ParsedArgs, source) -> modes.Mode:
    """--mode, else the dataset's meta.json mode, else the default (units)."""
    return modes.get(args.data.mode or source.meta.get("mode") or modes.DEFAULT_MODE)


def tokenization_of(source, mode: modes.Mode) -> str:
    """What the training tokens are: the dataset's own word for it, else the mode's."""
    return source.meta.get(TOKENIZATION_KEY) or mode.tokenization


def plan_run(args: ParsedArgs, out_dir: Path, old: RunRecord | None) -> RunPlan:
    """Load the dataset, set the model up (its size), size the budget, plan run.json."""
    from hf_slm.training.model import model_config
    from hf_slm.units.dataset import load_unit_dataset

    source = load_unit_dataset(args.data.dataset)
    mode = run_mode(args, source)
    # a run from a text LM (SIMS interleaved, TWIST) takes model, size and tokenizer from it
    setup = mode.setup_model(args.model, source, int(args.train.get("seed") or 0))
    if setup is not None:
        source = dataclasses.replace(source, tokenizer=setup.tokenizer)
        scale, config, counts = setup.scale, setup.config, setup.counts
    else:
        scale, config, counts = model_config(args.model, source.tokenizer)
    budget = plan_budget(counts.n_params, args.model.context, args.model.global_batch or scale.batch_sequences,
                         args.data.budget_tokens, args.data.budget_ratio, args.data.epochs)
    world = launched_world()
    values = derive_training_values(settle_launch(args.train, world), args.recipe, budget, world)
    seed = int(values["seed"])
    record = planned_record(out_dir.name, scale, mode.name, counts, config, budget, dataset_id(args.data.dataset),
                            seed, recipe_summary(values, args, world),
                            extra={"budget": budget.as_dict(), "packing": args.data.packing},
                            tokenization=tokenization_of(source, mode))
    if old is not None:
        check_same_run(old, record, out_dir)
    training_args = build_training_arguments(values)
    check_world(training_args, world, values)
    return RunPlan(out_dir=out_dir, old=old, mode=mode, source=source, setup=setup, scale=scale, config=config,
                   counts=counts, budget=budget, values=values, training_args=training_args,
                   seed=seed, data_seed=int(values.get("data_seed") or seed), packing=args.data.packing,
                   record=record)


def recipe_summary(values: dict, args: ParsedArgs, world: int = 1) -> dict:
    keys = ("learning_rate", "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "weight_decay",
            "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm", "optim", "bf16", "fp16",
            "per_device_train_batch_size", "gradient_accumulation_steps", "max_steps", "eval_steps", "save_steps",
            "seed", "data_seed", "torch_compile")
    out = {k: values.get(k) for k in keys if k in values}
    out["optim"] = str(getattr(out.get("optim"), "value", out.get("optim")))
    out["attn_implementation"] = args.model.attn_implementation
    out["packing"] = args.data.packing
    out["world_size"] = world  # processes the batch split was sized for (= transformers', checked)
    return out
