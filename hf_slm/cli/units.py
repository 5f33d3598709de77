"""`hf-slm units ...`: extract | fit-kmeans | unigram | merge | import-codebook."""

from __future__ import annotations

import sys

from hf_slm.cli.common import existing_path, fraction, positive_int


def _extract(args) -> int:
    from hf_slm.units.extract import ExtractConfig, extract

    existing_path(args.input, "--input")
    existing_path(args.codebook, "--codebook")
    cfg = ExtractConfig(input=args.input, out=args.out, codebook=args.codebook, model=args.model,
                        dedup=not args.no_dedup, shard_size=args.shard_size, test_fraction=args.test_fraction,
                        min_seconds=args.min_seconds, num_shards=args.num_shards, shard_index=args.shard_index,
                        batch_size=args.batch_size, device=args.device, dtype=args.dtype,
                        license=args.license, push_to_hub=args.push_to_hub, progress=not args.quiet)
    extract(cfg)
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
    cb = fit_codebook(args.input, args.out, encoder, k=args.k, seed=args.seed, max_frames=args.max_frames)
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
    e.add_argument("--batch-size", type=positive_int, default=16)
    e.add_argument("--device", default=None, help="torch device (default: cuda:LOCAL_RANK if available, else cpu)")
    e.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default=None,
                   help="HuBERT dtype (default bfloat16 on GPU, float32 on CPU)")
    e.add_argument("--license", default="unknown", help="license of the source audio, for the card")
    e.add_argument("--push-to-hub", default=None, metavar="REPO", help="upload the finished folder (HF_TOKEN)")
    e.add_argument("--quiet", action="store_true", help="no progress bar")
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

    i = sub.add_parser("import-codebook", help="TWIST/textlesslib k-means pickle → safetensors codebook")
    i.add_argument("pickle", help="e.g. mhubert_base_25hz_cp_mls_cv_sp_fisher_L11_km500.bin")
    i.add_argument("--out", required=True, help="codebook path (.safetensors)")
    i.add_argument("--trust-pickle", action="store_true", help="allow unpickling (runs code from the file)")
    i.set_defaults(func=_import)
