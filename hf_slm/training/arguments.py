"""Arguments of a training run: model, data and recipe dataclasses beside TrainingArguments.

`parse_train_args(argv)` reads them with HfArgumentParser from flags, from a YAML/JSON file
(`train.py run.yaml --flag value` lets flags override the file), or from a dict, so every
Trainer flag (bf16, torch_compile, report_to, deepspeed, ...) works. The paper's recipe is the
parser's default (RECIPE_DEFAULTS); values derived from the budget (max_steps, warmup, gradient
accumulation, eval/save steps) are filled in by `hf_slm.training.recipe` before TrainingArguments
is built, so a DeepSpeed config's "auto" values see the final numbers.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from hf_slm.errors import ConfigError


@dataclass
class ModelArguments:
    scale: str | None = field(default=None, metadata={"help": "Model scale: 20M…823M (paper) or tiny-* (CPU)."})
    context: int = field(default=2050, metadata={"help": "Tokens per window (the paper's 2050)."})
    vocab_size: int | None = field(default=None, metadata={
        "help": "Optional check: must equal the dataset tokenizer's vocabulary (the model always takes it from there)."})
    global_batch: int | None = field(default=None, metadata={
        "help": "Sequences per optimizer update; default the scale's batch (paper Table 1). Gradient "
                "accumulation = global_batch / (per_device_train_batch_size × processes)."})
    attn_implementation: str = field(default="sdpa", metadata={"help": "sdpa | flash_attention_2 | eager"})
    base_model: str | None = field(default=None, metadata={
        "help": "Text LM (folder or Hub id) to start from instead of a scale: --mode interleaved (SIMS), "
                "or TWIST with --mode speech (see hf_slm.interleave)."})


@dataclass
class DataArguments:
    dataset: str | None = field(default=None, metadata={"help": "Unit (or text) dataset folder or Hub id."})
    mode: str | None = field(default=None, metadata={"help": "speech | text | …; default meta.json's mode, else speech."})
    budget_tokens: int | None = field(default=None, metadata={"help": "D: training tokens."})
    budget_ratio: float | None = field(default=None, metadata={"help": "D/N: tokens per non-embedding parameter."})
    epochs: float = field(default=1.0, metadata={"help": "Passes over the unique pool U_D = D / epochs."})
    packing: str = field(default="eos", metadata={
        "help": "eos: windows of EOS-joined documents (the paper); flatten: same windows, attention kept "
                "within each document (DataCollatorWithFlattening, padding-free)."})
    max_test_tokens: int | None = field(default=None, metadata={"help": "Cap the test split (whole documents)."})
    # --mode interleaved only (SIMS defaults; see hf_slm.interleave.spans / mixture)
    mix_text: float = field(default=0.2024, metadata={"help": "Interleaved mode: share of text-only documents."})
    mix_interleaved: float = field(default=0.5433, metadata={"help": "Interleaved mode: share of interleaved documents."})
    mix_speech: float = field(default=0.2543, metadata={"help": "Interleaved mode: share of speech-only documents."})
    interleave_method: str = field(default="poisson", metadata={
        "help": "Interleaved mode: speech spans of Poisson(span) words | fixed span words | per word."})
    speech_fraction: float = field(default=0.3, metadata={"help": "Interleaved mode: expected share of words as speech."})
    interleave_span: float = field(default=10.0, metadata={"help": "Interleaved mode: λ (poisson) or span length (fixed)."})


@dataclass
class RecipeArguments:
    min_lr: float = field(default=5e-5, metadata={"help": "End of the cosine (cosine_with_min_lr)."})
    min_warmup_steps: int = field(default=100, metadata={
        "help": "Warmup = max(min_warmup_steps, warmup_fraction × steps) (paper: 100 and 0.01). Tiny CPU demos "
                "of a few dozen steps set 0 so the run is not all warmup."})
    warmup_fraction: float = field(default=0.01)
    curve_points: int = field(default=10, metadata={"help": "Test-loss evaluations along the run when eval_steps is unset."})
    checkpoints: int = field(default=10, metadata={"help": "Checkpoints along the run when save_steps is unset."})
    keep_checkpoints: bool = field(default=False, metadata={"help": "Keep checkpoint-* folders after completion."})


ARG_CLASSES = (ModelArguments, DataArguments, RecipeArguments)


def _on_gpu() -> bool:
    import torch

    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def recipe_defaults() -> dict:
    """The paper's recipe as TrainingArguments defaults (each one a flag away from changing)."""
    return {
        "learning_rate": 5e-4,
        "lr_scheduler_type": "cosine_with_min_lr",
        "weight_decay": 0.1,
        "max_grad_norm": 1.0,
        "bf16": _on_gpu(),
        "dataloader_pin_memory": _on_gpu(),
        "train_sampling_strategy": "sequential",  # the order is pre-shuffled per epoch: resumable
        "eval_strategy": "steps",
        "save_strategy": "steps",
        "save_steps": 0,  # 0 = derived from RecipeArguments.checkpoints
        "logging_steps": 10,
        "remove_unused_columns": False,
        "report_to": "none",
        "seed": 0,
    }


def _parser():
    from transformers import HfArgumentParser, TrainingArguments

    parser = HfArgumentParser((*ARG_CLASSES, TrainingArguments), prog="train.py")
    parser.set_defaults(**recipe_defaults())
    parser.error = _one_line_error  # argparse would print usage + message; we raise ConfigError
    return parser


def _one_line_error(message: str):
    raise ConfigError("arguments", message)


def load_config_file(path: str | Path) -> dict:
    p = Path(path)
    if not p.exists():
        raise ConfigError("CONFIG", f"{p} does not exist")
    text = p.read_text(encoding="utf-8")
    if p.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text) or {}
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise ConfigError("CONFIG", f"{p} must hold a mapping of argument names to values")
    return data


@dataclass
class ParsedArgs:
    model: ModelArguments
    data: DataArguments
    recipe: RecipeArguments
    train: dict  # TrainingArguments fields, not yet built (see hf_slm.training.recipe)


def parse_train_args(argv: list[str] | None = None, values: dict | None = None) -> ParsedArgs:
    """Flags (argv), optionally after a YAML/JSON file as first argv item, or a dict of values."""
    from transformers import TrainingArguments

    parser = _parser()
    argv = list(argv or [])
    file_values = {}
    if argv and is_config_file(argv[0]):
        file_values = load_config_file(argv.pop(0))
    merged = {**file_values, **(values or {})}
    known = {f.name for cls in (*ARG_CLASSES, TrainingArguments) for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(merged) - known)
    if unknown:
        raise ConfigError(unknown[0], "is not a model, data, recipe or TrainingArguments field")
    parser.set_defaults(**merged)
    namespace, rest = parser.parse_known_args(argv)
    if rest:
        raise ConfigError(rest[0], "unknown argument")
    ns = vars(namespace)
    objs = [cls(**{f.name: ns[f.name] for f in dataclasses.fields(cls) if f.init and f.name in ns})
            for cls in ARG_CLASSES]
    train_keys = {f.name for f in dataclasses.fields(TrainingArguments) if f.init}
    train = {k: v for k, v in ns.items() if k in train_keys}
    return ParsedArgs(*objs, train=train)


def argv_from_dict(values: dict) -> list[str]:
    """Flags for a launch command from a dict of argument values (for the sweep's emitted commands)."""
    out = []
    for k, v in values.items():
        if v is None:
            continue
        if isinstance(v, bool):
            out += [f"--{k}", "true" if v else "false"]
        elif isinstance(v, (dict, list)):
            out += [f"--{k}", json.dumps(v)]
        else:
            out += [f"--{k}", str(v)]
    return out


def is_config_file(arg: str) -> bool:
    return arg.endswith((".yaml", ".yml", ".json"))


