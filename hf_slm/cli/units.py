"""`hf-slm units ...`: extract | fit-kmeans | unigram | benchmarks | merge | import-codebook."""

from __future__ import annotations

import sys

from hf_slm.cli.common import (UNIGRAM_FROM_HELP, existing_path, fraction, nonnegative_float, nonnegative_int,
                              positive_float, positive_int)


def _extract(args) -> int:
    from hf_slm.units.extract import ExtractConfig, extract

    existing_path(args.input, "--input")
    existing_path(args.codebook, "--codebook")
    cfg = ExtractConfig(input=args.input, out=args.out, codebook=args.codebook, model=args.model,
                        dedup=not args.no_dedup, shard_size=args.shard_size, test_fraction=args.test_fraction,
                        min_seconds=args.min_seconds, num_shards=args.num_shards, shard_index=args.shard_index,
                        batch_size=args.batch_size, batch_seconds=args.batch_seconds,
                        max_segment_seconds=args.max_segment_seconds or None, num_workers=args.num_workers,
                        device=args.device, dtype=args.dtype, license=args.license,
                        push_to_hub=args.push_to_hub, progress=not args.quiet, merge=not args.no_merge)
    if args.emit:
        return _emit(args, cfg)
    extract(cfg)
    return 0


def _emit(args, cfg) -> int:
    from hf_slm.atomic import write_text
    from hf_slm.errors import ConfigError
    from hf_slm.units.extract import check_settings
    from hf_slm.units.slurm import emit_slurm, parse_sbatch

    check_settings(cfg)
    if args.num_shards is None or args.shard_index is not None:
        raise ConfigError("--num-shards", "--emit slurm needs --num-shards N (the array size) and no --shard-index")
    if args.push_to_hub:
        raise ConfigError("--push-to-hub", "not with --emit slurm; push after the merge job "
                                           "(hf-slm units merge OUT --push-to-hub REPO)")
    script = emit_slurm(cfg, args.num_shards, sbatch=parse_sbatch(args.sbatch), max_parallel=args.max_parallel,
                        activate=args.activate, log_dir=args.log_dir)
    if args.emit_out:
        write_text(args.emit_out, script)
        print(f"wrote {args.emit_out} ({args.num_shards} array tasks + a merge job); submit with "
              f"`bash {args.emit_out}`", file=sys.stderr)
    else:
        sys.stdout.write(script)
    return 0


def _merge(args) -> int:
    from hf_slm.units.merge import MergeError, merge

    existing_path(args.out, "OUT")
    try:
        merge(args.out)
    except MergeError as e:
        sys.stderr.write(f"hf-slm: merge: {e}\n")
        return 1
    if args.push_to_hub:
        from hf_slm.units.publish import push_folder

        push_folder(args.out, args.push_to_hub)
    return 0


def _encoder_from_args(args):
    from hf_slm.units.encoders import build_encoder

    if args.encoder == "hubert":
        return build_encoder("hubert", model=args.model, layer=args.layer, device=args.device, dtype=args.dtype)
    return build_encoder("mel", features=args.features, frame_rate=args.frame_rate)


def _fit(args) -> int:
    from pathlib import Path

    from hf_slm.errors import ConfigError
    from hf_slm.units.fit import fit_codebook

    existing_path(args.input, "--input")
    if Path(args.out).exists() and not args.overwrite:
        raise ConfigError("--out", f"{args.out} exists; pass --overwrite or pick another path")
    encoder = _encoder_from_args(args)
    cb = fit_codebook(args.input, args.out, encoder, k=args.k, seed=args.seed, max_frames=args.max_frames,
                      frames_per_file=args.frames_per_file, max_segment_seconds=args.max_segment_seconds or None)
    print(f"codebook K={cb.k} dim={cb.dim} from {cb.extra['frames']} frames -> {args.out}", file=sys.stderr)
    return 0


def _import(args) -> int:
    from hf_slm.units.twist import import_pickled_codebook

    cb = import_pickled_codebook(args.pickle, args.out, trust_pickle=args.trust_pickle)
    print(f"codebook K={cb.k} dim={cb.dim} for {cb.encoder['id']} layer {cb.encoder['layer']} -> {args.out}",
          file=sys.stderr)
    return 0


def _unigram(args) -> int:
    from hf_slm.units.unigram import unigram_dataset

    existing_path(args.dataset, "--dataset")
    meta = unigram_dataset(args.dataset, args.out, vocab_size=args.vocab_size, seed=args.seed,
                           max_sentences=args.max_sentences)
    u = meta["unigram"]
    print(f"unigram vocab {u['vocab_size']}: {u['source_units']} units -> {u['tokens']} tokens "
          f"(compression {u['compression_ratio']:.3f}x) -> {args.out}", file=sys.stderr)
    return 0


def _benchmarks(args) -> int:
    from hf_slm.units.benchmark import benchmarks_to_units

    existing_path(args.input, "--input")
    existing_path(args.codebook, "--codebook")
    if args.unigram_from is not None:
        existing_path(args.unigram_from, "--unigram-from")
    from hf_slm.dataset_format import read_meta
    from hf_slm.units.benchmark import GROUPS_REMOVED

    for task, folder in benchmarks_to_units(args.input, args.out, args.codebook,
                                            unigram_from=args.unigram_from).items():
        print(f"units benchmarks: {task} -> {folder}", file=sys.stderr)
        for group, reason in (read_meta(folder).get(GROUPS_REMOVED) or {}).items():
            print(f"units benchmarks: {task}: every {group} row leaned one way; removed whole ({reason})",
                  file=sys.stderr)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("units", help="audio → speech units → unit datasets")
    sub = p.add_subparsers(dest="units_command", metavar="ACTION", required=True,
                           parser_class=type(p))

    e = sub.add_parser("extract", help="audio folder / JSONL manifest / audio dataset → unit dataset")
    e.add_argument("--input", required=True, help="audio folder, .jsonl manifest or audio dataset folder")
    e.add_argument("--codebook", required=True, help="safetensors codebook (fit-kmeans / import-codebook)")
    e.add_argument("--out", required=True, help="dataset folder to write (rerun the same command to resume)")
    e.add_argument("--model", default=None, help="local folder with the HuBERT weights of a hubert codebook")
    e.add_argument("--no-dedup", action="store_true", help="keep repeated units (dedup is on by default)")
    e.add_argument("--shard-size", type=positive_int, default=1000, help="inputs per Parquet shard")
    e.add_argument("--test-fraction", type=fraction, default=0.01, help="held-out test share when no splits given")
    e.add_argument("--min-seconds", type=float, default=0.1, help="shorter inputs are skipped (too_short)")
    e.add_argument("--num-shards", type=positive_int, default=None, help="parallel tasks (e.g. Slurm array size)")
    e.add_argument("--shard-index", type=int, default=None, help="this task's index in 0..num-shards-1")
    e.add_argument("--batch-size", type=positive_int, default=16, help="waveforms per encoder forward pass")
    e.add_argument("--batch-seconds", type=positive_float, default=320.0,
                   help="at most this much (padded) audio per encoder call, however long the files")
    e.add_argument("--max-segment-seconds", type=nonnegative_float, default=120.0,
                   help="longer inputs are streamed and cut at quiet points into rows ID@START-END (0: never)")
    e.add_argument("--num-workers", type=nonnegative_int, default=0,
                   help="DataLoader workers decoding audio beside the encoder (0: in this process)")
    e.add_argument("--device", default=None, help="torch device (default: cuda:LOCAL_RANK if available, else cpu)")
    e.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default=None,
                   help="HuBERT dtype (default bfloat16 on GPU, float32 on CPU)")
    e.add_argument("--license", default="unknown", help="license of the source audio, for the card")
    e.add_argument("--push-to-hub", default=None, metavar="REPO", help="upload the finished folder (HF_TOKEN)")
    e.add_argument("--quiet", action="store_true", help="no progress bar")
    e.add_argument("--no-merge", action="store_true", help="do not merge when all shards are done (Slurm tasks)")
    e.add_argument("--emit", choices=["slurm"], default=None,
                   help="write a Slurm array script over --num-shards tasks (+ a merge job) instead of extracting")
    e.add_argument("--emit-out", default=None, metavar="FILE", help="file for --emit (default: stdout)")
    e.add_argument("--sbatch", action="append", metavar="KEY=VALUE",
                   help="extra #SBATCH option for --emit slurm, repeatable (time=4:00:00, gpus-per-task=1)")
    e.add_argument("--max-parallel", type=positive_int, default=None, help="--emit slurm: array throttle (%%N)")
    e.add_argument("--activate", default=None,
                   help="--emit slurm: virtualenv folder or activate script (default: the current venv)")
    e.add_argument("--log-dir", default=None, help="--emit slurm: Slurm logs (default: OUT-slurm-logs beside OUT)")
    e.set_defaults(func=_extract)

    m = sub.add_parser("merge", help="validate a finished (possibly multi-process) extraction and write its card")
    m.add_argument("out", metavar="OUT", help="the extraction's --out folder")
    m.add_argument("--push-to-hub", default=None, metavar="REPO")
    m.set_defaults(func=_merge)

    f = sub.add_parser("fit-kmeans", help="encoder + audio → k-means codebook (safetensors)")
    f.add_argument("--input", required=True, help="any extract input")
    f.add_argument("--out", required=True, help="codebook path (.safetensors)")
    f.add_argument("--encoder", choices=["mel", "hubert"], default="mel")
    f.add_argument("--model", default="slprl/mhubert-base-25hz", help="HuBERT Hub id or local folder")
    f.add_argument("--layer", type=positive_int, default=11, help="HuBERT layer")
    f.add_argument("--features", choices=["mfcc", "logmel"], default="mfcc", help="mel encoder features")
    f.add_argument("--frame-rate", type=float, default=25.0, help="mel encoder frames per second")
    f.add_argument("--k", type=positive_int, default=500, help="clusters (paper: 500)")
    f.add_argument("--max-frames", type=positive_int, default=200_000)
    f.add_argument("--frames-per-file", type=positive_int, default=500, help="frames sampled from one file at most")
    f.add_argument("--max-segment-seconds", type=nonnegative_float, default=120.0,
                   help="longer files are streamed in segments cut at quiet points (0: never)")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--device", default=None)
    f.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default=None)
    f.add_argument("--overwrite", action="store_true")
    f.set_defaults(func=_fit)

    u = sub.add_parser("unigram", help="SentencePiece unigram over units → unigram-token dataset")
    u.add_argument("--dataset", required=True, help="unit dataset folder")
    u.add_argument("--out", required=True, help="unigram dataset folder to write")
    u.add_argument("--vocab-size", type=positive_int, default=5000, help="unigram vocabulary (paper: 5000)")
    u.add_argument("--max-sentences", type=positive_int, default=1_000_000, help="training sentences sampled")
    u.add_argument("--seed", type=int, default=0)
    u.set_defaults(func=_unigram)

    b = sub.add_parser("benchmarks", help="audio benchmark folders (synth / load-official) → unit benchmarks")
    b.add_argument("--input", required=True, help="a BENCH folder of audio task folders")
    b.add_argument("--codebook", required=True, help="safetensors codebook (fit-kmeans / import-codebook)")
    b.add_argument("--out", required=True, help="BENCH folder to write the unit task folders into")
    b.add_argument("--unigram-from", default=None, metavar="UNITS",
                   help=UNIGRAM_FROM_HELP)
    b.set_defaults(func=_benchmarks)

    i = sub.add_parser("import-codebook", help="TWIST/textlesslib k-means pickle → safetensors codebook")
    i.add_argument("pickle", help="e.g. mhubert_base_25hz_cp_mls_cv_sp_fisher_L11_km500.bin")
    i.add_argument("--out", required=True, help="codebook path (.safetensors)")
    i.add_argument("--trust-pickle", action="store_true", help="allow unpickling (runs code from the file)")
    i.set_defaults(func=_import)
