"""The dataset card of a unit dataset: numbers measured from its Parquet shards + what meta.json says."""

from __future__ import annotations

from pathlib import Path

from hf_slm.atomic import read_json
from hf_slm.hub.templates import render
from hf_slm.units.dataset import META_FILE, split_files

TAGS = ["hf-slm", "speech", "discrete-units", "speech-language-model"]
_SIZES = ((1e3, "n<1K"), (1e4, "1K<n<10K"), (1e5, "10K<n<100K"), (1e6, "100K<n<1M"),
          (1e7, "1M<n<10M"), (1e8, "10M<n<100M"), (1e9, "100M<n<1B"))


def size_category(rows: int) -> str:
    return next((name for bound, name in _SIZES if rows < bound), "n>1B")


def split_stats(folder: str | Path) -> list[dict]:
    """Rows, hours, units and speakers per split, counted from the shards (not copied from meta)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out = []
    for split, paths in split_files(folder).items():
        rows = units = 0
        seconds = 0.0
        speakers: set = set()
        for p in paths:
            t = pq.read_table(p, columns=["units", "duration", "speaker"])
            rows += t.num_rows
            if t.num_rows:
                units += int(pc.sum(pc.list_value_length(t["units"])).as_py() or 0)
                seconds += float(pc.sum(t["duration"]).as_py() or 0.0)
                speakers.update(pc.unique(t["speaker"]).to_pylist())
        out.append({"split": split, "rows": rows, "hours": seconds / 3600, "units": units,
                    "speakers": len(speakers - {None, ""}), "shards": len(paths)})
    return out


def _sources(meta: dict) -> list[dict]:
    rows = []
    for s in meta.get("sources") or []:
        rows.append(s if isinstance(s, dict) else {"name": str(s)})
    return [{"name": r.get("name", "?"), "license": r.get("license"), "url": r.get("url"),
             "hours": r.get("hours")} for r in rows]


def _existing_metadata(folder: Path) -> dict:
    from huggingface_hub import DatasetCard

    readme = folder / "README.md"
    return DatasetCard.load(readme).data.to_dict() if readme.is_file() else {}


def dataset_card(folder: str | Path, *, repo_id: str, templates: str | Path | None = None):
    """A huggingface_hub DatasetCard for the unit dataset in `folder` (keeps its YAML `configs`)."""
    from huggingface_hub import DatasetCard, DatasetCardData

    folder = Path(folder)
    meta = read_json(folder / META_FILE)
    stats = split_stats(folder)
    sources = _sources(meta)
    base = _existing_metadata(folder)
    licenses = sorted({s["license"] for s in sources if s["license"]})
    base.update(
        pretty_name=base.get("pretty_name") or folder.name,
        license=meta.get("license") or base.get("license") or (licenses[0] if len(licenses) == 1 else "other"),
        tags=sorted(set(base.get("tags") or []) | set(TAGS)),
        size_categories=size_category(sum(s["rows"] for s in stats)),
        configs=base.get("configs") or [{"config_name": "default", "data_files": [
            {"split": s["split"], "path": f"data/{s['split']}-*"} for s in stats]}],
    )
    data = DatasetCardData(**base)
    body = render(
        "dataset_card.md.j2", templates, card_data=data.to_yaml(), name=folder.name, repo_id=repo_id,
        stats=stats, total_hours=sum(s["hours"] for s in stats), total_units=sum(s["units"] for s in stats),
        sources=sources, encoder=meta.get("encoder") or {}, codebook=meta.get("codebook") or {},
        dedup=meta.get("dedup"), unigram=meta.get("unigram"), command=meta.get("command"),
        versions=meta.get("versions") or {}, kind=meta.get("kind", "speech units"),
    )
    return DatasetCard(body)
