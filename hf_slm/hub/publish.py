"""`publish`: check every input, lay out one folder per Hub repo with its card, optionally push.

Order matters: all checks run before anything is written (bad configuration → ConfigError, no
output), then each repo folder appears atomically, then (only with `push_to`) the upload.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from hf_slm import modes
from hf_slm.atomic import atomic_dir
from hf_slm.errors import ConfigError
from hf_slm.hub import laws as L
from hf_slm.hub.codebook_files import find_codebook
from hf_slm.hub.files import checkpoint_files, pickles_in
from hf_slm.hub.local_paths import PathScrubber
from hf_slm.hub.metric_repo import SDKS, check_metric_folder
from hf_slm.hub.model_card import tokenizer_facts
from hf_slm.hub.plan import Plan, RepoPlan, check_org, repo_name
from hf_slm.runrecord import RunRecord, find_runs
from hf_slm.units.dataset import META_FILE, split_files

LAWS_REPO = "slm-scaling-laws"


@dataclass
class Inputs:
    runs: list[tuple[Path, RunRecord]]
    laws_dir: Path
    laws: dict
    datasets: list[Path]
    metrics: list[Path]
    skipped: list[tuple[str, str]]


def _collect_runs(runs_dir: Path) -> tuple[list[tuple[Path, RunRecord]], list[tuple[str, str]]]:
    if not runs_dir.is_dir():
        raise ConfigError("--runs", f"{runs_dir} is not a folder")
    runs, skipped = [], []
    for folder in find_runs(runs_dir):
        try:
            record = RunRecord.load(folder)
        except (ValueError, TypeError) as e:
            raise ConfigError("--runs", f"{folder}/run.json is unreadable ({e})") from None
        if record.status != "completed":
            skipped.append((str(folder), f"status {record.status!r}, not completed"))
            continue
        checkpoint_files(folder)  # raises on pickled or missing weights
        modes.get(record.mode, field="--runs")  # its card is its mode's: an unknown mode stops here
        tokenizer_facts(folder)  # a tokenizer that asks to run its own code stops here, before any output
        runs.append((folder, record))
    if not runs:
        raise ConfigError("--runs", f"no completed run.json under {runs_dir}; train (and evaluate) first")
    return runs, skipped


def _collect_datasets(paths) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if not (p / META_FILE).is_file() or not split_files(p):
            raise ConfigError("--datasets", f"{p} is not a unit dataset folder (meta.json + data/*.parquet)")
        if pickles_in(p):
            raise ConfigError("--datasets", f"{p} holds pickle files; publish safetensors only")
        find_codebook(p)  # a units dataset travels with the codebook its units came from
        out.append(p)
    return out


def _collect_metrics(path) -> list[Path]:
    """A folder of evaluate modules (evaluation/metrics) or one module folder."""
    if path is None:
        return []
    p = Path(path)
    if not p.is_dir():
        raise ConfigError("--metrics", f"{p} is not a folder")
    if (p / f"{p.name}.py").is_file():
        return [p]
    found = [d for d in sorted(p.iterdir()) if d.is_dir() and (d / f"{d.name}.py").is_file()]
    if not found:
        raise ConfigError("--metrics", f"{p} holds no evaluate module folders (<name>/<name>.py)")
    for d in found:
        check_metric_folder(d)
    return found


def collect(runs_dir, laws_dir, datasets=(), metrics=None) -> Inputs:
    """Every check publishing needs, with nothing written."""
    runs, skipped = _collect_runs(Path(runs_dir))
    laws_dir = Path(laws_dir)
    laws = L.load_laws(laws_dir)
    if pickles_in(laws_dir):
        raise ConfigError("--laws", f"{laws_dir} holds pickle files; publish JSON and plots only")
    return Inputs(runs, laws_dir, laws, _collect_datasets(datasets), _collect_metrics(metrics), skipped)


def _unique(repos: list[RepoPlan]) -> None:
    seen: dict[tuple[str, str], RepoPlan] = {}
    for r in repos:
        key = (r.repo_type, r.name)
        if key in seen:
            raise ConfigError("--runs", f"two sources publish to the same repo {r.name!r}: "
                                        f"{seen[key].source} and {r.source}; rename one run")
        seen[key] = r


def make_plan(inputs: Inputs, out: Path, org: str | None, laws_name: str, metric_sdk: str) -> Plan:
    repos = [RepoPlan("dataset", repo_name(p.name), p) for p in inputs.datasets]
    repos.append(RepoPlan("laws", repo_name(laws_name), inputs.laws_dir))
    repos += [RepoPlan("metric", repo_name(p.name), p, space_sdk=metric_sdk) for p in inputs.metrics]
    repos += [RepoPlan("model", repo_name(rec.name or folder.name), folder) for folder, rec in inputs.runs]
    _unique(repos)
    return Plan(out=out, org=org, repos=repos, skipped=list(inputs.skipped))


def public_names(plan: Plan, inputs: Inputs, runs_dir) -> PathScrubber:
    """Local folders → what names them in public: each source its repo id, the runs folder "runs"."""
    from hf_slm.hub.layout import PLACEHOLDER_ORG

    roots = {runs_dir: "runs", plan.out: "hub"}
    roots.update({r.source: r.repo_id(plan.org or PLACEHOLDER_ORG) for r in plan.repos})
    return PathScrubber(roots)


def publish(runs_dir, laws_dir, out, *, datasets=(), metrics=None, org: str | None = None,
            push_to: str | None = None, private: bool = False, laws_name: str = LAWS_REPO,
            metric_sdk: str = "gradio", license: str = "apache-2.0", templates=None,
            collection_title: str = "hf-slm scaling study", log=print) -> Plan:
    """Lay out HUBDIR (`out`) for the runs, laws, datasets and metrics; push to `push_to` if given.

    Without `push_to` this is the dry run: it writes only under `out` and prints the plan.
    `org` names repos in the cards without pushing (`push_to` implies it).
    """
    from hf_slm.hub import layout  # lazy: pulls in the card renderers

    if metric_sdk not in SDKS:
        raise ConfigError("--metric-sdk", f"{metric_sdk!r} is not one of {', '.join(SDKS)}")
    org = check_org(push_to, "--push") or check_org(org, "--org")
    if push_to and org != push_to:
        raise ConfigError("--org", f"--org {org} differs from --push {push_to}")
    token = None
    if push_to:
        from hf_slm.hub.push import resolve_token

        token = resolve_token()  # before any output: no token, no layout
    inputs = collect(runs_dir, laws_dir, datasets, metrics)
    plan = make_plan(inputs, Path(out), org, laws_name, metric_sdk)
    scrubber = public_names(plan, inputs, runs_dir)
    for repo in plan.repos:
        with atomic_dir(repo.folder(plan.out)) as tmp:
            shutil.rmtree(tmp)  # each layout function creates its folder
            layout.LAYOUT[repo.kind](plan, repo, inputs, tmp, license=license, templates=templates)
            scrubber.tree(tmp)  # no path of this machine in any published file
            repo.files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
            repo.bytes = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    for line in plan.lines():
        log(line)
    if push_to:
        from hf_slm.hub.push import push

        push(plan, token=token, private=private, collection_title=collection_title, log=log)
    else:
        log("dry run: nothing was sent to the Hub (pass --push ORG to upload)")
    return plan
