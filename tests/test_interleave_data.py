"""Interleaved documents: validity, markers only at switches, speech fraction, mixture, determinism."""

import numpy as np
import pytest

from hf_slm.errors import ConfigError
from hf_slm.interleave.init import extend_tokenizer
from hf_slm.interleave.mixture import MixConfig, build_epoch
from hf_slm.interleave.sequence import interleave, tokens_per_word
from hf_slm.interleave.spans import SpanConfig, runs, span_lengths, speech_mask
from tests.helpers.interleave_fixtures import aligned_rows, text_tokenizer

K = 30


@pytest.fixture(scope="module")
def tok_layout():
    tok = text_tokenizer("llama")
    return tok, extend_tokenizer(tok, K)


def parse(doc, layout):
    """Walk a document as the model would; returns (#switches, speech units, text ids) or fails."""
    assert tuple(doc[:len(layout.doc_prefix)]) == layout.doc_prefix
    state, switches, units, text = "text", 0, [], []
    for t in doc[len(layout.doc_prefix):]:
        assert t not in (layout.pad_id, layout.eos_id)
        if layout.is_marker(t):
            new = "speech" if t == layout.speech_id else "text"
            assert new != state, "marker without a modality switch"
            state, switches = new, switches + 1
        elif state == "speech":
            assert layout.is_unit(t), "non-unit inside a speech span"
            units.append(t - layout.unit_offset)
        else:
            assert t < layout.text_vocab, "unit or special inside a text span"
            text.append(t)
    assert not layout.is_marker(doc[-1]), "a marker must be followed by its span"
    return switches, units, text


def test_word_tokens_are_the_whole_sentence_tokenization(tok_layout):
    tok, _ = tok_layout
    words = ["the", "cat", "sat", "under", "a", "green", "tree"]
    per_word = tokens_per_word(tok, [words])[0]
    assert [t for w in per_word for t in w] == tok(" ".join(words), add_special_tokens=False)["input_ids"]
    assert per_word[1] == tok(" cat", add_special_tokens=False)["input_ids"]  # mid-sentence form
    assert per_word[0] == tok("the", add_special_tokens=False)["input_ids"]


def test_hand_made_interleaving(tok_layout):
    tok, layout = tok_layout
    names = ["the", "cat", "sat", "on", "a", "tree"]
    units = list(range(20))
    spans = [(0, 3), (4, 6), (6, 9), (10, 12), (12, 14), (15, 19)]
    words = [{"word": w, "start": s, "end": e} for w, (s, e) in zip(names, spans)]
    mask = [False, True, True, False, False, True]
    ids, counts = interleave(units, words, tokens_per_word(tok, [names])[0], mask, layout)
    enc = lambda s: tok(s, add_special_tokens=False)["input_ids"]  # noqa: E731
    expected = (list(layout.doc_prefix) + enc("the") + [layout.speech_id] + layout.unit_ids(range(4, 9))
                + [layout.text_id] + enc(" on a") + [layout.speech_id] + layout.unit_ids(range(15, 19)))
    assert ids == expected
    assert (counts.marker, counts.speech, counts.speech_words, counts.words) == (3, 9, 3, 6)
    # speech-led: the document opens with <speech>, and all-text has no marker at all
    lead, _ = interleave(units, words, tokens_per_word(tok, [names])[0], [True] * 2 + [False] * 4, layout)
    assert lead[len(layout.doc_prefix)] == layout.speech_id and lead.count(layout.text_id) == 1
    plain, c = interleave(units, words, tokens_per_word(tok, [names])[0], [False] * 6, layout)
    assert plain == list(layout.doc_prefix) + enc("the cat sat on a tree") and c.marker == 0


@pytest.mark.parametrize("method,target", [("poisson", 0.3), ("word", 0.3), ("fixed", 0.5)])
def test_interleaved_documents_valid_and_fraction_near_target(tok_layout, method, target):
    tok, layout = tok_layout
    rows = aligned_rows(500, K, seed=1)
    cfg = MixConfig(ratios={"interleaved": 1.0}, spans=SpanConfig(method, target, 10.0), seed=3)
    epoch = build_epoch(rows, tok, layout, cfg, epoch=0)
    assert len(epoch.docs) == len(rows) and not epoch.skips and epoch.fallbacks == 0
    total_switches = 0
    for doc, row in zip(epoch.docs, rows):
        switches, units, _ = parse(doc, layout)
        total_switches += switches
        assert set(units) <= set(row["units"])
    assert total_switches > len(rows) // 2  # real interleaving, not whole-utterance modality
    report = epoch.report()
    assert abs(report["speech_word_fraction"] - target) < 0.05
    tpm = report["tokens_per_modality"]
    assert tpm["speech"] > 0 and tpm["text"] > 0 and tpm["marker"] == total_switches
    assert sum(tpm.values()) == sum(map(len, epoch.docs))


def test_mixture_ratios_fallback_and_determinism(tok_layout):
    tok, layout = tok_layout
    rows = aligned_rows(1500, K, seed=2)
    rows[0] = dict(rows[0], words=[])  # no alignment: can only be text or speech
    cfg = MixConfig(seed=7)  # SIMS default ratios
    e0 = build_epoch(rows, tok, layout, cfg, epoch=0)
    shares = {s: n / len(rows) for s, n in e0.counts.docs.items()}
    for stream, ratio in cfg.ratios.items():
        assert abs(shares[stream] - ratio) < 0.04, (stream, shares)
    for doc in e0.docs:
        parse(doc, layout)
    assert build_epoch(rows, tok, layout, cfg, epoch=0).docs == e0.docs
    assert build_epoch(rows, tok, layout, cfg, epoch=1).docs != e0.docs
    assert build_epoch(rows, tok, layout, MixConfig(seed=8), epoch=0).docs != e0.docs
    # the same epoch whatever the batch size of the work (per-row generators)
    from hf_slm.interleave import mixture

    old, mixture.BATCH = mixture.BATCH, 7
    try:
        assert build_epoch(rows[:50], tok, layout, cfg, epoch=0).docs == e0.docs[:50]
    finally:
        mixture.BATCH = old
    no_words = MixConfig(ratios={"interleaved": 1.0})
    fb = build_epoch(rows[:3], tok, layout, no_words, epoch=0)
    assert fb.fallbacks == 1 and fb.docs[0] == list(layout.doc_prefix) + [layout.speech_id] + \
        layout.unit_ids(rows[0]["units"])


def test_bad_units_and_empty_rows_are_skipped(tok_layout):
    tok, layout = tok_layout
    rows = aligned_rows(3, K, seed=4)
    rows[1] = dict(rows[1], units=[K + 5] * 4, words=[], text="")
    rows[2] = dict(rows[2], units=[], words=[], text="")
    out = build_epoch(rows, tok, layout, MixConfig(ratios={"speech": 1.0}), epoch=0)
    assert len(out.docs) == 1 and [s["id"] for s in out.skips] == ["utt1", "utt2"]


def test_span_methods():
    rng = np.random.default_rng(0)
    for method in ("poisson", "fixed", "word"):
        for n in (0, 1, 7, 40):
            assert sum(span_lengths(n, SpanConfig(method), rng)) == n
    assert set(span_lengths(50, SpanConfig("word"), rng)) == {1}
    assert set(span_lengths(50, SpanConfig("fixed", span=4), rng)[1:-1]) == {4}
    lengths = [x for _ in range(300) for x in span_lengths(200, SpanConfig("poisson"), rng)[:-1]]
    assert abs(np.mean(lengths) - 10.0) < 0.5
    mask = speech_mask(100, SpanConfig("poisson"), rng)
    r = runs(mask)
    assert sum(b - a for _, a, b in r) == 100 and all(x[0] != y[0] for x, y in zip(r, r[1:]))
    with pytest.raises(ConfigError):
        SpanConfig("sentence").check()
    with pytest.raises(ConfigError):
        MixConfig(ratios={"audio": 1.0}).check()


def test_spans_from_the_unit_stage_are_usable(tok_layout):
    """word_spans after dedup lets neighbouring words share a unit run: still a valid alignment."""
    from hf_slm.units.dedup import dedup, word_spans

    tok, layout = tok_layout
    rng = np.random.default_rng(5)
    frames = np.repeat(rng.integers(0, K, size=60), rng.integers(1, 4, size=60))
    units, durations = dedup(frames)
    names = ["the", "cat", "sat", "on", "a", "big", "tree"]
    step = len(frames) / 25.0 / len(names)
    times = [{"word": w, "start": i * step, "end": (i + 1) * step} for i, w in enumerate(names)]
    words = word_spans(times, durations, frame_rate=25.0)
    assert any(b["start"] < a["end"] for a, b in zip(words, words[1:]))  # the overlap really occurs
    row = {"id": "u", "units": units.tolist(), "text": " ".join(names), "words": words}
    out = build_epoch([row] * 20, tok, layout, MixConfig(ratios={"interleaved": 1.0}), epoch=0)
    assert out.fallbacks == 0 and len(out.docs) == 20
    for doc in out.docs:
        parse(doc, layout)
