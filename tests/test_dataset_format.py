"""The shared dataset folder layout (hf_slm.dataset_format): shards, meta.json schema, old folders."""

from tests.helpers.units import mel_codebook, write_corpus  # noqa: I001 - thread limits

import json

import pyarrow.parquet as pq
import pytest

from hf_slm import dataset_format as fmt

ROWS = {
    "train": [{"id": f"t{i}", "units": [i, i + 1, 3], "durations": [1, 2, 1], "duration": 0.5 + i,
               "speaker": "s", "text": f"story {i}", "words": [{"word": "w", "start": 0, "end": 2}]}
              for i in range(5)],
    "test": [{"id": "x0", "units": [7], "durations": [], "duration": 0.25, "speaker": "", "text": "",
              "words": []}],
}


def _write_folder(folder, rows_per_split, shard_rows=2):
    from huggingface_hub import DatasetCardData

    for split, rows in rows_per_split.items():
        n = max(1, -(-len(rows) // shard_rows))
        for i in range(n):
            fmt.write_shard(folder, split, i, n, rows[i * shard_rows:(i + 1) * shard_rows], fmt.token_features())
    fmt.write_card(folder, DatasetCardData(configs=fmt.split_configs(rows_per_split)), "# test\n")


def _float32(rows):  # `duration` is float32 on disk
    import numpy as np

    return [{**r, "duration": float(np.float32(r["duration"]))} for r in rows]


def test_shards_round_trip_through_load_dataset_and_the_loaders(tmp_path):
    import datasets

    _write_folder(tmp_path, ROWS)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [
        "test-00000-of-00001.parquet", "train-00000-of-00003.parquet", "train-00001-of-00003.parquet",
        "train-00002-of-00003.parquet"]
    assert not list(tmp_path.rglob("*.tmp"))  # atomic: no temp file left behind
    hub = datasets.load_dataset(str(tmp_path))  # the card's configs find the shards per split
    ours = fmt.load_parquet_splits(fmt.split_files(tmp_path), fmt.token_features())
    for split, rows in ROWS.items():
        assert hub[split].to_list() == _float32(rows)
        assert ours[split].to_list() == _float32(rows)
    assert ours["train"].features == fmt.token_features()


def test_an_empty_split_stays_an_empty_split(tmp_path):
    _write_folder(tmp_path, {"train": ROWS["train"], "test": []})
    assert pq.read_table(tmp_path / "data" / "test-00000-of-00001.parquet").num_rows == 0
    ours = fmt.load_parquet_splits(fmt.split_files(tmp_path), fmt.token_features())
    assert ours["test"].num_rows == 0 and ours["train"].num_rows == 5


def test_before_replace_sees_the_finished_file_and_a_failure_leaves_nothing(tmp_path):
    seen = []
    path = fmt.write_shard(tmp_path, "train", 0, 1, ROWS["train"], fmt.token_features(),
                           before_replace=lambda tmp: seen.append(pq.read_table(tmp).num_rows))
    assert seen == [5] and path.exists()

    def boom(tmp):
        raise RuntimeError("sidecar failed")

    with pytest.raises(RuntimeError):
        fmt.write_shard(tmp_path, "test", 0, 1, ROWS["test"], fmt.token_features(), before_replace=boom)
    assert not (tmp_path / "data" / "test-00000-of-00001.parquet").exists()
    assert not list(tmp_path.rglob("*.tmp"))


def test_stats_block():
    skips = [{"id": "a", "reason": "empty"}, {"id": "b", "reason": "empty"}, {"id": "c", "reason": "too_short"}]
    st = fmt.make_stats(rows=4, seconds=7200.0, units=360, skips=skips, frames=500)
    assert st == {"hours": 2.0, "seconds": 7200.0, "rows": 4, "units": 360, "frames": 500,
                  "units_per_second": 0.05, "skipped": 3, "skip_reasons": {"empty": 2, "too_short": 1}}
    assert fmt.make_stats(rows=2, units=9) == {"rows": 2, "units": 9}
    assert fmt.make_stats(rows=0, seconds=0.0, units=0)["units_per_second"] == 0.0


def test_make_meta_checks_before_anything_is_written(tmp_path):
    good = {"encoder": {}, "codebook": {"k": 4, "sha256": ""}, "dedup": True, "counts": {},
            "tokenization": "units", "stats": fmt.make_stats(rows=0, seconds=0.0, units=0, skips=[])}
    meta = fmt.make_meta("units", good)
    assert list(meta)[:2] == ["format", "schema_version"] and meta["format"] == "hf-slm-units/1"
    for broken, match in (({**good, "stats": {"rows": 0}}, "stats.hours"),
                          ({k: v for k, v in good.items() if k != "tokenization"}, "tokenization"),
                          ({**good, "tokenization": "text"}, "tokenization 'text'")):
        with pytest.raises(ValueError, match=match):
            fmt.make_meta("units", broken)
    with pytest.raises(ValueError, match="tokenization"):  # audio has no tokens
        fmt.make_meta("audio", {"counts": {}, "tokenization": "units",
                                "stats": fmt.make_stats(rows=0, seconds=0.0, skips=[])})
    with pytest.raises(ValueError, match="schema_version"):
        fmt.write_meta(tmp_path, {**meta, "schema_version": 1})
    assert not (tmp_path / fmt.META_FILE).exists()


# ---- the five kinds, each written by its real writer ---------------------------------------------
@pytest.fixture(scope="module")
def unit_folder(tmp_path_factory):
    from hf_slm.units.extract import ExtractConfig, extract

    root = tmp_path_factory.mktemp("kinds")
    mel_codebook(root / "cb.safetensors", k=16)
    write_corpus(root / "audio", 8, seconds=(1.0, 1.5))
    extract(ExtractConfig(input=str(root / "audio"), out=str(root / "units"),
                          codebook=str(root / "cb.safetensors"), progress=False))
    return root


def _meta(folder):
    return json.loads((folder / fmt.META_FILE).read_text())


def test_units_meta(unit_folder):
    meta = _meta(unit_folder / "units")
    assert fmt.check_meta(meta) == "units" and meta["tokenization"] == "units"
    assert meta["stats"]["rows"] == 8 and meta["stats"]["skipped"] == 0
    assert meta["stats"]["units"] == sum(c["units"] for c in meta["counts"].values())


def test_unigram_meta(unit_folder):
    from hf_slm.units.unigram import unigram_dataset

    unigram_dataset(unit_folder / "units", unit_folder / "uni", vocab_size=40)
    meta = _meta(unit_folder / "uni")
    assert fmt.check_meta(meta) == "units" and meta["tokenization"] == "unigram"
    tokens = sum(pq.read_table(p, columns=["units"]).column("units").combine_chunks().value_lengths().to_numpy().sum()
                 for p in (unit_folder / "uni" / "data").glob("*.parquet"))
    assert meta["stats"]["units"] == tokens == meta["unigram"]["tokens"]
    assert meta["stats"]["rows"] == 8


def test_text_meta(unit_folder):
    from hf_slm.textlm.dataset import write_text_dataset
    from hf_slm.textlm.tokenizer import train_text_tokenizer
    from hf_slm.units.dataset import load_unit_dataset

    texts = ["the dog ran home", "a cat sat", "the sun was warm today"]
    tok = train_text_tokenizer(texts, vocab_size=300)
    write_text_dataset(unit_folder / "text", {"train": [{"id": f"r{i}", "text": t} for i, t in enumerate(texts)]},
                       tok)
    meta = _meta(unit_folder / "text")
    assert fmt.check_meta(meta) == "text" and meta["tokenization"] == "text" and meta["mode"] == "text"
    ids = tok(texts, add_special_tokens=False)["input_ids"]
    assert meta["stats"] == {"rows": 3, "units": sum(map(len, ids))}
    ds = load_unit_dataset(unit_folder / "text")
    assert ds.splits["train"]["units"] == ids and ds.tokenizer.eos_token == fmt.EOS


def test_benchmark_meta_units_form_carries_the_audio_meta_and_skips(unit_folder):
    from hf_slm.audio.dataset import encode_audio
    from hf_slm.dataset_format.benchmark import load_benchmark, write_task
    from hf_slm.units.benchmark import benchmarks_to_units
    from tests.helpers.units import speechlike

    words = [{"word": "a", "start": 0.0, "end": 0.5}]
    row = {"id": "q1", "task": "sblimp", "group": "g", "voice": "v", "prompt_audio": b"", "prompt_text": "",
           "prompt_word_times": [], "positive_audio": encode_audio(speechlike(1.0, 16000, 1), 16000),
           "positive_text": "a", "positive_word_times": words, "negative_text": "b",
           "negative_word_times": words, "negative_audio": encode_audio(speechlike(1.0, 16000, 2), 16000)}
    rows = [row, {**row, "id": "q2", "group": "h", "negative_audio": b"not audio"}]
    audio_dir = unit_folder / "bench_audio" / "sblimp"
    (audio_dir).mkdir(parents=True)
    (audio_dir / "skips.jsonl").write_text('{"id": "q0", "reason": "synthesis_failed", "role": "positive"}\n')
    write_task(audio_dir, "sblimp", rows, "audio", {"voices": ["v"], "tts": "espeak", "seed": 3,
                                                    "heldout_checked_against": None},
               [{"id": "q0", "reason": "synthesis_failed"}])
    audio_meta = _meta(audio_dir)
    assert fmt.check_meta(audio_meta) == "benchmark" and "tokenization" not in audio_meta
    assert audio_meta["groups"] == {"g": 1, "h": 1} and audio_meta["stats"]["skipped"] == 1

    folders = benchmarks_to_units(unit_folder / "bench_audio", unit_folder / "bench",
                                  str(unit_folder / "cb.safetensors"))
    meta = _meta(folders["sblimp"])
    assert fmt.check_meta(meta) == "benchmark" and meta["tokenization"] == "units" and meta["form"] == "units"
    assert (meta["rows"], meta["groups"]) == (1, {"g": 1})  # q2's audio is unusable: dropped whole
    assert (meta["voices"], meta["tts"], meta["seed"]) == (["v"], "espeak", 3)
    from hf_slm.units.quantizer import Codebook

    # by content, never by a path of this machine (scoring compares it with the model's dataset)
    assert meta["codebook"] == {"k": 16, "sha256": Codebook.load(unit_folder / "cb.safetensors").content_sha256()}
    assert meta["stats"]["skip_reasons"] == {"synthesis_failed": 1, "unreadable": 1}
    lines = (folders["sblimp"] / "skips.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["q0", "q2"]
    assert load_benchmark(folders["sblimp"])["id"] == ["q1"]
    import datasets

    assert datasets.load_dataset(str(folders["sblimp"]), split="test")["id"] == ["q1"]  # the card's configs

    # `hf-slm units benchmarks` is the same conversion from the command line
    from hf_slm.cli.main import main

    assert main(["units", "benchmarks", "--input", str(unit_folder / "bench_audio"), "--codebook",
                 str(unit_folder / "cb.safetensors"), "--out", str(unit_folder / "bench_cli")]) == 0
    cli = unit_folder / "bench_cli" / "sblimp"
    assert pq.read_table(cli / "data" / "test-00000-of-00001.parquet").to_pylist() == \
        pq.read_table(folders["sblimp"] / "data" / "test-00000-of-00001.parquet").to_pylist()
    assert main(["units", "benchmarks", "--input", str(unit_folder / "nowhere"), "--codebook",
                 str(unit_folder / "cb.safetensors"), "--out", str(unit_folder / "bench_cli2")]) == 2
    assert not (unit_folder / "bench_cli2").exists()


def test_stories_audio_meta(tmp_path):
    from hf_slm.synth.build_stories import StoriesConfig, synth_stories

    meta = synth_stories(StoriesConfig(out=str(tmp_path), num_stories=2, shard_size=2, quiet=True))
    assert fmt.check_meta(_meta(tmp_path)) == "audio" and "tokenization" not in meta
    seconds = sum(pq.read_table(p, columns=["duration"]).column("duration").to_numpy().astype(float).sum()
                  for p in (tmp_path / "data").glob("*.parquet"))
    assert meta["stats"]["rows"] == 2 and meta["stats"]["seconds"] == pytest.approx(seconds)


# ---- folders written before the format module (what main wrote) still load ----------------------
def _old_unit_folder(folder, meta):
    from hf_slm.units.tokenizer import save_unit_tokenizer

    for split, rows in ROWS.items():
        fmt.write_shard(folder, split, 0, 1, rows, fmt.token_features())
    save_unit_tokenizer(16, folder / fmt.TOKENIZER_DIR)
    (folder / fmt.META_FILE).write_text(json.dumps(meta))


OLD_UNITS = {"format": "hf-slm-units/1", "encoder": {"name": "mel", "frame_rate": 25.0, "sample_rate": 16000},
             "codebook": {"k": 16, "sha256": "ab"}, "dedup": True, "counts": {},
             "stats": {"hours": 0.0, "seconds": 1.0, "rows": 6, "units": 10, "units_per_second": 10.0,
                       "skipped": 0, "skip_reasons": {}}}


@pytest.mark.parametrize("old, kind, tokenization", [
    (OLD_UNITS, "hf-slm-units/1", "units"),
    ({**OLD_UNITS, "unigram": {"vocab_size": 16}}, "hf-slm-units/1", "unigram"),
    # main's text datasets: no format, no stats
    ({"mode": "text", "source": "", "tokenizer": {"vocab_size": 16}, "encoder": None, "codebook": None,
      "dedup": False, "counts": {}, "versions": {}}, "hf-slm-text/1", "text"),
])
def test_old_token_folders_load(tmp_path, old, kind, tokenization):
    from hf_slm.units.dataset import load_unit_dataset

    _old_unit_folder(tmp_path, old)
    before = (tmp_path / fmt.META_FILE).read_text()
    ds = load_unit_dataset(tmp_path)
    assert ds.meta["format"] == kind and ds.meta["schema_version"] == 1
    assert ds.meta["tokenization"] == tokenization
    assert ds.splits["train"].to_list() == _float32(ROWS["train"])
    assert (tmp_path / fmt.META_FILE).read_text() == before  # reading never rewrites the file


def test_old_benchmark_folder_loads(tmp_path):
    from hf_slm.dataset_format.benchmark import load_benchmark, task_folders, write_benchmark

    row = {"id": "q", "task": "sblimp", "group": "g", "voice": "v", "prompt": [], "prompt_text": "",
           "prompt_words": [], "positive": [1, 2], "positive_text": "a", "positive_words": [],
           "negative": [2, 1], "negative_text": "b", "negative_words": []}
    write_benchmark(tmp_path / "sblimp", [row])
    (tmp_path / "sblimp" / fmt.META_FILE).write_text(json.dumps(
        {"task": "sblimp", "form": "units", "rows": 1, "groups": {"g": 1}, "voices": ["v"], "tts": "espeak",
         "seed": 0, "codebook": "cb", "heldout_checked_against": None}))
    assert list(task_folders(tmp_path)) == ["sblimp"] and load_benchmark(tmp_path / "sblimp")[0] == row
    meta = fmt.read_meta(tmp_path / "sblimp")
    assert (meta["format"], meta["schema_version"], meta["tokenization"]) == ("hf-slm-benchmark/1", 1, "units")
