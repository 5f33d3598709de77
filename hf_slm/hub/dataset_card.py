"""The dataset card of a unit dataset: numbers measured from its Parquet shards + what meta.json says."""

from __future__ import annotations

from pathlib import Path

from hf_slm.dataset_format import read_meta, split_files
from hf_slm.hub.templates import render

# Tags and the card's opening words per kind of token dataset (meta.json's `tokenization`).
KINDS = {
    "units": {"tags": ["hf-slm", "speech", "discrete-units", "speech-language-model"],
              "what": "discrete speech units", "token": "unit"},
    "unigram": {"tags": ["hf-slm", "speech", "discrete-units", "unigram", "speech-language-model"],
                "what": "unigram pieces over discrete speech units", "token": "piece"},
    "text": {"tags": ["hf-slm", "text", "language-modeling"], "what": "text tokens", "token": "token"},
}
TAGS = KINDS["units"]["tags"]  # the name other code imported before kinds existed
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


def _vocab(folder: Path):
    """The facts of the dataset's own tokenizer (size, special ids, unit ids), None without one."""
    from hf_slm.dataset_format import TOKENIZER_DIR
    from hf_slm.dataset_format.tokenizer_files import load_tokenizer
    from hf_slm.modes.base import VocabFacts

    tok_dir = folder / TOKENIZER_DIR
    if not (tok_dir / "tokenizer_config.json").is_file():
        return None
    return VocabFacts.from_tokenizer(load_tokenizer(tok_dir, field="--datasets"))


def dataset_card(folder: str | Path, *, repo_id: str, templates: str | Path | None = None,
                 published: str | Path | None = None):
    """A huggingface_hub DatasetCard for the token dataset in `folder` (keeps its YAML `configs`).

    What it says depends on the dataset's tokenization (units, unigram pieces or text tokens);
    `published`: the repo folder being laid out (to name the codebook files that travel in it).
    """
    from huggingface_hub import DatasetCard, DatasetCardData

    from hf_slm.hub.codebook_files import CODEBOOK_FILE, ENCODER_FILE

    folder = Path(folder)
    meta = read_meta(folder)
    tokenization = meta.get("tokenization") or "units"
    kind = KINDS.get(tokenization, KINDS["units"])
    stats = split_stats(folder)
    sources = _sources(meta)
    base = _existing_metadata(folder)
    licenses = sorted({s["license"] for s in sources if s["license"]})
    license_id = meta.get("license") or base.get("license") or (licenses[0] if len(licenses) == 1 else "other")
    stale = {t for k in KINDS.values() for t in k["tags"]} - set(kind["tags"])  # tags of another kind
    base.update(
        pretty_name=base.get("pretty_name") or folder.name,
        license=license_id,
        tags=sorted((set(base.get("tags") or []) - stale) | set(kind["tags"])),
        size_categories=size_category(sum(s["rows"] for s in stats)),
        configs=base.get("configs") or [{"config_name": "default", "data_files": [
            {"split": s["split"], "path": f"data/{s['split']}-*"} for s in stats]}],
    )
    if tokenization == "text":
        base.pop("hf_slm", None)  # a units block from an older card would be wrong here
    data = DatasetCardData(**base)
    repo = Path(published) if published else folder
    codebook = meta.get("codebook") if isinstance(meta.get("codebook"), dict) else {}
    body = render(
        "dataset_card.md.j2", templates, card_data=data.to_yaml(), name=folder.name, repo_id=repo_id,
        stats=stats, total_hours=sum(s["hours"] for s in stats), total_units=sum(s["units"] for s in stats),
        sources=sources, encoder=meta.get("encoder") or {},
        codebook={k: v for k, v in codebook.items() if k != "path"},
        codebook_file=CODEBOOK_FILE if (repo / CODEBOOK_FILE).is_file() else None,
        encoder_file=ENCODER_FILE if (repo / ENCODER_FILE).is_file() else None,
        dedup=meta.get("dedup"), unigram=meta.get("unigram"), command=meta.get("command"),
        versions=meta.get("versions") or {}, tokenization=tokenization, what=kind["what"], token=kind["token"],
        tokenizer=meta.get("tokenizer") or {}, has_unigram_model=(repo / "unigram.model").is_file(),
        vocab=_vocab(folder),
    )
    return DatasetCard(body)
