"""What a units dataset repo carries so new audio can be encoded exactly as its units were.

The codebook (safetensors, with the encoder it was fitted on in its metadata) and `encoder.json`
(the encoder settings, the codebook's checksum and the command that encodes new audio with them)
sit beside the shards; meta.json then names the codebook by its file in the repo.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hf_slm.dataset_format import read_meta
from hf_slm.errors import ConfigError
from hf_slm.scoring.identity import dataset_codebook
from hf_slm.units.quantizer import Codebook

CODEBOOK_FILE = "codebook.safetensors"
ENCODER_FILE = "encoder.json"


def needs_codebook(meta: dict) -> bool:
    """Units (and unigram pieces over units) came from a codebook; text tokens did not."""
    return isinstance(meta.get("codebook"), dict) and meta.get("tokenization") in ("units", "unigram") \
        and bool(meta.get("encoder"))


def _recorded_paths(folder: Path, meta: dict) -> list[Path]:
    """Where the codebook may be: beside the shards, where meta.json says, or (unigram) where its units' meta says."""
    out = [folder / CODEBOOK_FILE]
    if meta["codebook"].get("path"):
        out.append(Path(meta["codebook"]["path"]))
    source = (meta.get("unigram") or {}).get("source") if isinstance(meta.get("unigram"), dict) else None
    if meta.get("tokenization") == "unigram" and source and (Path(source) / "meta.json").is_file():
        out += _recorded_paths(Path(source), read_meta(source))
    return out


def find_codebook(folder: Path, meta: dict | None = None, field: str = "--datasets") -> Path | None:
    """The codebook the dataset's units came from, checked against meta.json's checksum.

    Looked for in the folder first (a dataset published before), then where meta.json says it was
    (for unigram pieces: where the meta of the units they were made from says). None for datasets
    without a codebook; ConfigError when it is missing or is another codebook.
    """
    meta = meta if meta is not None else read_meta(folder)
    if not needs_codebook(meta):
        return None
    candidates = _recorded_paths(folder, meta)
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise ConfigError(field, f"{folder}: the codebook its units came from is not at "
                                 f"{' or '.join(map(str, candidates))}; without it the published dataset "
                                 "cannot encode new audio (put it beside the shards)")
    want = (dataset_codebook(meta) or {}).get("sha256")
    got = Codebook.load(path, field).content_sha256()
    if want and got != want:
        raise ConfigError(field, f"{path} is not the codebook {folder}'s units came from "
                                 f"(sha256 {got[:12]}… != meta.json {want[:12]}…)")
    return path


def encoder_description(meta: dict) -> dict:
    cb = dataset_codebook(meta) or {}
    return {
        "encoder": meta["encoder"],
        "codebook": {"file": CODEBOOK_FILE, "k": cb.get("k"), "sha256": cb.get("sha256")},
        "dedup": meta.get("dedup"),
        "encode_new_audio": f"hf-slm units extract --input AUDIO_DIR --out UNITS_DIR --codebook {CODEBOOK_FILE}"
                            + ("" if meta.get("dedup", True) else " --no-dedup"),
    }


def add_codebook(folder: Path, dest: Path, meta: dict) -> list[Path]:
    """Copy the codebook into `dest`, write encoder.json, point dest/meta.json at the copy."""
    src = find_codebook(folder, meta)
    if src is None:
        return []
    if src.resolve() != (dest / CODEBOOK_FILE).resolve():
        shutil.copy2(src, dest / CODEBOOK_FILE)
    (dest / ENCODER_FILE).write_text(json.dumps(encoder_description(meta), indent=2) + "\n", encoding="utf-8")
    meta_path = dest / "meta.json"
    if meta_path.is_file():
        raw = json.loads(meta_path.read_text(encoding="utf-8"))
        # unigram: meta's codebook block is the piece model's; the units' codebook is named beside it
        raw.setdefault("codebook", {})["units_path" if meta.get("tokenization") == "unigram" else "path"] = \
            CODEBOOK_FILE
        meta_path.write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [dest / CODEBOOK_FILE, dest / ENCODER_FILE]
