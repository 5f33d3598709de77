"""The SIMS training mixture: each utterance rendered as text, interleaved or speech, by ratio.

For every epoch each row draws its stream (text-only / interleaved / speech-only; SIMS samples
0.2024 / 0.5433 / 0.2543) and, if interleaved, a fresh speech mask. The generator of row i in epoch e
is seeded by (seed, e, i), so an epoch is the same whatever the batch size or the order of work, and
a new epoch resamples everything. A row that cannot be rendered as drawn (no word alignment, no text)
falls back to a stream it can be (interleaved → speech, text → speech) and is counted; a row that
fits no stream is skipped with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hf_slm.errors import ConfigError
from hf_slm.interleave.layout import InterleaveLayout
from hf_slm.interleave.sequence import (STREAMS, Counts, check_words, interleave, speech_document,
                                        text_document, tokens_per_word)
from hf_slm.interleave.spans import SpanConfig, speech_mask

SIMS_RATIOS = {"text": 0.2024, "interleaved": 0.5433, "speech": 0.2543}
BATCH = 256


@dataclass(frozen=True)
class MixConfig:
    ratios: dict = field(default_factory=lambda: dict(SIMS_RATIOS))
    spans: SpanConfig = field(default_factory=SpanConfig)
    seed: int = 0

    def check(self) -> "MixConfig":
        bad = set(self.ratios) - set(STREAMS)
        if bad or any(v < 0 for v in self.ratios.values()) or sum(self.ratios.values()) <= 0:
            raise ConfigError("--mix-text/--mix-interleaved/--mix-speech", f"ratios over {', '.join(STREAMS)} must be >= 0 and not all 0; "
                                       f"got {self.ratios}")
        self.spans.check()
        return self

    def probabilities(self) -> np.ndarray:
        p = np.array([float(self.ratios.get(s, 0.0)) for s in STREAMS])
        return p / p.sum()


@dataclass
class EpochDocs:
    docs: list[list[int]]
    counts: Counts
    skips: list[dict]  # {"id", "reason"} for skips.jsonl
    fallbacks: int = 0

    def report(self) -> dict:
        """What run.json / logs record about this epoch's data."""
        return {"tokens_per_modality": self.counts.tokens_per_modality(),
                "docs_per_stream": dict(self.counts.docs),
                "speech_word_fraction": self.counts.speech_word_fraction,
                "fallbacks": self.fallbacks, "skipped": len(self.skips)}


def row_rng(seed: int, epoch: int, index: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(epoch), int(index)])


def _batches(rows):
    """Dict-of-lists batches from a datasets.Dataset or a list of row dicts."""
    if hasattr(rows, "iter"):
        yield from rows.iter(batch_size=BATCH)
        return
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        yield {key: [r.get(key) for r in chunk] for key in ("id", "units", "text", "words")}


def build_epoch(rows, tokenizer, layout: InterleaveLayout, cfg: MixConfig, epoch: int,
                indices=None) -> EpochDocs:
    """Every row once, as the stream it drew for `epoch`; documents in row order.

    `indices[j]` is row j's index in its whole split (default j): it seeds the row's draws, so a
    chunk of a split renders exactly as it would within the whole split.
    """
    probs = cfg.check().probabilities()
    out = EpochDocs(docs=[], counts=Counts(), skips=[])
    indices = iter(range(len(rows)) if indices is None else indices)
    for batch in _batches(rows):
        words = [list(w or []) for w in batch["words"]]
        word_tokens = tokens_per_word(tokenizer, [[w["word"] for w in ws] for ws in words])
        texts = [t or " ".join(w["word"] for w in ws) for t, ws in zip(batch["text"], words)]
        text_ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
        for j, units in enumerate(batch["units"]):
            rng = row_rng(cfg.seed, epoch, next(indices))
            stream = STREAMS[int(rng.choice(len(STREAMS), p=probs))]
            units = list(units or [])
            usable = {"text": bool(text_ids[j]), "speech": bool(units),
                      "interleaved": check_words(len(units), words[j]) is None}
            if not usable[stream]:
                out.fallbacks += 1
                stream = "speech" if usable["speech"] else next((s for s in STREAMS if usable[s]), None)
            if stream is None:
                out.skips.append({"id": batch["id"][j], "reason": "no units and no text"})
                continue
            try:
                if stream == "text":
                    ids, c = text_document(text_ids[j], layout)
                elif stream == "speech":
                    ids, c = speech_document(units, layout)
                else:
                    mask = speech_mask(len(words[j]), cfg.spans, rng)
                    ids, c = interleave(units, words[j], word_tokens[j], mask, layout)
            except ValueError as e:  # a unit outside [0, K): the data does not match the model
                out.skips.append({"id": batch["id"][j], "reason": str(e)})
                continue
            out.docs.append(ids)
            out.counts = out.counts + c
    return out
