"""The dataset card (README.md with YAML metadata) of a unit dataset, via huggingface_hub DatasetCard.

The YAML carries license, `configs` (so `load_dataset` finds the Parquet shards per split),
`dataset_info` (features and split sizes, written by `datasets` itself) and an `hf_slm` block
with the encoder, codebook and statistics; the body repeats them for people.
"""

from __future__ import annotations

from pathlib import Path

from hf_slm.dataset_format import card_text as _card_text
from hf_slm.dataset_format import split_configs
from hf_slm.dataset_format import write_card as _write_card


def card_data(meta: dict, features=None):
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    from hf_slm.units.dataset import unit_features

    splits = sorted(meta["counts"])
    data = DatasetCardData(
        license=meta.get("license", "unknown"), pretty_name="hf-slm speech units",
        tags=["speech-units", "hf-slm", "audio"],
        configs=split_configs(splits),
        hf_slm={"encoder": meta["encoder"],
                "codebook": {"k": meta["codebook"]["k"], "sha256": meta["codebook"]["sha256"]},
                "dedup": meta["dedup"], "stats": meta["stats"]},
    )
    split_dict = SplitDict()
    for s in splits:
        split_dict.add(SplitInfo(name=s, num_examples=meta["counts"][s]["rows"]))
    info = DatasetInfo(features=features or unit_features(), splits=split_dict)
    DatasetInfosDict({"default": info}).to_dataset_card_data(data)
    return data


def _body(meta: dict, title: str) -> str:
    enc, cb, st = meta["encoder"], meta["codebook"], meta["stats"]
    layer = f", layer {enc['layer']}" if enc.get("layer") is not None else ""
    rows = "\n".join(f"| {s} | {c['rows']} | {c['seconds'] / 3600:.3f} | {c['units']} | "
                     f"{c.get('units_per_second', 0):.1f} |" for s, c in sorted(meta["counts"].items()))
    body = f"""
# {title}

Discrete speech units made by `hf-slm units extract` ([hf-slm](https://pypi.org/project/hf-slm/)): encoder
`{enc['name']}` (`{enc['id']}`{layer}, {enc['frame_rate']:g} Hz frames at {enc['sample_rate']} Hz audio),
k-means codebook K={cb['k']} (sha256 `{cb['sha256'][:16]}…`), run-length dedup {'on' if meta['dedup'] else 'off'}.

| split | files | hours | units | units/s |
|---|---|---|---|---|
{rows}

Total: {st['hours']:.3f} h, {st['units']} units ({st['units_per_second']:.1f} units per second of audio);
{st['skipped']} inputs skipped (see `skips.jsonl`: {st['skip_reasons'] or 'none'}).

Columns: `id`, `units` (int16; unit k is token id k of `tokenizer/`), `durations` (frames per
deduplicated unit), `duration` (seconds), `speaker`, `text`, `words` (half-open unit-index spans).
Open with `datasets.load_dataset("parquet", data_dir=...)` or `hf_slm.units.dataset.load_unit_dataset`.
"""
    return body


def card_text(meta: dict, title: str = "Speech units", features=None) -> str:
    return _card_text(card_data(meta, features), _body(meta, title))


def write_card(folder: str | Path, meta: dict, title: str = "Speech units", features=None) -> Path:
    return _write_card(folder, card_data(meta, features), _body(meta, title))
