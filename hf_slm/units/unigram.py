"""The paper's unigram compression: SentencePiece unigram over unit strings (vocab 5000 by default).

Each unit k is written as one character chr(0x4E00 + k), an utterance as one string without
spaces, so SentencePiece learns pieces = runs of units. `unigram_dataset` trains on the train
split, converts every split to piece ids and writes a unit-dataset folder (same layout; piece i
is `<unit_i>`, id i, in its tokenizer, so training reads it unchanged) plus `unigram.model`.
Piece 0 is <unk>; every unit character is forced into the vocabulary so <unk> never occurs.
The compression ratio is units / tokens (paper: 10.89B HuBERT tokens → 6.31B, 1.73×).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from hf_slm.errors import ConfigError

BASE = 0x4E00  # CJK block: 20,992 single characters, none of them whitespace
MAX_K = 0x9FFF - BASE + 1
TRAIN_CHUNK = 2048  # units per training sentence (SentencePiece skips over-long sentences)


def units_to_chars(units) -> str:
    return "".join(chr(BASE + int(u)) for u in units)


def train_unigram(sequences, k: int, vocab_size: int = 5000, seed: int = 0, max_sentences: int = 1_000_000):
    """Train on unit sequences → sentencepiece.SentencePieceProcessor (model bytes in `.model_proto`)."""
    import sentencepiece as spm

    if k > MAX_K:
        raise ConfigError("--dataset", f"K={k} units exceed the {MAX_K} characters the unigram mapping has")
    if vocab_size <= k + 1:
        raise ConfigError("--vocab-size", f"{vocab_size} must exceed K+1={k + 1} (every unit plus <unk>)")
    sentences = [units_to_chars(s[i:i + TRAIN_CHUNK]) for s in sequences for i in range(0, len(s), TRAIN_CHUNK)]
    sentences = [s for s in sentences if s]
    if not sentences:
        raise ConfigError("--dataset", "no units to train the unigram model on")
    spm.set_random_generator_seed(seed)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences), model_writer=model, model_type="unigram",
        vocab_size=vocab_size, hard_vocab_limit=False, character_coverage=1.0,
        required_chars="".join(chr(BASE + u) for u in range(k)), unk_id=0, bos_id=-1, eos_id=-1,
        pad_id=-1, add_dummy_prefix=False, remove_extra_whitespaces=False, split_by_whitespace=False,
        normalization_rule_name="identity", max_sentence_length=4 * TRAIN_CHUNK,
        input_sentence_size=max_sentences, shuffle_input_sentence=True, num_threads=2,
        minloglevel=2)
    proc = spm.SentencePieceProcessor(model_proto=model.getvalue())
    proc.model_proto = model.getvalue()
    return proc


def encode(proc, units) -> tuple[np.ndarray, np.ndarray]:
    """Piece ids and the number of units each piece covers."""
    ids = proc.encode(units_to_chars(units), out_type=int)
    lengths = np.array([len(proc.id_to_piece(i)) for i in ids], dtype=np.int64)
    return np.asarray(ids, dtype=np.int16), lengths


def remap_words(words, piece_lengths) -> list[dict]:
    """Unit-index spans → piece-index spans (every piece overlapping the word's units)."""
    ends = np.cumsum(piece_lengths)
    out = []
    for w in words or []:
        if w["end"] <= w["start"]:
            continue
        a = int(np.searchsorted(ends, w["start"], side="right"))
        b = int(np.searchsorted(ends, w["end"] - 1, side="right")) + 1
        out.append({"word": w["word"], "start": a, "end": b})
    return out


def _convert_split(ds, proc):
    rows, units, tokens = [], 0, 0
    for r in ds:
        ids, lengths = encode(proc, r["units"])
        units += len(r["units"])
        tokens += len(ids)
        rows.append({"id": r["id"], "units": ids.tolist(), "durations": [], "duration": r["duration"],
                     "speaker": r["speaker"], "text": r["text"], "words": remap_words(r["words"], lengths)})
    return rows, units, tokens


def unigram_dataset(dataset: str | Path, out: str | Path, vocab_size: int = 5000, seed: int = 0,
                    max_sentences: int = 1_000_000, rows_per_shard: int = 10_000) -> dict:
    """Train on the train split of a unit dataset and write its unigram-token form to `out`."""
    from hf_slm.atomic import atomic_dir
    from hf_slm.dataset_format import TOKENIZER_DIR, make_meta, make_stats, write_meta
    from hf_slm.units.card import write_card
    from hf_slm.units.dataset import load_unit_dataset, write_shard
    from hf_slm.units.quantizer import file_sha256
    from hf_slm.units.tokenizer import save_unit_tokenizer

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError("--out", f"{out} exists and is not empty; pick a new folder")
    src = load_unit_dataset(dataset)
    train = src.splits["train"] if "train" in src.splits else next(iter(src.splits.values()))
    proc = train_unigram(train["units"], src.k, vocab_size, seed, max_sentences)
    vocab = proc.get_piece_size()
    counts, total_units, total_tokens = {}, 0, 0
    with atomic_dir(out) as tmp:
        (tmp / "unigram.model").write_bytes(proc.model_proto)
        for split, ds in src.splits.items():
            rows, units, tokens = _convert_split(ds, proc)
            n = max(1, -(-len(rows) // rows_per_shard))
            for i in range(n):
                write_shard(tmp, split, i, n, rows[i * rows_per_shard:(i + 1) * rows_per_shard])
            seconds = float(sum(r["duration"] for r in rows))
            counts[split] = {"rows": len(rows), "seconds": seconds, "units": tokens, "source_units": units,
                             "units_per_second": tokens / seconds if seconds else 0.0, "shards": n}
            total_units, total_tokens = total_units + units, total_tokens + tokens
        seconds = sum(c["seconds"] for c in counts.values())
        ratio = total_units / total_tokens if total_tokens else 0.0
        meta = dict(src.meta)  # the source's encoder, dedup, source and licence carry over
        meta["tokenization"] = "unigram"  # fits and plots keep unigram runs apart (issue 14)
        meta["codebook"] = {"k": vocab, "sha256": file_sha256(tmp / "unigram.model"), "units_k": src.k,
                            "units_sha256": src.meta["codebook"]["sha256"]}
        meta["unigram"] = {"vocab_size": vocab, "requested_vocab_size": vocab_size, "seed": seed,
                           "source_units": total_units, "tokens": total_tokens, "compression_ratio": ratio,
                           "model": "unigram.model", "source": str(src.path)}
        meta["counts"] = counts
        src_stats = src.meta.get("stats", {})  # the source's skips (and frames) still describe this data
        meta["stats"] = {**src_stats, **make_stats(rows=sum(c["rows"] for c in counts.values()),
                                                   seconds=seconds, units=total_tokens),
                         "skipped": src_stats.get("skipped", 0), "skip_reasons": src_stats.get("skip_reasons", {})}
        meta.pop("shards", None)
        meta = make_meta("units", meta)
        save_unit_tokenizer(vocab, tmp / TOKENIZER_DIR)
        write_meta(tmp, meta)
        write_card(tmp, meta, title=f"Unigram speech tokens (vocab {vocab}, {ratio:.2f}x compression)")
    return meta
