"""`hf-slm synth stories|benchmarks|load-official`: spoken stories and spoken benchmarks.

Synthesis writes audio datasets. With `--codebook` this command also runs the unit stage on what
it synthesized (stories: `units extract`; benchmarks: hf_slm.units.benchmark), so one command
still goes from text to units; the chaining lives here, above both stages.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace
from pathlib import Path

from hf_slm.cli.common import UNIGRAM_FROM_HELP, existing_path, positive_float, positive_int

DEFAULT_VOICES = "en-us,en-us+f3"


def _voices(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _tts_args(p) -> None:
    p.add_argument("--tts", default="espeak", choices=["espeak", "vits", "kokoro"])
    p.add_argument("--voices", type=_voices, default=_voices(DEFAULT_VOICES),
                   help=f"comma-separated voices (default {DEFAULT_VOICES})")
    p.add_argument("--rate", type=positive_int, default=None, help="speech rate, words per minute")
    p.add_argument("--workers", type=positive_int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--codebook", default=None,
                   help="a unit codebook (safetensors): also run the unit stage and write units")
    p.add_argument("--quiet", action="store_true")


def register(sub) -> None:
    p = sub.add_parser("synth", help="synthesize spoken stories and spoken benchmarks")
    s = p.add_subparsers(dest="synth_command", metavar="WHAT", parser_class=type(p))

    st = s.add_parser("stories", help="text → speech + word alignments → a dataset folder")
    st.add_argument("--out", required=True)
    st.add_argument("--source", default="builtin",
                    help="builtin | a .txt/.jsonl file | a Hub dataset id (roneneldan/TinyStories)")
    size = st.add_mutually_exclusive_group(required=True)
    size.add_argument("--num-stories", type=positive_int)
    size.add_argument("--hours", type=positive_float)
    st.add_argument("--start", type=int, default=0, help="index of the first story")
    st.add_argument("--split", default="train")
    st.add_argument("--shard-size", type=positive_int, default=100)
    _tts_args(st)
    st.set_defaults(func=_stories)

    b = s.add_parser("benchmarks", help="sBLIMP-style pairs, sSC, tSC and sWUGGY → BENCH/<task>/")
    b.add_argument("--out", required=True)
    b.add_argument("--tasks", default="sblimp,ssc,tsc,swuggy")
    b.add_argument("--pairs-per-phenomenon", type=positive_int, default=40)
    b.add_argument("--cloze-questions", type=positive_int, default=200)
    b.add_argument("--words", type=positive_int, default=120,
                   help="sWUGGY pairs, one per story word while they last (about 124 words can be "
                        "turned into a non-word; past that a word comes back with another non-word)")
    b.add_argument("--exclude-from", default=None,
                   help="a story dataset folder (or .txt/.jsonl): no benchmark story or "
                        "sentence may occur in it")
    b.add_argument("--unigram-from", default=None, metavar="UNITS",
                   help="with --codebook: " + UNIGRAM_FROM_HELP)
    _tts_args(b)
    b.set_defaults(func=_benchmarks)

    o = s.add_parser("load-official", help="official sBLIMP / spoken StoryCloze → the schema")
    o.add_argument("kind", choices=["sblimp", "storycloze", "storycloze-hub"])
    o.add_argument("--input", required=True, help="the release folder (or Hub id for -hub)")
    o.add_argument("--out", required=True)
    o.add_argument("--limit", type=positive_int, default=None)
    o.add_argument("--quiet", action="store_true")
    o.set_defaults(func=_official)


def _stories(args) -> int:
    from hf_slm.synth.build_stories import StoriesConfig, synth_stories

    cfg = StoriesConfig(out=args.out, source=args.source, num_stories=args.num_stories,
                        hours=args.hours, seed=args.seed, start=args.start, split=args.split,
                        voices=args.voices, tts=args.tts, rate=args.rate, workers=args.workers,
                        shard_size=args.shard_size, quiet=args.quiet)
    if args.codebook is None:
        synth_stories(cfg)
    else:
        stories_to_units(cfg, args.codebook)
    return 0


def story_audio_dir(out: str | Path) -> Path:
    """Where `synth stories --codebook OUT` keeps the audio it extracts units from: beside OUT.

    Kept so that a rerun resumes and a later `--split` adds to it (the unit folder is then
    rebuilt from all of it).
    """
    out = Path(out)
    return out.parent / f".{out.name}.audio"


def stories_to_units(cfg, codebook: str) -> dict:
    """Synthesize the stories' audio (beside cfg.out), then extract units from it into cfg.out."""
    from hf_slm.atomic import read_json
    from hf_slm.errors import ConfigError
    from hf_slm.synth.build_stories import synth_stories
    from hf_slm.units.extract import ExtractConfig, extract
    from hf_slm.units.quantizer import Codebook
    from hf_slm.units.shard_plan import PLAN, WORK_DIR

    Codebook.load(codebook)  # a bad codebook stops here, before any synthesis
    out = Path(cfg.out)
    if out.exists() and any(out.iterdir()) and not (out / WORK_DIR / PLAN).exists():
        raise ConfigError("--out", f"{out} exists and is not a unit extraction folder; pick a new folder")
    audio = story_audio_dir(cfg.out)
    synth_stories(replace(cfg, out=str(audio)))
    extraction = ExtractConfig(input=str(audio), out=cfg.out, codebook=codebook, shard_size=cfg.shard_size,
                               test_fraction=0.0, license=_card_license(audio), progress=not cfg.quiet)
    try:
        return extract(extraction)
    except ConfigError as e:
        plan = Path(cfg.out) / WORK_DIR / PLAN
        if e.field != "--out" or not plan.exists() or \
                read_json(plan)["config"].get("input") != str(audio.resolve()):
            raise
    # OUT holds units of this audio folder before a split was added: rebuild them from all of it
    shutil.rmtree(cfg.out)
    return extract(extraction)


def _card_license(folder: Path) -> str:
    from huggingface_hub import DatasetCard

    return DatasetCard.load(folder / "README.md").data.license or "unknown"


def _benchmarks(args) -> int:
    from hf_slm.errors import ConfigError
    from hf_slm.synth.build_benchmarks import BenchmarkConfig, synth_benchmarks
    from hf_slm.tasks import TASKS

    tasks = _voices(args.tasks)
    bad = [t for t in tasks if t not in TASKS]
    if bad or not tasks:
        raise ConfigError("--tasks", f"{','.join(bad) or '(none)'} not in {', '.join(TASKS)}")
    if args.unigram_from is not None:
        if args.codebook is None:
            raise ConfigError("--unigram-from", "needs --codebook (it balances the benchmarks' units)")
        existing_path(args.unigram_from, "--unigram-from")
    cfg = BenchmarkConfig(out=args.out, tasks=tasks, pairs_per_phenomenon=args.pairs_per_phenomenon,
                          cloze_questions=args.cloze_questions, words=args.words,
                          exclude_from=args.exclude_from, voices=args.voices, tts=args.tts,
                          rate=args.rate, workers=args.workers, seed=args.seed, quiet=args.quiet)
    if args.codebook is None:
        synth_benchmarks(cfg)
    else:
        benchmarks_to_unit_form(cfg, args.codebook, unigram_from=args.unigram_from)
    return 0


def benchmarks_to_unit_form(cfg, codebook: str, unigram_from=None) -> dict[str, Path]:
    """Synthesize the audio benchmarks into a temporary folder inside cfg.out, then convert them to units
    (counterbalanced in `unigram_from`'s unit frequencies too, when given: hf_slm.units.benchmark)."""
    import tempfile

    from hf_slm.synth.build_benchmarks import check_config, synth_benchmarks
    from hf_slm.units.benchmark import benchmarks_to_units
    from hf_slm.units.pipeline import UnitPipeline

    check_config(cfg)
    pipeline = UnitPipeline.from_codebook(codebook)  # a bad codebook stops here, before synthesis
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".audio.", dir=out))
    try:
        synth_benchmarks(replace(cfg, out=str(tmp), quiet=True))
        folders = benchmarks_to_units(tmp, out, codebook, tasks=cfg.tasks, pipeline=pipeline,
                                      unigram_from=unigram_from)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not cfg.quiet:
        for task, folder in folders.items():
            print(f"synth benchmarks: {task}: units -> {folder}", file=sys.stderr)
    return folders


def _official(args) -> int:
    from hf_slm.synth import official

    official.load_official(args.kind, args.input, args.out, limit=args.limit, quiet=args.quiet)
    return 0
