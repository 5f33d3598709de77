"""Loaders for the official spoken benchmark releases, in the hf_slm.dataset_format.benchmark schema (audio).

- ZeroSpeech 2021 sBLIMP (`sLM21-dataset/syntactic/{dev,test}`): `gold.csv` (columns filename,
  type, subtype, correct, id, voice[, transcription]) + `{filename}.wav`; the two files of a pair
  share `id` and `voice`, `correct` is 1 for the grammatical one. group = subtype (or type).
- SpokenStoryCloze release: `sSC/` and `tSC/` folders of wavs named `<id>_correct.wav` /
  `<id>_incorrect.wav` (each file is the whole story read with that ending; no separate prompt).
- The Hub multi-speaker StoryCloze dataset (streamed with `datasets`, lazily; offline → one line).
Audio is stored as the release's encoded bytes (decoded with soundfile later); a pair missing one
side goes to skips.jsonl.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

from hf_slm.dataset_format.benchmark import write_task
from hf_slm.errors import ConfigError
from hf_slm.skips import SkipLog

_CLOZE_FILE = re.compile(r"^(?P<id>.+?)[_-](?P<side>correct|incorrect)\.(wav|flac)$", re.I)


def _row(qid, task, group, voice, pos: bytes, neg: bytes, pos_text="", neg_text="") -> dict:
    return {"id": qid, "task": task, "group": group, "voice": voice,
            "prompt_audio": b"", "prompt_text": "", "prompt_word_times": [],
            "positive_audio": pos, "positive_text": pos_text, "positive_word_times": [],
            "negative_audio": neg, "negative_text": neg_text, "negative_word_times": []}


def load_zerospeech_sblimp(folder: str | Path, limit: int | None = None, skips=None) -> list[dict]:
    folder = Path(folder)
    gold = folder / "gold.csv"
    if not gold.is_file():
        raise ConfigError("--input", f"{folder} has no gold.csv (expected sLM21 syntactic dev/test)")
    with open(gold, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"filename", "correct", "id"} - set(reader.fieldnames or [])
        if missing:
            raise ConfigError("--input", f"{gold} lacks columns {', '.join(sorted(missing))}")
        pairs = defaultdict(dict)
        for rec in reader:
            key = (rec["id"], rec.get("voice", ""))
            pairs[key]["pos" if str(rec["correct"]).strip() in ("1", "True", "true") else "neg"] = rec
    rows = []
    for (pid, voice), p in sorted(pairs.items()):
        if limit is not None and len(rows) >= limit:
            break
        files = {k: folder / f"{r['filename']}.wav" for k, r in p.items()}
        if set(files) != {"pos", "neg"} or not all(f.is_file() for f in files.values()):
            if skips is not None:
                skips.add(f"{pid}-{voice}", "incomplete_pair")
            continue
        group = p["pos"].get("subtype") or p["pos"].get("type") or "sblimp"
        rows.append(_row(f"sblimp-{pid}-{voice}", "sblimp_official", group, voice,
                         files["pos"].read_bytes(), files["neg"].read_bytes(),
                         p["pos"].get("transcription", ""), p["neg"].get("transcription", "")))
    return rows


def load_storycloze_folder(folder: str | Path, task: str, limit: int | None = None,
                           skips=None) -> list[dict]:
    folder = Path(folder)
    found = defaultdict(dict)
    for f in sorted(folder.rglob("*")):
        m = _CLOZE_FILE.match(f.name)
        if m:
            found[m["id"]][m["side"].lower()] = f
    if not found:
        raise ConfigError("--input", f"{folder} has no <id>_correct.wav / <id>_incorrect.wav files")
    rows = []
    for qid, sides in sorted(found.items()):
        if limit is not None and len(rows) >= limit:
            break
        if set(sides) != {"correct", "incorrect"}:
            if skips is not None:
                skips.add(f"{task}-{qid}", "incomplete_pair")
            continue
        rows.append(_row(f"{task}-{qid}", f"{task}_official", task, "",
                         sides["correct"].read_bytes(), sides["incorrect"].read_bytes()))
    return rows


def _audio_bytes(value) -> bytes:
    """A Hub audio cell read without decoding: {"bytes": ...} (Audio(decode=False)) or bytes."""
    if isinstance(value, dict):
        return value.get("bytes") or Path(value["path"]).read_bytes()
    return bytes(value)


def load_storycloze_hub(repo: str, limit: int | None = None) -> list[dict]:
    """The Hub multi-speaker StoryCloze dataset: rows with `correct` and `incorrect` audio."""
    try:
        from datasets import Audio, load_dataset

        ds = load_dataset(repo, split="test", streaming=True)
        cols = set(ds.features or {})
        for c in ("correct", "incorrect"):
            if c in cols:
                ds = ds.cast_column(c, Audio(decode=False))  # no torchcodec: keep the bytes
    except Exception as e:  # offline, unknown repo
        raise ConfigError("--input", f"cannot load Hub dataset {repo!r} ({type(e).__name__}); go "
                                     "online or pass the downloaded release folder") from None
    if not {"correct", "incorrect"} <= cols:
        raise ConfigError("--input", f"{repo} has no correct/incorrect audio columns ({sorted(cols)})")
    rows = []
    for i, r in enumerate(ds):
        if limit is not None and i >= limit:
            break
        rows.append(_row(f"storycloze-{r.get('id', i)}", "storycloze_official",
                         str(r.get("task", "storycloze")), str(r.get("speaker", "")),
                         _audio_bytes(r["correct"]), _audio_bytes(r["incorrect"])))
    return rows


def load_official(kind: str, src: str, out: str, limit: int | None = None,
                  quiet: bool = False) -> dict[str, Path]:
    """Write OUT/<task>/ folders in the schema; returns {task: folder}."""
    out_p = Path(out)
    if kind == "sblimp":
        tasks = {"sblimp_official": lambda s: load_zerospeech_sblimp(src, limit, s)}
    elif kind == "storycloze":
        root = Path(src)
        subs = {t: root / t for t in ("sSC", "tSC") if (root / t).is_dir()}
        if not subs:
            raise ConfigError("--input", f"{root} has no sSC/ or tSC/ folder")
        tasks = {f"{t.lower()}_official": (lambda s, p=p, t=t: load_storycloze_folder(p, t.lower(), limit, s))
                 for t, p in subs.items()}
    elif kind == "storycloze-hub":
        tasks = {"storycloze_official": lambda s: load_storycloze_hub(src, limit)}
    else:
        raise ConfigError("kind", f"{kind!r} is not one of sblimp, storycloze, storycloze-hub")
    folders = {}
    for task, load in tasks.items():
        skips = SkipLog(out_p / task / "skips.jsonl")
        rows = load(skips)
        write_task(out_p / task, task, rows, "audio", {"source": f"{kind}: {src}", "limit": limit},
                   skips.entries())
        folders[task] = out_p / task
        if not quiet:
            print(f"load-official: {task}: {len(rows)} pairs -> {out_p / task}", file=sys.stderr)
    return folders
