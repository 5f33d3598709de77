"""`hf-slm demo`: the whole scaling study at toy scale, one stage after another, resumable.

    stories ─▶ codebook ─▶ units ─▶ benchmarks ─▶ null scorers ─▶ text side ─▶ text null ─▶ train grid
            ─▶ SIMS runs ─▶ evaluate ─▶ fit ─▶ findings ─▶ publish ─▶ report

Each stage calls the library function of its stage (the same code the CLI runs) and reads only
what the stage before it wrote under DIR. `DIR/demo_state.json` records finished stages with
their wall time; a rerun skips them, and a stage cut off midway resumes through its own
resumable machinery (synthesis and extraction shards, training checkpoints, evaluated runs).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from hf_slm.atomic import read_json, write_json
from hf_slm.demo.presets import Preset, non_embedding_params
from hf_slm.errors import ConfigError

STATE_FILE = "demo_state.json"
NULL_FILE = "null_scores.json"
TEXT_NULL_FILE = "null_scores_text.json"
FINDINGS_FILE = "findings.json"
SIMS_POOL_SHARE = 0.35  # tokens of one rendered SIMS epoch per unit of the speech pool (0.39 measured on micro)
MODES = ("speech", "text")
DATASET_OF_MODE = {"speech": "units", "text": "text"}  # which of the demo's datasets each mode trains on
VOICES = ("en-us", "en-us+f3")


class Demo:
    def __init__(self, out: str | Path, preset: Preset, seed: int = 0, log=None):
        self.out = Path(out)
        self.preset = preset
        self.seed = seed
        self.log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.paths = {
            "audio": self.out / "audio",
            "codebook": self.out / "codebook.safetensors",
            "units": self.out / "units",
            "bench_audio": self.out / "benchmarks_audio",
            "bench": self.out / "benchmarks",
            "text": self.out / "text",
            "runs": self.out / "runs",
            "laws": self.out / "laws",
            "hub": self.out / "hub",
        }

    # ---- bookkeeping -------------------------------------------------------------------------
    def _state(self) -> dict:
        path = self.out / STATE_FILE
        if not path.exists():
            return {"preset": asdict(self.preset), "seed": self.seed, "stages": {}}
        state = read_json(path)
        if state.get("preset", {}).get("name") != self.preset.name or state.get("seed") != self.seed:
            raise ConfigError("--out", f"{self.out} holds a demo of preset {state.get('preset', {}).get('name')!r} "
                                       f"seed {state.get('seed')}; use another folder or the same preset and seed")
        return state

    def stages(self):
        return [
            ("stories", self.synth_stories),
            ("codebook", self.fit_codebook),
            ("units", self.extract_units),
            ("benchmarks", self.synth_benchmarks),
            ("null", self.null_scores),
            ("text", self.build_text_side),
            ("text_null", self.text_null_scores),
            ("train", self.train_grid),
            ("sims", self.train_interleaved),
            ("evaluate", self.evaluate_runs),
            ("fit", self.fit_laws),
            ("findings", self.write_findings),
            ("publish", self.publish),
            ("report", self.write_report),
        ]

    def run(self) -> dict:
        self.out.mkdir(parents=True, exist_ok=True)
        state = self._state()
        start = time.perf_counter()
        for name, fn in self.stages():
            if name in state["stages"]:
                self.log(f"[demo] {name}: done in an earlier run ({state['stages'][name]['seconds']:.0f} s), skipped")
                continue
            self.log(f"[demo] {name} ...")
            t0 = time.perf_counter()
            # the report stage reads the state, so the timings it prints include every stage before it
            self._state_for_report = state
            info = fn() or {}
            state["stages"][name] = {"seconds": round(time.perf_counter() - t0, 2), **info}
            write_json(self.out / STATE_FILE, state)
            self.log(f"[demo] {name}: {state['stages'][name]['seconds']:.1f} s")
        state["total_seconds_this_run"] = round(time.perf_counter() - start, 2)
        write_json(self.out / STATE_FILE, state)
        return state

    # ---- data --------------------------------------------------------------------------------
    def synth_stories(self) -> dict:
        from hf_slm.synth.build_stories import StoriesConfig, synth_stories

        p = self.preset
        common = dict(out=str(self.paths["audio"]), seed=self.seed, voices=list(VOICES),
                      workers=p.workers, shard_size=50, quiet=True)
        train = synth_stories(StoriesConfig(hours=p.train_hours, split="train", **common))
        # the test split continues the same story stream after a gap: disjoint ids and texts
        test = synth_stories(StoriesConfig(num_stories=p.test_stories, split="test", start=10_000_000,
                                           **common))
        return {"train": _counts(train, "train"), "test": _counts(test, "test")}

    def fit_codebook(self) -> dict:
        from hf_slm.units.encoders import build_encoder
        from hf_slm.units.fit import fit_codebook

        cb = fit_codebook(self.paths["audio"], self.paths["codebook"], build_encoder("mel"),
                          k=self.preset.k, seed=self.seed, max_frames=100_000)
        return {"k": self.preset.k, "sha256": getattr(cb, "sha256", None)}

    def extract_units(self) -> dict:
        from hf_slm.units.extract import ExtractConfig, extract

        summary = extract(ExtractConfig(input=str(self.paths["audio"]), out=str(self.paths["units"]),
                                        codebook=str(self.paths["codebook"]), progress=False)) or {}
        return {"counts": summary.get("counts", summary)}

    def synth_benchmarks(self) -> dict:
        """Spoken benchmarks as audio (synthesis), then as units (the unit stage on that audio)."""
        from hf_slm.synth.build_benchmarks import BenchmarkConfig, synth_benchmarks
        from hf_slm.units.benchmark import REMOVAL_COUNTS, benchmarks_to_units

        p = self.preset
        # held-out by construction: nothing in the benchmarks occurs in the training stories
        audio = synth_benchmarks(BenchmarkConfig(
            out=str(self.paths["bench_audio"]), seed=self.seed, voices=list(VOICES), workers=p.workers,
            pairs_per_phenomenon=p.pairs_per_phenomenon, cloze_questions=p.cloze_questions,
            words=p.wuggy_items, exclude_from=str(self.paths["audio"]), quiet=True))
        from hf_slm.dataset_format import read_meta

        folders = benchmarks_to_units(self.paths["bench_audio"], self.paths["bench"],
                                      str(self.paths["codebook"]), tasks=list(audio),
                                      unigram_from=self.paths["units"])
        # the unit stage drops pairs whose two sides are the same units (no right answer) and the rows that
        # keep each group's unit lengths, unit typicality and word frequency (training split) counterbalanced,
        # and counts them
        metas = {task: read_meta(folder) for task, folder in folders.items()}
        return {"tasks": sorted(folders),
                **{key: {t: m.get(key, 0) for t, m in metas.items()} for key in REMOVAL_COUNTS}}

    def null_scores(self) -> dict:
        """Model-free null scorers (length-only, unit unigram) and the unit-bigram baseline on every
        benchmark: DIR/null_scores.json."""
        from hf_slm.scoring.null import null_report, unbiased

        report = null_report(self.paths["bench"], self.paths["units"], n_boot=self.preset.bootstrap, seed=self.seed)
        write_json(self.out / NULL_FILE, {"scorers": {"length": "prefers the shorter candidate (-units)",
                                                      "unigram": "mean unit log-prob, training-split unigram",
                                                      "bigram": "baseline, not a criterion: mean unit log-prob, "
                                                                "training-split unit bigrams"},
                                          "tasks": report})
        return {"unbiased": unbiased(report)}

    def text_null_scores(self) -> dict:
        """The same null scorers on the benchmarks' texts, with the text side's tokenizer and training
        token frequencies: what a text LM gets for free (DIR/null_scores_text.json)."""
        from hf_slm.scoring.null import off_chance, text_null_report

        report = text_null_report(self.paths["bench"], self.paths["text"], n_boot=self.preset.bootstrap,
                                  seed=self.seed)
        write_json(self.out / TEXT_NULL_FILE, {"scorers": {"length": "prefers the candidate of fewer text tokens",
                                                           "unigram": "mean text-token log-prob, training-split unigram"},
                                               "tasks": report})
        return {"off_chance": off_chance(report)}

    def build_text_side(self) -> dict:
        """The stories as text, same test split, with a tokenizer trained on the training stories."""
        from hf_slm.demo.text_side import extra_story_texts
        from hf_slm.textlm.dataset import write_text_dataset
        from hf_slm.textlm.tokenizer import train_text_tokenizer
        from hf_slm.units.dataset import load_unit_dataset

        units = load_unit_dataset(self.paths["units"])
        splits = {name: [{"id": r["id"], "text": r["text"], "speaker": r["speaker"], "duration": r["duration"]}
                         for r in ds.select_columns(["id", "text", "speaker", "duration"])]
                  for name, ds in units.splits.items()}
        tokenizer = train_text_tokenizer((r["text"] for r in splits["train"]), vocab_size=self.preset.text_vocab)
        have = sum(len(ids) + 1 for ids in tokenizer([r["text"] for r in splits["train"]],
                                                      add_special_tokens=False)["input_ids"])
        # single-epoch text runs up to the largest budget, like the speech ones (see text_side.py)
        need = int(1.03 * max(self.preset.budgets))
        extra = extra_story_texts(tokenizer, need, have, self.seed, self.paths["bench"])
        splits["train"] = splits["train"] + extra
        write_text_dataset(self.paths["text"], splits, tokenizer, source=str(self.paths["units"]))
        return {"vocab": len(tokenizer), "spoken_stories": len(splits["train"]) - len(extra),
                "text_only_stories": len(extra)}

    # ---- models ------------------------------------------------------------------------------
    def grid(self) -> list[dict]:
        """Every run of both modes: scales × budgets (+ multi-epoch runs), as run_training values.

        Both modes get the same token budgets. The stories' text is several times shorter than
        their units, so text runs past the text pool repeat it (epochs > 1, recorded per run).
        """
        from hf_slm.units.dataset import load_unit_dataset

        p = self.preset
        runs = []
        for mode in MODES:
            dataset = self.paths[DATASET_OF_MODE[mode]]
            pool = _train_tokens(load_unit_dataset(dataset))
            cells = [(s, d, None) for s in p.scales for d in p.budgets]
            cells += [(s, d, e) for s, d, e in p.multi_epoch]
            for scale, tokens, epochs in cells:
                # a budget beyond the pool repeats it: the fewest epochs that fit (multi-epoch by necessity)
                fit_epochs = max(1.0, tokens / (0.97 * pool))
                epochs = round(max(epochs or 1.0, fit_epochs), 2)
                # the mode is part of the name: model repos of both modes sit side by side on the Hub
                tag = f"{mode}-{scale}-D{tokens // 1000}k" + (f"-e{epochs:g}" if epochs > 1 else "")
                runs.append(dict(
                    scale=scale, dataset=str(dataset), mode=mode, budget_tokens=tokens,
                    epochs=epochs, context=p.context, global_batch=p.global_batch,
                    learning_rate=p.learning_rate_of(scale),
                    per_device_train_batch_size=p.global_batch, output_dir=str(self.paths["runs"] / mode / tag),
                    min_warmup_steps=0, warmup_fraction=0.05, curve_points=p.curve_points,
                    checkpoints=2, seed=self.seed, logging_steps=50, disable_tqdm=True,
                    dataloader_num_workers=0))
        return runs

    def train_grid(self) -> dict:
        runs = self.grid()
        self._train(runs, "train grid", cost=lambda v: v["budget_tokens"] * non_embedding_params(v["scale"]))
        return {"runs": len(runs)}

    def _train(self, runs: list[dict], desc: str, cost) -> None:
        """run_training over `runs` in the worker pool, one line per finished run."""
        from hf_slm.demo.workers import run_parallel
        from hf_slm.training.run import run_training

        def report(values, rec, bar):
            bar.write(f"[demo] {Path(values['output_dir']).name}: N={rec.n_params:,} D={rec.tokens_seen:,} "
                      f"epochs={rec.epochs:.2f} test loss {rec.final_test_loss:.4f} ({rec.wall_time_s:.1f} s)")

        # Trainer prints its log dicts to stdout; each run keeps them in its own train.log
        run_parallel(run_training, runs, workers=self.preset.workers, desc=desc, cost=cost,
                     log_path=lambda v: Path(v["output_dir"] + ".train.log"), on_done=report)

    def interleaved_grid(self) -> list[dict]:
        """SIMS at toy scale: interleaved runs from the demo's own text LMs, at the speech runs' N and D.

        Each starts from the text LM of its scale trained on the largest budget; its non-embedding N
        is that LM's, which is the same scale's speech N, so an interleaved and a speech run of one
        scale and budget have the same training compute 6ND.
        """
        p = self.preset
        base = {}  # scale -> the text run at the largest budget with the fewest epochs
        for v in sorted(self.grid(), key=lambda v: -v["epochs"]):
            if v["mode"] == "text" and v["budget_tokens"] == max(p.budgets):
                base[v["scale"]] = v["output_dir"]
        speech = {(v["scale"], v["budget_tokens"]): v for v in self.grid()
                  if v["mode"] == "speech" and v["epochs"] <= 1.0}
        from hf_slm.units.dataset import load_unit_dataset

        # The SIMS mixture renders each story as text, interleaved or speech: an epoch of it is about
        # 0.39 of the unit pool (measured on micro), so budgets past that repeat it (epochs > 1).
        pool = SIMS_POOL_SHARE * _train_tokens(load_unit_dataset(self.paths["units"]))
        runs = []
        for scale in p.sims_scales or p.scales:
            for tokens in p.sims_budgets or p.budgets:
                ref = speech.get((scale, tokens))
                if ref is None or scale not in base:
                    continue
                tag = f"interleaved-{scale}-D{tokens // 1000}k"
                keep = {k: v for k, v in ref.items() if k not in ("scale", "mode", "output_dir", "epochs")}
                epochs = round(max(1.0, tokens / (0.97 * pool)), 2)
                runs.append({**keep, "mode": "interleaved", "base_model": base[scale], "epochs": epochs,
                             "output_dir": str(self.paths["runs"] / "interleaved" / tag)})
        return runs

    def train_interleaved(self) -> dict:
        runs = self.interleaved_grid()
        self._train(runs, "SIMS runs", cost=lambda v: v["budget_tokens"])
        return {"runs": len(runs)}

    def evaluate_runs(self) -> dict:
        from hf_slm.demo.workers import run_parallel
        from hf_slm.runrecord import find_runs
        from hf_slm.scoring.run_eval import is_evaluated

        jobs = [{"run_dir": str(d), "bench_dir": str(self.paths["bench"]),
                 "n_boot": self.preset.bootstrap, "seed": self.seed}
                for d in find_runs(self.paths["runs"]) if not is_evaluated(d, self.paths["bench"])]
        run_parallel(_evaluate_one, jobs, workers=self.preset.workers, desc="evaluate")
        return {"evaluated": len(jobs)}

    # ---- analysis ----------------------------------------------------------------------------
    def fit_laws(self) -> dict:
        from hf_slm.runrecord import find_runs
        from hf_slm.scaling import fit_runs, write_laws, write_plots

        laws = fit_runs(find_runs(self.paths["runs"]), bootstrap=self.preset.bootstrap, seed=self.seed)
        write_laws(self.paths["laws"] / "scaling_laws.json", laws)
        plots = write_plots(laws, self.paths["laws"])
        return {"plots": len(plots)}

    def write_findings(self) -> dict:
        """The papers' findings, reproduced or not, from this run's numbers: DIR/findings.json."""
        from hf_slm.demo.findings import all_findings
        from hf_slm.runrecord import RunRecord, find_runs

        laws = read_json(self.paths["laws"] / "scaling_laws.json")
        records = [RunRecord.load(d) for d in find_runs(self.paths["runs"])]
        null, text_null = ({} if not (self.out / f).exists() else read_json(self.out / f).get("tasks", {})
                           for f in (NULL_FILE, TEXT_NULL_FILE))
        found = all_findings(laws, records, null, text_null)
        write_json(self.out / FINDINGS_FILE, {"preset": self.preset.name, "seed": self.seed, "findings": found})
        return {"reproduced": sorted(k for k, v in found.items() if v["reproduced"])}

    def publish(self) -> dict:
        from hf_slm.hub.publish import publish

        metrics = Path(__file__).resolve().parents[2] / "evaluation" / "metrics"
        plan = publish(self.paths["runs"], self.paths["laws"], self.paths["hub"],
                       datasets=[self.paths["units"], self.paths["text"]],
                       metrics=metrics if metrics.is_dir() else None, log=lambda m: None)
        return {"repos": len(plan.repos)}

    def write_report(self) -> dict:
        from hf_slm.demo.report import write_report

        paths = write_report(self.out, self.paths, self.preset, self._state_for_report)
        return {"files": [str(p.relative_to(self.out)) for p in paths]}


def _evaluate_one(run_dir: str, bench_dir: str, n_boot: int, seed: int):
    """One run's evaluation (a module-level function, so a worker process can import it).

    The run's mode (run.json) says how it is scored; the checkpoint's README gets its model-index
    from the scores, as a published card would."""
    from hf_slm.hub.model_index import update_model_index
    from hf_slm.modes import evaluate_run
    from hf_slm.scoring.benchmark import EvalOptions

    evaluate_run(run_dir, bench_dir, options=EvalOptions(n_boot=n_boot, seed=seed), on_saved=update_model_index)


def _counts(meta: dict, split: str) -> dict:
    counts = (meta or {}).get("counts", {}).get(split, {})
    return {k: counts[k] for k in ("rows", "seconds") if k in counts}


def _train_tokens(ds) -> int:
    import numpy as np

    lengths = ds.splits["train"].map(lambda b: {"n": [len(u) for u in b["units"]]}, batched=True,
                                     remove_columns=ds.splits["train"].column_names)["n"]
    return int(np.sum(lengths)) + len(lengths)  # + one EOS per document, as packing adds


def run_demo(out: str | Path, preset: str = "tiny", seed: int = 0) -> dict:
    from hf_slm.demo.presets import get_preset

    if preset == "paper":
        from hf_slm.demo.paper import plan_paper

        return plan_paper(out)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")  # hundreds of one-shard writes
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # per-checkpoint "Loading weights" bars; the demo has its own
    hf_logging.set_verbosity_error()
    return Demo(out, get_preset(preset), seed=seed).run()
