"""One word-aligned utterance → token ids of a text, speech or interleaved document.

Text is tokenized once per utterance, whole (words joined with single spaces), and each token is
given to the word its characters start in, the space before a word going with that word. A text
span is then the concatenation of its words' tokens, so a span that starts mid-sentence uses the
mid-sentence form the text LM knows (" cat", not "cat"), and a fully-text document is exactly the
text LM's own tokenization of the sentence. Speech spans are the units between the first word's
start and the last word's end (pauses inside the span included), as ids after the text vocabulary.

Documents carry the text tokenizer's document prefix (bos, if it uses one) and no eos: the packer
(hf_slm.data.pack) puts the eos between documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hf_slm.interleave.layout import InterleaveLayout
from hf_slm.interleave.spans import runs

STREAMS = ("text", "interleaved", "speech")


@dataclass
class Counts:
    """Tokens and words per modality of one or many documents (summed with +)."""

    text: int = 0  # text-vocabulary tokens (document prefix included)
    speech: int = 0  # unit tokens
    marker: int = 0  # <speech>/<text>
    words: int = 0  # words of interleaved documents
    speech_words: int = 0  # of which given as units
    docs: dict = field(default_factory=dict)  # documents per stream

    def __add__(self, other: "Counts") -> "Counts":
        docs = dict(self.docs)
        for k, v in other.docs.items():
            docs[k] = docs.get(k, 0) + v
        return Counts(self.text + other.text, self.speech + other.speech, self.marker + other.marker,
                      self.words + other.words, self.speech_words + other.speech_words, docs)

    @property
    def speech_word_fraction(self) -> float:
        """Realised fraction of interleaved words given as speech (the target is speech_fraction)."""
        return self.speech_words / self.words if self.words else float("nan")

    def tokens_per_modality(self) -> dict[str, int]:
        return {"text": self.text, "speech": self.speech, "marker": self.marker}


def word_char_ends(words: list[str]) -> list[int]:
    """End offset of each word in " ".join(words)."""
    ends, pos = [], 0
    for i, w in enumerate(words):
        pos += (1 if i else 0) + len(w)
        ends.append(pos)
    return ends


def tokens_per_word(tokenizer, word_lists: list[list[str]]) -> list[list[list[int]]]:
    """For each utterance, the text token ids of each word (batched fast-tokenizer call)."""
    texts = [" ".join(ws) for ws in word_lists]
    enc = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
    out = []
    for ws, ids, offsets in zip(word_lists, enc["input_ids"], enc["offset_mapping"]):
        ends = word_char_ends(ws)
        per_word: list[list[int]] = [[] for _ in ws]
        w = 0
        for tid, (start, _end) in zip(ids, offsets):
            while w < len(ws) - 1 and start >= ends[w]:
                w += 1
            per_word[w].append(int(tid))
        out.append(per_word)
    return out


def check_words(n_units: int, words: list[dict]) -> str | None:
    """Why these word spans can't be used over `n_units` units, or None when they are fine."""
    if not words:
        return "no word alignment"
    prev_start = prev_end = 0
    for w in words:
        s, e = int(w["start"]), int(w["end"])
        # neighbours may share one unit: after dedup a run can touch the frames of both words
        if not (prev_start <= s <= e <= n_units and e >= prev_end):
            return f"word span [{s}, {e}) out of order or outside {n_units} units"
        prev_start, prev_end = s, e
    return None


def interleave(units, words: list[dict], word_tokens: list[list[int]], mask,
               layout: InterleaveLayout) -> tuple[list[int], Counts]:
    """Interleaved document ids for a speech mask over words (words with no units stay text)."""
    mask = np.asarray(mask, dtype=bool) & np.array([w["end"] > w["start"] for w in words], dtype=bool)
    ids = list(layout.doc_prefix)
    c = Counts(text=len(ids), words=len(words), speech_words=int(mask.sum()), docs={"interleaved": 1})
    state_speech = False  # a document starts in text state (see layout's marker convention)
    for is_speech, a, b in runs(mask):
        if is_speech != state_speech:
            ids.append(layout.speech_id if is_speech else layout.text_id)
            c.marker += 1
            state_speech = is_speech
        if is_speech:
            span = layout.unit_ids(units[int(words[a]["start"]):int(words[b - 1]["end"])])
            c.speech += len(span)
        else:
            span = [t for toks in word_tokens[a:b] for t in toks]
            c.text += len(span)
        ids.extend(span)
    return ids, c


def speech_document(units, layout: InterleaveLayout) -> tuple[list[int], Counts]:
    """`<speech>` + all units: a speech-led document has one switch, at its start."""
    ids = list(layout.doc_prefix) + [layout.speech_id] + layout.unit_ids(units)
    return ids, Counts(text=len(layout.doc_prefix), speech=len(units), marker=1, docs={"speech": 1})


def text_document(text_ids: list[int], layout: InterleaveLayout) -> tuple[list[int], Counts]:
    """Plain text, no marker: exactly what the text LM was trained on."""
    ids = list(layout.doc_prefix) + list(text_ids)
    return ids, Counts(text=len(ids), docs={"text": 1})
