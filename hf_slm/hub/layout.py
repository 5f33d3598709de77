"""One function per kind of repo: fill a fresh folder with its files and its rendered card."""

from __future__ import annotations

import shutil
from pathlib import Path

from hf_slm.dataset_format import TOKENIZER_DIR, read_meta
from hf_slm.dataset_format.tokenizer_files import make_portable
from hf_slm.hub import laws as L
from hf_slm.hub.codebook_files import CODEBOOK_FILE, ENCODER_FILE, add_codebook
from hf_slm.hub.dataset_card import dataset_card
from hf_slm.hub.files import checkpoint_files, copy_tree
from hf_slm.hub.laws_card import laws_card
from hf_slm.hub.metric_repo import layout_metric
from hf_slm.hub.model_card import model_card
from hf_slm.hub.plan import Plan, RepoPlan, repo_link, repo_name

PLACEHOLDER_ORG = "<ORG>"  # repo ids in cards of a dry run without --org


def _laws_files(laws_dir: Path) -> list[Path]:
    return sorted(p for p in laws_dir.rglob("*") if p.is_file() and p.suffix.lower() in L.LAWS_SUFFIXES
                  and p.name != "README.md" and not any(s.startswith(".") for s in p.relative_to(laws_dir).parts))


def _copy_laws(laws_dir: Path, dest: Path) -> None:
    for p in _laws_files(laws_dir):
        target = dest / p.relative_to(laws_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, target)


def _write_card(card, dest: Path) -> None:
    (dest / "README.md").write_text(str(card), encoding="utf-8")


def _dataset_for(plan: Plan, dataset: str | None) -> RepoPlan | None:
    if not dataset:
        return None
    name = repo_name(Path(dataset.rstrip("/")).name)
    return next((r for r in plan.of_kind("dataset") if r.name == name), None)


def layout_model(plan: Plan, repo: RepoPlan, inputs, dest: Path, *, license: str, templates) -> None:
    record = next(rec for folder, rec in inputs.runs if folder == repo.source)
    dest.mkdir(parents=True)
    for p in checkpoint_files(repo.source):
        shutil.copy2(p, dest / p.name)
    make_portable(dest)  # the tokenizer opens with every transformers the package supports
    _copy_laws(inputs.laws_dir, dest)  # the laws beside every model, same relative paths as the laws repo
    laws_repo = plan.of_kind("laws")[0]
    ds_repo = _dataset_for(plan, record.dataset)
    hub_datasets = ([ds_repo.repo_id(plan.org)] if ds_repo and plan.org else
                    [record.dataset] if record.dataset and record.dataset.count("/") == 1
                    and not Path(record.dataset).exists() else [])
    card = model_card(
        record, repo_id=repo.repo_id(plan.org or PLACEHOLDER_ORG), laws=inputs.laws,
        laws_link=repo_link(plan, laws_repo, "model"), laws_files=L.plot_files(inputs.laws_dir),
        dataset_link=repo_link(plan, ds_repo, "model") if ds_repo else None, datasets=hub_datasets,
        dataset_name=ds_repo.repo_id(plan.org) if ds_repo else None,
        license=license, templates=templates, checkpoint=dest)
    _write_card(card, dest)


def layout_laws(plan: Plan, repo: RepoPlan, inputs, dest: Path, *, license: str, templates) -> None:
    dest.mkdir(parents=True)
    _copy_laws(repo.source, dest)
    links = [(m.name, repo_link(plan, m, "laws")) for m in plan.of_kind("model")]
    _write_card(laws_card(repo.source, repo_id=repo.repo_id(plan.org or PLACEHOLDER_ORG), model_links=links,
                          license=license, templates=templates), dest)


def layout_dataset(plan: Plan, repo: RepoPlan, inputs, dest: Path, *, license: str, templates) -> None:
    dest.mkdir(parents=True)
    copy_tree(repo.source, dest, skip=("README.md", CODEBOOK_FILE, ENCODER_FILE))
    add_codebook(repo.source, dest, read_meta(repo.source))  # units: new audio can be encoded the same way
    make_portable(dest / TOKENIZER_DIR)
    _write_card(dataset_card(repo.source, repo_id=repo.repo_id(plan.org or PLACEHOLDER_ORG),
                             templates=templates, published=dest), dest)


def layout_metric_repo(plan: Plan, repo: RepoPlan, inputs, dest: Path, *, license: str, templates) -> None:
    layout_metric(repo.source, dest, repo_id=repo.repo_id(plan.org or PLACEHOLDER_ORG), sdk=repo.space_sdk,
                  templates=templates)


LAYOUT = {"model": layout_model, "laws": layout_laws, "dataset": layout_dataset, "metric": layout_metric_repo}
