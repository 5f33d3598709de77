"""Audio in: resampling keeps frequencies, stereo is downmixed, bad files get a skip reason."""

import numpy as np
import pytest
import soundfile as sf

from hf_slm.audio import AudioError, load_audio, read_audio, resample, to_mono
from tests.helpers.units import tone


def peak_hz(x, rate):
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return np.argmax(spec) * rate / x.size


@pytest.mark.parametrize("method", ["soxr", "poly"])
def test_440hz_tone_keeps_its_frequency_44k1_to_16k(method):
    x = tone(440.0, 2.0, 44100)
    y = resample(x, 44100, 16000, method=method)
    assert abs(y.size - 32000) <= 2
    assert abs(peak_hz(y, 16000) - 440.0) < 1.0
    # band-limited: a 10 kHz tone (above the new Nyquist) is removed, not aliased to 6 kHz
    z = resample(tone(10000.0, 1.0, 44100), 44100, 16000, method=method)
    assert np.sqrt(np.mean(z[1000:-1000] ** 2)) < 0.01


def test_stereo_48k_file_is_downmixed_and_resampled(tmp_path):
    left, right = tone(300, 1.0, 48000), tone(300, 1.0, 48000, amp=0.1)
    sf.write(tmp_path / "st.flac", np.stack([left, right], 1), 48000)
    data, rate = read_audio(tmp_path / "st.flac")
    assert data.shape == (48000, 2) and rate == 48000
    np.testing.assert_allclose(to_mono(data), (left + right) / 2, atol=1e-4)
    y = load_audio(tmp_path / "st.flac", 16000)
    assert y.ndim == 1 and abs(y.size - 16000) <= 1 and abs(peak_hz(y, 16000) - 300) < 1.5


def test_offset_and_duration_read_a_segment(tmp_path):
    x = np.r_[np.zeros(8000), np.ones(8000) * 0.5].astype(np.float32)
    sf.write(tmp_path / "a.wav", x, 16000, subtype="FLOAT")
    seg, _ = read_audio(tmp_path / "a.wav", offset=0.5, duration=0.25)
    assert seg.size == 4000 and np.allclose(seg, 0.5)


def _bad_files(tmp_path):
    sf.write(tmp_path / "good.wav", tone(200, 0.5, 16000), 16000)
    good = (tmp_path / "good.wav").read_bytes()
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "truncated.wav").write_bytes(good[:30])
    (tmp_path / "random.wav").write_bytes(np.random.default_rng(0).bytes(5000))
    nan = tone(200, 0.5, 16000)
    nan[100:110] = np.nan
    sf.write(tmp_path / "nan.wav", nan, 16000, subtype="FLOAT")
    sf.write(tmp_path / "short.wav", tone(200, 0.01, 16000), 16000)
    sf.write(tmp_path / "zero.wav", np.zeros(8000, np.float32), 16000)
    return {"empty": "empty", "truncated": "unreadable", "random": "unreadable", "nan": "nan_or_inf",
            "short": "too_short", "zero": "all_zero"}


def test_bad_audio_raises_the_right_reason(tmp_path):
    expected = _bad_files(tmp_path)
    for name, reason in expected.items():
        with pytest.raises(AudioError) as err:
            load_audio(tmp_path / f"{name}.wav", 16000, min_seconds=0.1)
        assert err.value.reason == reason, name
    assert load_audio(tmp_path / "good.wav", 16000, min_seconds=0.1).size == 8000
    with pytest.raises(AudioError) as err:
        load_audio(b"", 16000)
    assert err.value.reason == "empty"
    with pytest.raises(AudioError) as err:
        load_audio(tmp_path / "missing.wav", 16000)
    assert err.value.reason == "unreadable"
