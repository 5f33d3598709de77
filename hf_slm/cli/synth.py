"""`hf-slm synth stories|benchmarks|load-official`: spoken stories and spoken benchmarks."""

from __future__ import annotations

from hf_slm.cli.common import positive_float, positive_int

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
                   help="a unit codebook (safetensors): write units, not audio")
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
    b.add_argument("--words", type=positive_int, default=200)
    b.add_argument("--exclude-from", default=None,
                   help="a story dataset folder (or .txt/.jsonl): no benchmark story or "
                        "sentence may occur in it")
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
                        shard_size=args.shard_size, codebook=args.codebook, quiet=args.quiet)
    synth_stories(cfg)
    return 0


def _benchmarks(args) -> int:
    from hf_slm.errors import ConfigError
    from hf_slm.synth.build_benchmarks import BenchmarkConfig, synth_benchmarks

    tasks = _voices(args.tasks)
    known = ("sblimp", "ssc", "tsc", "swuggy")
    bad = [t for t in tasks if t not in known]
    if bad or not tasks:
        raise ConfigError("--tasks", f"{','.join(bad) or '(none)'} not in {', '.join(known)}")
    cfg = BenchmarkConfig(out=args.out, tasks=tasks, pairs_per_phenomenon=args.pairs_per_phenomenon,
                          cloze_questions=args.cloze_questions, words=args.words,
                          exclude_from=args.exclude_from, voices=args.voices, tts=args.tts,
                          rate=args.rate, workers=args.workers, seed=args.seed,
                          codebook=args.codebook, quiet=args.quiet)
    synth_benchmarks(cfg)
    return 0


def _official(args) -> int:
    from hf_slm.synth import official

    official.load_official(args.kind, args.input, args.out, limit=args.limit, quiet=args.quiet)
    return 0
