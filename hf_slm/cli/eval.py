"""`hf-slm eval`: score checkpoints on spoken benchmarks and held-out loss, into run.json + card.

Scoring follows the run's mode (hf_slm.modes); the checkpoint's README.md model-index is refreshed
from the new run.json by hub's writer, passed to the evaluation as its `on_saved` hook.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hf_slm.cli.common import existing_path, positive_int
from hf_slm.errors import ConfigError
from hf_slm.scoring.protocol import DEFAULT_PROTOCOL, PROTOCOLS


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="score checkpoints on benchmarks (sBLIMP, sSC, tSC, sWUGGY)",
                              description=__doc__)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="checkpoint folder (with run.json: scores are written into it) "
                                       "or Hub id (scores are printed)")
    which.add_argument("--runs", help="folder of run folders: evaluate each completed, unevaluated run")
    which.add_argument("--null", action="store_true",
                       help="no model: score the benchmarks with the model-free null scorers (length-only; unit "
                            "unigram from --dataset's train split, and a unit-bigram baseline; with a text dataset, "
                            "the benchmarks' texts in its tokens), a validity check; prints JSON (hf_slm.scoring.null)")
    p.add_argument("--benchmarks", required=True, help="benchmark folder BENCH/<task>/")
    p.add_argument("--tasks", nargs="+", help="only these task folders (default: every one found)")
    p.add_argument("--dataset", help="unit dataset for the held-out loss (default: run.json's dataset)")
    p.add_argument("--protocol", default=DEFAULT_PROTOCOL, choices=tuple(PROTOCOLS),
                   help="the peers' scoring protocols (hf_slm.scoring.protocol): cm2024 = Cuervo & Marxer's "
                        "code (mean NLL, EOS start, no terminal EOS, whole-story cloze, macro sBLIMP); sims = "
                        "slamkit (terminal token scored, mean, micro); zerospeech = ZeroSpeech 2021 baseline "
                        "(sum, voices averaged per pair, micro) (default: %(default)s)")
    p.add_argument("--modality", default="auto", choices=("auto", "units", "text"),
                   help="score unit columns or *_text columns (auto: units if the tokenizer has them)")
    p.add_argument("--convention", choices=("mean", "sum"),
                   help="override the protocol's reduction: mean NLL per scored token or summed NLL")
    p.add_argument("--prefix", choices=("auto", "bos", "eos", "none"),
                   help="override the protocol's start token (auto: what training put before a document)")
    p.add_argument("--cloze-span", choices=("whole", "ending"),
                   help="override the protocol's cloze span: the whole story or the ending given the prompt")
    p.add_argument("--overlength", default="truncate", choices=("truncate", "refuse"),
                   help="sequences longer than the model's positions: truncate from the left (counted, "
                        "with a warning) or refuse (exit 2) (default: %(default)s)")
    p.add_argument("--dtype", choices=("float32", "bfloat16", "float16"),
                   help="model weights dtype (default: bfloat16 on GPU, float32 on CPU)")
    p.add_argument("--no-share-prompt", dest="share_prompt", action="store_false",
                   help="score cloze prompt + ending as one sequence per ending")
    p.add_argument("--batch-size", type=positive_int, default=32,
                   help="sequences per forward pass (default: %(default)s)")
    p.add_argument("--n-boot", type=positive_int, default=1000, help="bootstrap resamples for the CIs")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
    p.add_argument("--force", action="store_true", help="re-evaluate runs that already have scores")
    p.set_defaults(func=run)


def _options(args):
    from hf_slm.scoring.benchmark import EvalOptions

    return EvalOptions(protocol=args.protocol, modality=args.modality, convention=args.convention,
                       prefix=args.prefix, cloze_span=args.cloze_span, overlength=args.overlength,
                       dtype=args.dtype, share_prompt=args.share_prompt, batch_size=args.batch_size,
                       n_boot=args.n_boot, seed=args.seed, device=args.device,
                       progress=sys.stderr.isatty()).validate()


def _summary(name: str, scores: dict) -> str:
    parts = [f"{t} {e['value']:.3f} [{e['ci_low']:.3f}, {e['ci_high']:.3f}]" for t, e in scores.items()]
    return f"{name}: " + ", ".join(parts)


def _evaluate(run_dir, args, options):
    """Scores as the run's mode says, into run.json; then the checkpoint card's model-index."""
    from hf_slm.hub.model_index import update_model_index
    from hf_slm.modes import evaluate_run

    return evaluate_run(run_dir, args.benchmarks, args.dataset, options, args.tasks, on_saved=update_model_index)


def _null(args) -> int:
    from hf_slm.dataset_format import read_meta
    from hf_slm.scoring.null import null_report, text_null_report, unbiased

    if not args.dataset:
        raise ConfigError("--dataset", "--null needs the unit dataset whose train split gives the unigram frequencies")
    folder = existing_path(args.dataset, "--dataset")
    if read_meta(folder).get("tokenization") == "text":  # a text dataset: the texts, with its own tokenizer
        report = text_null_report(args.benchmarks, folder, tasks=args.tasks, n_boot=args.n_boot, seed=args.seed)
        print(json.dumps({"modality": "text", "tasks": report}, indent=2))
        return 0
    report = null_report(args.benchmarks, folder, tasks=args.tasks, n_boot=args.n_boot, seed=args.seed)
    print(json.dumps({"modality": "units", "unbiased": unbiased(report), "tasks": report}, indent=2))
    return 0


def run(args: argparse.Namespace) -> int:
    from hf_slm.runrecord import RUN_FILE, RunRecord, find_runs
    from hf_slm.scoring.benchmark import evaluate_checkpoint
    from hf_slm.scoring.run_eval import is_evaluated
    from hf_slm.synth.schema import task_folders

    options = _options(args)
    if not task_folders(args.benchmarks):
        raise ConfigError("--benchmarks", f"{args.benchmarks} holds no task folders with data/*.parquet")
    if args.null:
        return _null(args)
    if args.model:
        model = Path(args.model)
        if (model / RUN_FILE).exists():
            record = _evaluate(model, args, options)
            print(_summary(record.name, {t: record.scores[t] for t in record.extra["evaluation"]["tasks"]}))
        else:
            scores = evaluate_checkpoint(args.model, args.benchmarks, options, tasks=args.tasks)
            print(json.dumps(scores, indent=2))
        return 0
    runs_root = existing_path(args.runs, "--runs")
    runs = find_runs(runs_root)
    if not runs:
        raise ConfigError("--runs", f"no run.json under {runs_root}")
    for run_dir in runs:
        record = RunRecord.load(run_dir)
        if record.status != "completed":
            print(f"{record.name}: skipped (status {record.status})")
        elif not args.force and args.tasks is None and is_evaluated(run_dir, args.benchmarks, args.dataset, options):
            print(f"{record.name}: skipped (already evaluated)")
        else:
            record = _evaluate(run_dir, args, options)
            print(_summary(record.name, {t: record.scores[t] for t in record.extra["evaluation"]["tasks"]}))
    return 0
