"""One training run, in process: validate, plan, build data and model, train, finish.

    run_training(scale="tiny-100k", dataset="units/", budget_tokens=200_000, context=128,
                 output_dir="runs/a", min_warmup_steps=0)

Everything that can be wrong with the configuration (scale, dataset, splits, vocabulary, budget,
batch split, launch, an output folder of another run or of a live one) raises ConfigError before
anything is written. A folder whose run.json says "completed" (for this same configuration) is
skipped; one with checkpoints resumes from the newest complete one; a stop request (SIGUSR1 or
the Slurm script's stop file) saves a checkpoint and ends with status "interrupted".
What differs between speech, text and interleaved runs is the run's mode's (hf_slm.modes).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from transformers import TrainerCallback

from hf_slm.dataset_format.tokenizer_files import make_portable
from hf_slm.errors import ConfigError
from hf_slm.runrecord import HEARTBEAT_S, RUN_FILE, RunRecord, liveness, process_info
from hf_slm.training.arguments import ParsedArgs, parse_train_args
from hf_slm.training.checkpoints import ASIDE_PREFIX, newest_complete
from hf_slm.training.curve import EVAL_KEY, curve_from_history, nll_sums, token_nll_metric
from hf_slm.training.plan import PACKINGS, RunPlan, output_folder, plan_run, validate
from hf_slm.training.stop import STOP_FILE, StopOnRequest

logger = logging.getLogger(__name__)
__all__ = ["PACKINGS", "run_training", "train"]


def run_training(argv: list[str] | None = None, callbacks: list | None = None, **values) -> RunRecord:
    """Parse flags (argv, maybe led by a YAML/JSON file) and/or keyword values, then train.

    `callbacks` are extra TrainerCallbacks (progress reporting in the demo, fault injection in tests).
    """
    return train(parse_train_args(argv, values), callbacks)


def train(args: ParsedArgs, callbacks: list | None = None) -> RunRecord:
    out_dir, old = output_folder(args)  # read before any rank joins the launch (and writes)
    refuse_live(old, out_dir)
    validate(args)
    plan = plan_run(args, out_dir, old)  # a folder of another configuration stops here (exit 2)
    if old is not None and old.status == "completed":
        logger.warning("%s is completed (run.json status); skipping", out_dir)
        return old
    data = build_data(plan, args.data)
    # ---- from here on the run writes its folder ----
    progress = Progress(with_data(plan.record, data, plan.setup), out_dir, plan.budget.tokens_per_update,
                        plan.counts.flops_per_token_6n, previous_wall=old.wall_time_s if old is not None else 0.0,
                        previous_extra=old.extra if old is not None else None)
    stop = StopOnRequest(out_dir)
    trainer = make_trainer(plan, data, build_model(plan, args.model), progress, [stop, *(callbacks or [])])
    fit(trainer, resume_point(plan), progress, plan.budget.max_steps, stop)
    if stop.stopped_at is not None:
        return progress.record  # "interrupted": checkpoint saved, a rerun resumes
    return finish(trainer, progress, keep_checkpoints=args.recipe.keep_checkpoints)


def refuse_live(old: RunRecord | None, out_dir: Path) -> None:
    """Two processes training into one folder would corrupt it: a live run's folder is refused."""
    if old is None or liveness(old) != "live":
        return
    proc = old.extra.get("process") or {}
    age = time.time() - float(proc.get("heartbeat") or 0)
    raise ConfigError("--output_dir", f"{out_dir} is being trained now by pid {proc.get('pid')} on "
                                      f"{proc.get('host')} (heartbeat {age:.0f} s ago); wait for it or stop it")


# ---- build data and model ---------------------------------------------------------------------

def build_data(plan: RunPlan, data_args):
    """The run's train and test windows, as its mode builds them (LMData)."""
    return plan.mode.build_data(plan.source, plan.budget, plan.data_seed, data_args)


def build_model(plan: RunPlan, model_args):
    """The model set up from a text LM, or a seeded random init of the scale."""
    from hf_slm.training.model import init_model

    return plan.setup.model if plan.setup is not None else init_model(plan.config, model_args, plan.seed)


def with_data(record: RunRecord, data, setup=None) -> RunRecord:
    """The planned record plus what the data (and a text-LM set-up) turned out to be."""
    extra = {**record.extra, "test_tokens": data.test_tokens, "test_pad_tokens": data.test_pad_tokens,
             **data.record_extra}  # e.g. the interleaved mixture as realised
    changes = dict(tokens_per_modality=data.tokens_per_modality, unique_tokens=data.unique_tokens)
    if setup is not None:
        extra.update(setup.record)
        changes["base_model"] = setup.base_model
    return dataclasses.replace(record, extra=extra, **changes)


# ---- train ------------------------------------------------------------------------------------

@dataclass
class Progress:
    """run.json while the run trains: rewritten with the curve so far at each evaluation, and its
    process's heartbeat every HEARTBEAT_S (from a thread), so a dead run is told from a live one."""

    record: RunRecord
    out_dir: Path
    tokens_per_update: int
    flops_per_token: float
    previous_wall: float = 0.0  # wall time of the runs this one resumes
    previous_extra: dict | None = None  # the resumed run.json's extra (its resumes, its process)
    start: float = field(default_factory=time.time)
    process: dict = field(default_factory=process_info)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def curve(self, trainer) -> list[dict]:
        return curve_from_history(trainer.state.log_history, self.tokens_per_update, self.flops_per_token)

    def save(self, trainer, status: str) -> None:
        if not trainer.is_world_process_zero():
            return
        with self.lock:
            self.record.learning_curve = self.curve(trainer)
            self.record.status = status
            self._write()

    def beat(self) -> None:
        """The heartbeat: the record as last saved, with a fresh time (no trainer access: a thread)."""
        with self.lock:
            if self.record.status == "running" and (self.out_dir / RUN_FILE).exists():
                self._write()

    def _write(self) -> None:
        now = time.time()
        self.record.wall_time_s = self.previous_wall + now - self.start
        if self.record.status == "completed":
            self.record.extra.pop("process", None)  # the host and pid only matter while it may run
        else:
            self.record.extra["process"] = {**self.process, "heartbeat": now}
        self.record.save(self.out_dir)


class Heartbeat:
    """A daemon thread that calls progress.beat() every HEARTBEAT_S until stopped."""

    def __init__(self, progress: Progress, interval: float = HEARTBEAT_S):
        self.progress, self.interval = progress, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hf-slm-heartbeat", daemon=True)

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                self.progress.beat()
            except OSError as e:  # a full or read-only disk: the training loop reports it at its next save
                logger.warning("heartbeat not written (%s)", e)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def make_trainer(plan: RunPlan, data, model, progress: Progress, callbacks: list | None = None):
    from transformers import Trainer, default_data_collator

    from hf_slm.data.windows import FlattenCollator

    tokenizer = plan.source.tokenizer
    collator = FlattenCollator(tokenizer.eos_token_id) if plan.packing == "flatten" else default_data_collator
    trainer = Trainer(
        model=model, args=plan.training_args, train_dataset=data.train, eval_dataset=data.test,
        processing_class=tokenizer, data_collator=collator,
        compute_metrics=token_nll_metric, preprocess_logits_for_metrics=nll_sums,
    )
    for cb in [_CurveWriter(lambda status: progress.save(trainer, status)), _NoPickledArgs(), *(callbacks or [])]:
        trainer.add_callback(cb)
    return trainer


def resume_point(plan: RunPlan) -> str | None:
    """--resume_from_checkpoint, else the folder's newest complete checkpoint-* (a killed run resumes
    there; incomplete ones are moved aside by the main process, see hf_slm.training.checkpoints)."""
    given = plan.values.get("resume_from_checkpoint")
    if given:
        return given
    args = plan.training_args
    found = newest_complete(plan.out_dir, bool(args.save_only_model), move_aside=args.process_index == 0)
    return str(found) if found is not None else None


def fit(trainer, resume: str | None, progress: Progress, max_steps: int, stop: StopOnRequest | None = None) -> None:
    """Train to max_steps, with a test-loss evaluation at the last step; run.json says how it went.

    A stop request (hf_slm.training.stop) ends it early with a checkpoint: status "interrupted".
    """
    if resume is not None:
        resumes = list((progress.previous_extra or {}).get("resumed_from", []))
        progress.record.extra["resumed_from"] = [*resumes, Path(resume).name]
    progress.save(trainer, "running")
    is_main = trainer.is_world_process_zero()
    if stop is not None:
        stop.install()
    try:
        with Heartbeat(progress) if is_main else contextlib.nullcontext():
            trainer.train(resume_from_checkpoint=resume)
            if stop is not None and stop.stopped_at is not None:
                progress.save(trainer, "interrupted")
                stop.clear(is_main)
                logger.warning("stopped on request at step %d with a checkpoint; rerun to resume", stop.stopped_at)
                return
            if not any(e.get("step") == max_steps and EVAL_KEY in e for e in trainer.state.log_history):
                trainer.evaluate()
    except BaseException:
        progress.save(trainer, "failed")  # a rerun resumes from the last checkpoint all the same
        raise
    finally:
        if stop is not None:
            stop.uninstall()


# ---- finish -----------------------------------------------------------------------------------

def finish(trainer, progress: Progress, keep_checkpoints: bool = False) -> RunRecord:
    """Save the model, record the final test loss and how it trained, drop the checkpoints."""
    out_dir = progress.out_dir
    progress.record.extra["distributed"] = _engine_info(trainer)
    trainer.save_model(str(out_dir))
    (out_dir / "training_args.bin").unlink(missing_ok=True)  # a pickle; run.json holds the recipe
    if trainer.is_world_process_zero():
        make_portable(out_dir)  # tokenizer_config.json that every supported transformers opens
    progress.record.final_test_loss = progress.curve(trainer)[-1]["test_loss"]
    progress.save(trainer, "completed")
    if trainer.is_world_process_zero():
        (out_dir / STOP_FILE).unlink(missing_ok=True)  # a request that came at the last step: nothing to stop
    if trainer.is_world_process_zero() and not keep_checkpoints:
        for ckpt in [*out_dir.glob("checkpoint-*"), *out_dir.glob(ASIDE_PREFIX + "checkpoint-*")]:
            shutil.rmtree(ckpt, ignore_errors=True)
    return progress.record


class _CurveWriter(TrainerCallback):
    """Rewrites run.json (status running) after each evaluation, so a killed run keeps its curve."""

    def __init__(self, save):
        self.save = save

    def on_evaluate(self, args, state, control, **kwargs):
        self.save("running")


class _NoPickledArgs(TrainerCallback):
    """Trainer pickles its TrainingArguments into every checkpoint (training_args.bin); run.json
    holds the recipe, so the pickle is removed as soon as the checkpoint is written."""

    def on_save(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            (folder / "training_args.bin").unlink(missing_ok=True)
            make_portable(folder)


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
