"""Codebooks (safetensors round trip, encoder mismatch, pickle import), UnitPipeline, tokenizer, dedup."""

from tests.helpers.units import mel_codebook, speechlike, tone  # noqa: I001 - first: sets thread limits

import pickle

import numpy as np
import pytest

from hf_slm.errors import ConfigError
from hf_slm.units.dedup import dedup, expand, word_spans
from hf_slm.units.encoders import build_encoder
from hf_slm.units.pipeline import UnitPipeline
from hf_slm.units.quantizer import Codebook


def test_codebook_round_trip_and_prediction(tmp_path):
    cb = mel_codebook(tmp_path / "cb.safetensors", k=12)
    back = Codebook.load(tmp_path / "cb.safetensors")
    np.testing.assert_array_equal(back.centroids, cb.centroids)
    assert back.encoder == build_encoder("mel").info() and back.k == 12 and back.extra["seed"] == 0
    frames = build_encoder("mel").encode([speechlike(1.0, seed=9)])[0]
    brute = np.argmin(((frames[:, None, :] - cb.centroids[None]) ** 2).sum(-1), axis=1)
    assert np.array_equal(back.predict(frames), brute)


def test_codebook_refuses_another_encoder(tmp_path):
    mel_codebook(tmp_path / "cb.safetensors", k=8)
    cb = Codebook.load(tmp_path / "cb.safetensors")
    with pytest.raises(ConfigError) as err:
        UnitPipeline(build_encoder("mel", frame_rate=50), cb)
    assert err.value.field == "--codebook" and "frame_rate" in str(err.value)
    with pytest.raises(ConfigError, match="frame_rate=25.0"):
        cb.check_encoder({"name": "hubert", "id": "slprl/mhubert-base-25hz", "layer": 11,
                          "sample_rate": 16000, "frame_rate": 50.0})
    (tmp_path / "junk.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ConfigError, match="--codebook"):
        Codebook.load(tmp_path / "junk.safetensors")


class _Marker:
    """Unpickling this writes a file: proof of whether a pickle was ever loaded."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickle_import_only_with_trust_flag(tmp_path):
    from sklearn.cluster import MiniBatchKMeans

    from hf_slm.units.twist import import_pickled_codebook

    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.bin"
    evil.write_bytes(pickle.dumps(_Marker(str(marker))))
    with pytest.raises(ConfigError, match="--trust-pickle"):
        import_pickled_codebook(evil, tmp_path / "x.safetensors")
    assert not marker.exists() and not (tmp_path / "x.safetensors").exists()

    import joblib

    km = MiniBatchKMeans(n_clusters=5, random_state=0, n_init=1).fit(np.random.default_rng(0).normal(size=(200, 4)))
    joblib.dump(km, tmp_path / "km500.bin")
    cb = import_pickled_codebook(tmp_path / "km500.bin", tmp_path / "km.safetensors", trust_pickle=True)
    back = Codebook.load(tmp_path / "km.safetensors")
    np.testing.assert_allclose(back.centroids, km.cluster_centers_, rtol=1e-6)
    assert back.encoder["id"] == "slprl/mhubert-base-25hz" and back.encoder["layer"] == 11 and cb.k == 5


def test_pipeline_from_codebook_units_and_batch(tmp_path):
    mel_codebook(tmp_path / "cb.safetensors", k=16)
    pipe = UnitPipeline.from_codebook(tmp_path / "cb.safetensors")
    x = speechlike(1.5, 16000, seed=3)
    units, durations = pipe.units(x, 16000)
    assert units.dtype == np.int16 and durations.dtype == np.int16
    assert durations.sum() == x.size // 640 and np.all(units[1:] != units[:-1])
    other = speechlike(2.5, 22050, seed=4)
    batch = pipe.batch_units([other, x], [22050, 16000])
    assert np.array_equal(batch[1][0], units) and np.array_equal(batch[1][1], durations)
    stereo44 = np.stack([x, x], 1)
    from hf_slm.audio.io import resample

    u44, _ = pipe.units(resample(stereo44[:, 0], 16000, 44100)[:, None].repeat(2, 1), 44100)
    assert abs(len(u44) - len(units)) <= max(3, len(units) // 5)  # same audio, other rate: similar units
    raw = UnitPipeline.from_codebook(tmp_path / "cb.safetensors", dedup=False).units(x, 16000)
    assert np.array_equal(expand(units, durations), raw[0]) and set(raw[1]) == {1}
    u, d, words = pipe.units_with_words(tone(200, 1.0, 16000), 16000, [{"word": "hi", "start": 0.0, "end": 0.5}])
    assert words[0]["start"] == 0 and 1 <= words[0]["end"] <= len(u)


def test_dedup_and_word_spans():
    u, d = dedup([5, 5, 7, 7, 7, 5])
    assert u.tolist() == [5, 7, 5] and d.tolist() == [2, 3, 1]
    assert expand(u, d).tolist() == [5, 5, 7, 7, 7, 5]
    u, d = dedup(np.zeros(70000, int))
    assert d.sum() == 70000 and d.max() <= 32767 and set(u.tolist()) == {0}
    assert dedup([])[0].size == 0
    spans = word_spans([{"word": "a", "start": 0.0, "end": 0.08}, {"word": "b", "start": 0.08, "end": 0.24},
                        {"word": "gone", "start": 9.0, "end": 9.5}], [2, 3, 1], 25.0)
    assert spans == [{"word": "a", "start": 0, "end": 1}, {"word": "b", "start": 1, "end": 3}]


def test_unit_tokenizer_round_trip_through_autotokenizer(tmp_path):
    from transformers import AutoTokenizer

    from hf_slm.units.tokenizer import save_unit_tokenizer, units_to_text

    save_unit_tokenizer(16, tmp_path / "tok")
    tok = AutoTokenizer.from_pretrained(str(tmp_path / "tok"))
    units = [3, 15, 0, 7]
    ids = tok(units_to_text(units), add_special_tokens=False)["input_ids"]
    assert ids == units
    assert tok.decode(ids) == units_to_text(units)
    assert {tok.eos_token_id, tok.pad_token_id, tok.bos_token_id} == {16, 17, 18}


def test_codebook_checksum_is_of_its_content_not_its_file_bytes(tmp_path):
    """safetensors orders metadata as its hash map likes; the checksum must not care."""
    rng = np.random.default_rng(0)
    cb = Codebook(rng.normal(size=(8, 4)), {"name": "mel", "frame_rate": 25.0}, {"seed": 0, "frames": 100})
    sums = {Codebook.load(cb.save(tmp_path / f"cb{i}.safetensors")).content_sha256() for i in range(6)}
    assert sums == {cb.content_sha256()}
    moved = Codebook(cb.centroids + np.float32(1e-3), cb.encoder, cb.extra)
    assert moved.content_sha256() != cb.content_sha256()
    real = mel_codebook(tmp_path / "mel.safetensors", k=6)
    assert UnitPipeline.from_codebook(tmp_path / "mel.safetensors").codebook_sha256 == real.content_sha256()
