"""Encoders: frame counts per frame rate, batch independence (no padding leak), offline errors."""

from tests.helpers.units import speechlike, tiny_hubert  # noqa: I001 - first: sets thread limits

import numpy as np
import pytest
import torch

from hf_slm.errors import ConfigError
from hf_slm.units.encoders import build_encoder


@pytest.mark.parametrize("rate,stride", [(50, 320), (25, 640)])
def test_tiny_hubert_frame_count_matches_its_frame_rate(rate, stride):
    enc = build_encoder("hubert", model=tiny_hubert(rate), layer=2, device="cpu")
    assert enc.frame_rate == rate and enc.stride == stride
    for n in (16000, 23456):
        feats = enc.encode([speechlike(n / 16000, seed=n)])[0]
        assert feats.shape == (enc.num_frames(n), 32)
        assert abs(feats.shape[0] - n / stride) <= 2  # about one frame per stride
    with torch.inference_mode():  # and the count is HuBERT's own
        full = enc.model(torch.as_tensor(speechlike(1.0))[None]).last_hidden_state
    assert full.shape[1] == enc.num_frames(16000)


@pytest.mark.parametrize("norm", ["group", "layer"])
def test_units_of_a_file_do_not_depend_on_its_batch(norm):
    model = tiny_hubert(50, norm=norm)
    enc = build_encoder("hubert", model=model, layer=3, device="cpu", batch_size=8)
    short = speechlike(0.7, seed=1)
    longer = [speechlike(s, seed=2 + i) for i, s in enumerate((1.9, 1.3, 2.6))]
    alone = enc.encode([short])[0]
    batched = enc.encode([longer[0], short, longer[1], longer[2]])
    np.testing.assert_allclose(batched[1], alone, atol=1e-4)
    for w, f in zip(longer, [batched[0], batched[2], batched[3]]):
        np.testing.assert_allclose(f, enc.encode([w])[0], atol=1e-4)
    # Quantized: identical units alone and in the batch.
    from hf_slm.units.quantizer import fit_kmeans

    cb = fit_kmeans(np.concatenate(batched), 8, enc.info(), seed=0)
    assert np.array_equal(cb.predict(alone), cb.predict(batched[1]))


def test_naive_padding_would_leak_for_group_norm():
    """Why the encoder takes care: plain padded batching changes a group-norm HuBERT's output."""
    model = tiny_hubert(50, norm="group")
    short, long_ = torch.as_tensor(speechlike(0.7, seed=1)), torch.as_tensor(speechlike(2.6, seed=4))
    with torch.inference_mode():
        alone = model(short[None]).last_hidden_state[0]
        padded = torch.nn.utils.rnn.pad_sequence([long_, short], batch_first=True)
        mask = torch.zeros(padded.shape, dtype=torch.long)
        mask[0, :] = 1
        mask[1, : short.numel()] = 1
        naive = model(padded, attention_mask=mask).last_hidden_state[1, : alone.shape[0]]
    assert (naive - alone).abs().max() > 1e-3


def test_mel_encoder_is_25hz_by_default_and_deterministic():
    enc = build_encoder("mel")
    assert enc.frame_rate == 25.0 and enc.sample_rate == 16000
    x = speechlike(1.37)
    a = enc.encode([x])[0]
    assert a.shape == (x.size // 640, enc.dim)
    np.testing.assert_array_equal(a, enc.encode([speechlike(3.0, seed=5), x])[1])
    assert build_encoder("mel", frame_rate=50).encode([x])[0].shape[0] == x.size // 320


def test_paper_default_fails_offline_with_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    with pytest.raises(ConfigError) as err:
        build_encoder("hubert", model="slprl/mhubert-base-25hz", layer=11)
    assert err.value.field == "--encoder-model" and "\n" not in str(err.value)
    with pytest.raises(ConfigError):
        build_encoder("wav2vec9")


def test_local_hubert_folder_and_bad_layer(tmp_path):
    tiny_hubert(25).save_pretrained(tmp_path / "m")
    enc = build_encoder("hubert", model=str(tmp_path / "m"), layer=3, device="cpu")
    assert enc.info() == {"name": "hubert", "id": str(tmp_path / "m"), "layer": 3, "sample_rate": 16000,
                          "frame_rate": 25.0}
    with pytest.raises(ConfigError, match="--layer"):
        build_encoder("hubert", model=str(tmp_path / "m"), layer=9, device="cpu")
