"""Unigram compression: SentencePiece over unit strings, a loadable token dataset, ratio > 1."""

from tests.helpers.units import mel_codebook, write_corpus  # noqa: I001 - thread limits

import numpy as np
import pytest

from hf_slm.errors import ConfigError
from hf_slm.units.extract import ExtractConfig, extract


def test_unigram_dataset_compresses_and_decodes_back(tmp_path):
    import sentencepiece as spm

    from hf_slm.units.dataset import load_unit_dataset
    from hf_slm.units.unigram import BASE, unigram_dataset

    mel_codebook(tmp_path / "cb.safetensors", k=16)
    write_corpus(tmp_path / "audio", 12, seconds=(1.0, 2.0))
    extract(ExtractConfig(input=str(tmp_path / "audio"), out=str(tmp_path / "ds"),
                          codebook=str(tmp_path / "cb.safetensors"), progress=False))
    meta = unigram_dataset(tmp_path / "ds", tmp_path / "uni", vocab_size=60)
    u = meta["unigram"]
    assert u["compression_ratio"] == pytest.approx(u["source_units"] / u["tokens"]) and u["compression_ratio"] > 1
    src, uni = load_unit_dataset(tmp_path / "ds"), load_unit_dataset(tmp_path / "uni")
    assert uni.k == u["vocab_size"] and uni.tokenizer.eos_token_id == uni.k
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "uni" / "unigram.model"))
    for split in src.splits:
        for a, b in zip(src.splits[split], uni.splits[split]):
            assert a["id"] == b["id"] and 0 not in b["units"]  # no <unk>
            decoded = [ord(c) - BASE for c in sp.decode(b["units"])]
            assert decoded == a["units"]
    with pytest.raises(ConfigError, match="--vocab-size"):
        unigram_dataset(tmp_path / "ds", tmp_path / "uni2", vocab_size=10)
    with pytest.raises(ConfigError, match="--out"):
        unigram_dataset(tmp_path / "ds", tmp_path / "uni", vocab_size=60)


def test_word_spans_follow_pieces():
    from hf_slm.units.unigram import remap_words

    # pieces cover units [0,3), [3,4), [4,8); word over units [2,5) touches all three pieces
    assert remap_words([{"word": "w", "start": 2, "end": 5}], np.array([3, 1, 4])) == [{"word": "w", "start": 0, "end": 3}]
    assert remap_words([{"word": "v", "start": 3, "end": 4}], np.array([3, 1, 4])) == [{"word": "v", "start": 1, "end": 2}]


def test_audio_benchmark_becomes_unit_benchmark(tmp_path):
    from hf_slm.audio.dataset import encode_audio
    from hf_slm.synth.schema import load_benchmark, write_benchmark
    from hf_slm.units import UnitPipeline
    from hf_slm.units.benchmark import benchmark_to_units
    from tests.helpers.units import speechlike

    mel_codebook(tmp_path / "cb.safetensors", k=16)
    words = [{"word": "a", "start": 0.0, "end": 0.5}]
    good = {"id": "q1", "task": "sblimp", "group": "g", "voice": "v", "prompt_audio": b"", "prompt_text": "",
            "prompt_word_times": [], "positive_audio": encode_audio(speechlike(1.0, 16000, 1), 16000),
            "positive_text": "a", "positive_word_times": words, "negative_text": "a", "negative_word_times": words,
            "negative_audio": encode_audio(speechlike(1.0, 16000, 2), 16000)}
    bad = {**good, "id": "q2", "negative_audio": b"garbage bytes"}
    write_benchmark(tmp_path / "audio" / "sblimp", [good, bad], audio=True)
    pipe = UnitPipeline.from_codebook(tmp_path / "cb.safetensors")
    assert benchmark_to_units(tmp_path / "audio" / "sblimp", tmp_path / "units" / "sblimp", pipe) == {"rows": 1, "skipped": 1}
    row = load_benchmark(tmp_path / "units" / "sblimp")[0]
    assert row["prompt"] == [] and len(row["positive"]) > 0 and row["positive_words"][0]["start"] == 0
    assert "q2" in (tmp_path / "units" / "sblimp" / "skips.jsonl").read_text()
