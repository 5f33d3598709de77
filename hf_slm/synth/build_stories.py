"""`hf-slm synth stories`: text → 16 kHz speech + word alignments → a Hub-shaped audio dataset folder.

Columns id, audio (FLAC bytes), text, speaker, word_times (seconds), duration — what
`hf-slm units extract` reads (the CLI's `--codebook` chains the two; synthesis itself only
writes audio). The folder follows hf_slm.dataset_format (kind "audio").

Resumable: shard i holds stories i*S .. i*S+S-1 and is written whole (atomically) to
`data/.parts/`; a rerun skips finished parts, so a killed job ends with no missing or duplicate
ids. When the target is reached, parts become `data/{split}-XXXXX-of-YYYYY.parquet`.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hf_slm.atomic import read_json, write_json
from hf_slm.dataset_format import shard_name, write_parquet
from hf_slm.errors import ConfigError, require
from hf_slm.synth.utterance import DEFAULT_VOICES

PARTS = "data/.parts"
STATE = ".synth_state.json"


@dataclass
class StoriesConfig:
    out: str
    source: str = "builtin"  # "builtin", a .txt/.jsonl file, or a Hub dataset id
    num_stories: int | None = None  # stop after this many stories ...
    hours: float | None = None  # ... or once this much audio is made (whole shards)
    seed: int = 0
    start: int = 0  # index of the first story (a test split can start after the train split)
    split: str = "train"
    voices: list[str] = field(default_factory=lambda: list(DEFAULT_VOICES))
    tts: str = "espeak"
    rate: int | None = None  # words per minute (eSpeak default 175)
    workers: int = 1
    shard_size: int = 100
    max_chars: int = 6000  # longer texts are skipped (logged), not truncated
    quiet: bool = False

    def fingerprint(self) -> dict:
        keep = ("source", "num_stories", "hours", "seed", "start", "voices", "tts", "rate",
                "shard_size", "max_chars")
        # "codebook": None keeps the resume check equal to folders made when synthesis wrote units too
        return {**{k: v for k, v in asdict(self).items() if k in keep}, "codebook": None}


def check_config(cfg: StoriesConfig) -> None:
    """Every ConfigError happens here, before anything is written."""
    from hf_slm.synth.sources import check_source
    from hf_slm.synth.tts import check_tts

    require((cfg.num_stories is None) != (cfg.hours is None), "--num-stories",
            "give exactly one of --num-stories and --hours")
    require(cfg.num_stories is None or cfg.num_stories > 0, "--num-stories", "must be > 0")
    require(cfg.hours is None or cfg.hours > 0, "--hours", "must be > 0")
    require(cfg.shard_size > 0, "--shard-size", "must be > 0")
    require(cfg.workers > 0, "--workers", "must be > 0")
    require(cfg.split.isidentifier() and "-" not in cfg.split, "--split",
            "must be a plain name such as train or test")
    check_source(cfg.source)
    check_tts(cfg.tts, cfg.voices)
    state = Path(cfg.out) / STATE
    if state.exists():
        old = read_json(state).get(cfg.split)
        if old is not None and old != cfg.fingerprint():
            raise ConfigError("--out", f"{cfg.out} holds a {cfg.split} split made with other "
                                       "settings; use a new --out or the same settings to resume")


def _story_task(engine, item):
    sid, text, voice = item[:3]  # (benchmarks/bench_synth.py still passes a 4th, unused field)
    text = " ".join(str(text).split())
    if not text:
        raise ValueError("empty text")
    syn = engine.synthesize(text, voice)
    if not syn.words or syn.duration <= 0:
        raise ValueError("no speech produced")
    row = {"id": sid, "text": text, "speaker": voice, "duration": float(syn.duration),
           "word_times": [{"word": w, "start": s, "end": e} for w, s, e in syn.words]}
    row["audio"] = syn.flac()
    return row


def story_features():
    """The audio dataset columns (hf_slm.audio.dataset) plus `duration` in seconds."""
    from datasets import Features, Value

    from hf_slm.audio.dataset import audio_features

    return Features({**audio_features(), "duration": Value("float32")})


class StorySynthesis:
    def __init__(self, cfg: StoriesConfig):
        check_config(cfg)
        self.cfg = cfg
        self.out = Path(cfg.out)

    # --- shards -------------------------------------------------------------------------
    def _part(self, i: int) -> Path:
        return self.out / PARTS / f"{self.cfg.split}-{i:05d}.parquet"

    def _done_path(self, i: int) -> Path | None:
        """Shard i if it is finished: a parked part, or a final shard of an earlier run."""
        if self._part(i).exists():
            return self._part(i)
        return next(iter(sorted((self.out / "data").glob(f"{self.cfg.split}-{i:05d}-of-*.parquet"))),
                    None)

    def _part_seconds(self, i: int) -> float:
        import pyarrow.parquet as pq

        return float(sum(pq.read_table(self._done_path(i), columns=["duration"]).column(
            "duration").to_pylist()))

    def run(self) -> dict:
        from tqdm.auto import tqdm

        from hf_slm.skips import SkipLog
        from hf_slm.synth.fresh import FreshPool
        from hf_slm.synth.sources import iter_texts

        cfg = self.cfg
        state_path = self.out / STATE
        state = read_json(state_path) if state_path.exists() else {}
        state[cfg.split] = cfg.fingerprint()
        write_json(state_path, state)
        skips = SkipLog(self.out / "skips.jsonl")
        skipped = skips.ids()
        texts = iter_texts(cfg.source, cfg.num_stories, cfg.seed, cfg.start, cfg.split)
        total = cfg.num_stories
        n_shards = None if total is None else -(-total // cfg.shard_size)
        seconds, shard, pool = 0.0, 0, None
        bar = tqdm(total=total if total else round(cfg.hours * 3600), disable=cfg.quiet,
                   unit="story" if total else "s", desc=f"synth {cfg.split}")
        try:
            while n_shards is None or shard < n_shards:
                if cfg.hours is not None and seconds >= cfg.hours * 3600:
                    break
                batch = [next(texts, None) for _ in range(cfg.shard_size)]
                batch = [b for b in batch if b is not None]
                if not batch:
                    break
                if self._done_path(shard) is not None:
                    done = self._part_seconds(shard)
                else:
                    if pool is None:
                        pool = FreshPool(cfg.tts, cfg.workers,
                                         **({"rate": cfg.rate} if cfg.tts == "espeak" else {}))
                    done = self._synth_shard(pool, shard, batch, skips, skipped)
                seconds += done
                bar.update(len(batch) if total else round(done))
                shard += 1
        finally:
            bar.close()
            if pool is not None:
                pool.close()
        return self._finalize(shard, seconds, skips)

    def _synth_shard(self, pool, shard: int, batch, skips, skipped) -> float:
        from hf_slm.synth.fresh import Failed

        cfg = self.cfg
        items, rows = [], []
        for k, (sid, text) in enumerate(batch):
            voice = cfg.voices[(cfg.start + shard * cfg.shard_size + k) % len(cfg.voices)]
            if len(text) > cfg.max_chars:
                if sid not in skipped:
                    skips.add(sid, "too_long", chars=len(text))
                continue
            items.append((sid, text, voice))
        for item, res in zip(items, pool.imap(_story_task, items)):
            if isinstance(res, Failed):
                if item[0] not in skipped:
                    skips.add(item[0], "synthesis_failed", detail=res.reason)
                continue
            rows.append(res)
        write_parquet(self._part(shard), rows, story_features())
        return float(sum(r["duration"] for r in rows))

    # --- the finished folder ------------------------------------------------------------
    def _finalize(self, n_shards: int, seconds: float, skips) -> dict:
        import pyarrow.parquet as pq

        cfg = self.cfg
        for i in range(n_shards):
            self._done_path(i).replace(self.out / "data" / shard_name(cfg.split, i, n_shards))
        try:
            (self.out / PARTS).rmdir()
        except OSError:
            pass
        counts = {}
        for path in sorted((self.out / "data").glob("*-*-of-*.parquet")):
            split = path.name.split("-", 1)[0]
            t = pq.read_table(path, columns=["duration"])
            c = counts.setdefault(split, {"rows": 0, "seconds": 0.0, "shards": 0})
            c["rows"] += t.num_rows
            c["seconds"] += float(sum(t.column("duration").to_pylist()))
            c["shards"] += 1
        from hf_slm.synth.card import write_stories_meta

        meta = write_stories_meta(self.out, cfg, counts, skips)
        if not cfg.quiet:
            c = counts[cfg.split]
            print(f"synth stories: {c['rows']} stories, {c['seconds'] / 3600:.3f} h in split "
                  f"{cfg.split}, {len(skips.entries())} skipped -> {self.out}", file=sys.stderr)
        return meta


def synth_stories(cfg: StoriesConfig) -> dict:
    """Synthesize (or resume) one split of a story dataset; returns its meta.json content."""
    return StorySynthesis(cfg).run()
