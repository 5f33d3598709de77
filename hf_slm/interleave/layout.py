"""Where units, markers and specials sit in an interleaved (text + speech) vocabulary.

The text tokenizer keeps every id it had. Appended after its last token (``len(text tokenizer)``):
``<unit_0> … <unit_{K-1}>`` (contiguous, so unit u is id ``unit_offset + u``), then ``<speech>``,
``<text>``, then a pad token when the text tokenizer has no usable one (see ``init.choose_pad``).

The layout is read back from the tokenizer itself (``layout_from_tokenizer``), so a checkpoint
folder needs no side file and can never disagree with its own vocabulary.

Marker convention (documented once, used by data and evaluation): a document starts in *text*
state, as the text LM always did. A marker is written at every modality switch and nowhere else,
so a document whose first span is speech starts with ``<speech>``; a text-led one starts with text;
a text-only document has no marker at all and is exactly what the text LM saw in pre-training.
The EOS that packing puts between documents is a separator, not a marker: the next document starts
in text state again, so a speech-led document opens with its own `<speech>`.
"""

from __future__ import annotations

from dataclasses import dataclass

from hf_slm.errors import ConfigError
from hf_slm.units import vocab

SPEECH, TEXT = "<speech>", "<text>"


@dataclass(frozen=True)
class InterleaveLayout:
    k: int  # number of unit tokens
    unit_offset: int  # id of <unit_0>; first id after the text vocabulary
    speech_id: int
    text_id: int
    pad_id: int
    eos_id: int  # the text tokenizer's eos: document separator for every stream
    doc_prefix: tuple[int, ...]  # ids the text tokenizer puts before a document (e.g. Llama-3 bos)
    text_vocab: int  # len(text tokenizer) before extension; every id below it is a text token

    def unit_ids(self, units) -> list[int]:
        """Unit values → token ids; refuses values outside [0, K)."""
        out = [self.unit_offset + int(u) for u in units]
        if out and (min(out) < self.unit_offset or max(out) >= self.unit_offset + self.k):
            raise ValueError(f"unit value outside [0, {self.k})")
        return out

    def is_unit(self, token_id: int) -> bool:
        return self.unit_offset <= token_id < self.unit_offset + self.k

    def is_marker(self, token_id: int) -> bool:
        return token_id in (self.speech_id, self.text_id)


def layout_from_tokenizer(tokenizer) -> InterleaveLayout:
    """The layout of a tokenizer extended by ``init.extend_tokenizer`` (checks it holds)."""
    ids = tokenizer.convert_tokens_to_ids([vocab.unit_token(0), SPEECH, TEXT])
    unk = tokenizer.unk_token_id
    if any(i is None or (unk is not None and i == unk) for i in ids):
        raise ConfigError("--base-model", "tokenizer has no <unit_0>/<speech>/<text>: not an interleaved tokenizer")
    offset, speech_id, text_id = ids
    k = speech_id - offset
    last = tokenizer.convert_tokens_to_ids(vocab.unit_token(k - 1))
    if k <= 0 or last != offset + k - 1 or text_id != speech_id + 1:
        raise ConfigError("--base-model", "unit tokens are not contiguous before <speech>/<text>")
    if tokenizer.pad_token_id is None or tokenizer.eos_token_id is None:
        raise ConfigError("--base-model", "interleaved tokenizer needs both a pad and an eos token")
    return InterleaveLayout(k=k, unit_offset=offset, speech_id=speech_id, text_id=text_id,
                            pad_id=tokenizer.pad_token_id, eos_id=tokenizer.eos_token_id,
                            doc_prefix=tuple(document_prefix(tokenizer)), text_vocab=offset)


def document_prefix(tokenizer) -> list[int]:
    """The special ids the tokenizer puts in front of a text (bos for Llama-3, none for Qwen2.5)."""
    with_special = tokenizer("a", add_special_tokens=True)["input_ids"]
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    for i in range(len(with_special) - len(plain) + 1):
        if with_special[i:i + len(plain)] == plain:
            return list(with_special[:i])
    return []
