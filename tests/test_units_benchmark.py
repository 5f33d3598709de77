"""Audio benchmark → unit benchmark: pairs whose candidates get identical units are dropped and counted."""

from tests.helpers.units import mel_codebook, speechlike  # noqa: I001 - thread limits

import json


def test_identical_unit_pairs_are_dropped_logged_and_counted(tmp_path):
    from hf_slm.audio.dataset import encode_audio
    from hf_slm.dataset_format import read_meta
    from hf_slm.dataset_format.benchmark import load_benchmark
    from hf_slm.synth.schema import write_benchmark
    from hf_slm.units import UnitPipeline
    from hf_slm.units.benchmark import benchmark_to_units

    mel_codebook(tmp_path / "cb.safetensors", k=16)
    a, b = encode_audio(speechlike(1.0, 16000, 1), 16000), encode_audio(speechlike(1.0, 16000, 2), 16000)
    base = {"task": "sblimp", "group": "g", "voice": "v", "prompt_audio": b"", "prompt_text": "",
            "prompt_word_times": [], "positive_word_times": [], "negative_word_times": []}
    rows = [{**base, "id": "differ", "positive_audio": a, "positive_text": "x", "negative_audio": b, "negative_text": "y"},
            {**base, "id": "same", "positive_audio": a, "positive_text": "x", "negative_audio": a, "negative_text": "z"}]
    write_benchmark(tmp_path / "audio" / "sblimp", rows, audio=True)
    pipe = UnitPipeline.from_codebook(tmp_path / "cb.safetensors")
    out = tmp_path / "units" / "sblimp"
    assert benchmark_to_units(tmp_path / "audio" / "sblimp", out, pipe) == {"rows": 1, "skipped": 1}
    assert [r["id"] for r in load_benchmark(out)] == ["differ"]
    skips = [json.loads(line) for line in (out / "skips.jsonl").read_text().splitlines()]
    assert skips == [{"id": "same", "reason": "identical_units", "positive_text": "x", "negative_text": "z"}]
    meta = read_meta(out)
    assert meta["identical_units_removed"] == 1 and meta["stats"]["skip_reasons"] == {"identical_units": 1}
    # The codebook travels by content (scoring refuses a model of another codebook), never by path.
    from hf_slm.units.quantizer import Codebook

    assert meta["codebook"] == {"k": 16, "sha256": Codebook.load(tmp_path / "cb.safetensors").content_sha256()}
    assert str(tmp_path) not in (out / "meta.json").read_text()
