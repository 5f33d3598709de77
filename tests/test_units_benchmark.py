"""Audio benchmark → unit benchmark: pairs whose candidates get identical units are dropped and counted."""

from tests.helpers.units import mel_codebook, speechlike, tone  # noqa: I001 - thread limits

import json
from collections import Counter


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
    assert meta["groups_removed"] == {}  # "g" keeps its row
    card = (out / "README.md").read_text()
    assert "| identical units | 1 |" in card and "| length balance | 0 |" in card and "at most one row" not in card
    # The codebook travels by content (scoring refuses a model of another codebook), never by path.
    from hf_slm.units.quantizer import Codebook

    assert meta["codebook"] == {"k": 16, "sha256": Codebook.load(tmp_path / "cb.safetensors").content_sha256()}
    assert str(tmp_path) not in (out / "meta.json").read_text()


def test_unit_lengths_are_counterbalanced_per_group_by_dropping_rows_of_the_larger_side():
    from hf_slm.units.length_balance import balance_by_units

    def row(i, group, pos, neg):
        return {"id": f"r{i}", "voice": "v", "group": group, "positive": [0] * pos, "negative": [0] * neg}

    # group a: 6 rows whose positive is longer, 2 shorter, 1 tie; group b already balanced
    rows = ([row(i, "a", 5, 3) for i in range(6)] + [row(10, "a", 2, 4), row(11, "a", 1, 3), row(12, "a", 4, 4)]
            + [row(20, "b", 3, 2), row(21, "b", 2, 3)])
    kept, dropped = balance_by_units(rows)
    assert len(dropped) == 3 and all(r["group"] == "a" and len(r["positive"]) > len(r["negative"]) for r in dropped)
    signs = [(len(r["positive"]) > len(r["negative"])) - (len(r["positive"]) < len(r["negative"]))
             for r in kept if r["group"] == "a"]
    assert sum(s > 0 for s in signs) == 3 and sum(s < 0 for s in signs) == 2 and signs.count(0) == 1
    assert [r["id"] for r in kept] == [r["id"] for r in rows if r not in dropped]  # order kept
    assert balance_by_units(list(reversed(rows)))[1] == sorted(dropped, key=lambda r: -int(r["id"][1:]))  # not by position
    # a length-only scorer (prefers the shorter candidate) is at chance on what is kept
    decided = [s for s in signs if s]
    assert abs(sum(s < 0 for s in decided) / len(decided) - 0.5) <= 0.5 / len(decided) + 1e-9


def test_the_slack_each_small_group_keeps_does_not_lean_the_same_way_in_every_group():
    from hf_slm.units.length_balance import balance_by_units, longer_sign

    # six plots of three questions, two with the positive longer and one shorter in each (micro's tSC):
    # ±1 per group alone keeps all six leaning "longer", a length scorer's macro accuracy then 1/3
    rows = [{"id": f"{g}-{i}", "voice": "v", "group": g, "positive": [0] * (5 if i < 2 else 2), "negative": [0] * 3}
            for g in "abcdef" for i in range(3)]
    kept, dropped = balance_by_units(rows)
    lean = {g: sum(longer_sign(r) for r in kept if r["group"] == g) for g in "abcdef"}
    assert all(abs(v) <= 1 for v in lean.values()) and abs(sum(lean.values())) <= 1, lean
    assert len(dropped) == 5  # every group but one gives up one "longer" row


def test_mirror_pairs_are_never_split_by_the_length_balance():
    from hf_slm.units.length_balance import balance_by_units, mirrored

    def row(i, pos, neg, voice="v", group="plot"):
        return {"id": f"q{i}", "voice": voice, "group": group, "positive": pos, "negative": neg}

    # 20 plain rows whose positive is longer, and two mirror pairs (cloze questions sharing their endings);
    # rows 31/32 swap their candidates too but in another voice (other audio): not a mirror pair
    plain = [row(i, [1, 2, 3, i], [4, 5]) for i in range(20)]
    pairs = [row(20, [7, 7, 7], [8]), row(21, [8], [7, 7, 7]), row(22, [9, 9], [6]), row(23, [6], [9, 9]),
             row(31, [5, 5, 5], [3], "v"), row(32, [3], [5, 5, 5], "w")]
    rows = plain[:10] + pairs + plain[10:]
    assert mirrored(rows) == {10, 11, 12, 13}
    kept, dropped = balance_by_units(rows)
    ids = {r["id"] for r in kept}
    assert {"q20", "q21", "q22", "q23"} <= ids
    # the unpaired rows are balanced among themselves: 21 "longer" (20 plain + q31) against q32
    assert len(dropped) == 19 and all(r["id"] not in {"q20", "q21", "q22", "q23"} for r in dropped)


def test_unit_frequency_and_length_are_both_counterbalanced_given_training_frequencies():
    import math

    import pytest

    from hf_slm.units.length_balance import LENGTH_BALANCE, UNIGRAM_BALANCE, counterbalance
    from hf_slm.units.frequency import unigram_logprobs

    # training: unit 0 is common, 3 rare (tiny's sWUGGY: the real word's units the more typical in 60%)
    train = [[0] * 50 + [1] * 20 + [2] * 10 + [3] * 2]
    logp = unigram_logprobs(train, 4)
    counts = [51, 21, 11, 3]  # independently: add-one counts
    assert math.exp(logp[0]) == pytest.approx(counts[0] / sum(counts))

    def row(i, group, pos, neg):
        return {"id": f"{group}{i}", "voice": "v", "group": group, "positive": pos, "negative": neg}

    # lengths 2-4 on each side, independent of which side is typical
    typical = [row(i, "w", [0, 1, 0, 0][: 2 + i % 3], [3, 2, 3, 3][: 2 + (i // 3) % 3]) for i in range(30)]
    rare = [row(100 + i, "w", [3, 2, 3, 3][: 2 + i % 3], [0, 1, 0, 0][: 2 + (i // 3) % 3]) for i in range(10)]
    kept, dropped = counterbalance(typical + rare, logp)

    def mean_lp(seq):  # independent of hf_slm: the add-one frequencies by hand
        return sum(math.log(counts[u] / sum(counts)) for u in seq) / len(seq)

    freq = [(mean_lp(r["positive"]) > mean_lp(r["negative"])) - (mean_lp(r["positive"]) < mean_lp(r["negative"]))
            for r in kept]
    length = [(len(r["positive"]) > len(r["negative"])) - (len(r["positive"]) < len(r["negative"])) for r in kept]
    assert abs(sum(freq)) <= 1 and abs(sum(length)) <= 1, (sum(freq), sum(length))
    assert sum(f > 0 for f in freq) >= 9  # the 10 rare-positive rows keep about as many typical ones
    assert set(dropped) == {LENGTH_BALANCE, UNIGRAM_BALANCE} and dropped[UNIGRAM_BALANCE]
    ids = [r["id"] for r in kept] + [r["id"] for out in dropped.values() for r in out]
    assert sorted(ids) == sorted(r["id"] for r in typical + rare)  # every row kept or dropped once
    # without frequencies only the length balance runs, as before
    assert set(counterbalance(typical + rare)[1]) == {LENGTH_BALANCE}


def test_word_frequency_balance_survives_the_unit_balances_and_spares_non_words():
    """The generator balances word frequency per phenomenon; unit-length drops must not undo it. Here
    the "never"/"also" rows (grammatical the more frequent word) are mostly the ones whose positive
    is longer in units, as on tiny seed 0 (33 of them kept against 16 "never"/"usually" rows)."""
    from collections import Counter

    from hf_slm.synth.balance import WordFrequency
    from hf_slm.units.length_balance import LENGTH_BALANCE, WORD_BALANCE, counterbalance, word_sign

    words = WordFrequency(["tom usually found some toys"] * 4 + ["tom never found any toys"] * 2
                          + ["tom also found some toys"])

    def row(i, adverb, pos_len, neg_len):
        return {"id": f"n{i}", "voice": "v", "group": "npi", "positive": [1] * pos_len, "negative": [2] * neg_len,
                "positive_text": "Tom never found any toys.", "negative_text": f"Tom {adverb} found any toys."}

    # 40 "also" rows, 30 with the positive longer; 40 "usually" rows, all with the positive shorter
    rows = [row(i, "also", 5 if i < 30 else 3, 4) for i in range(40)] + \
        [row(100 + i, "usually", 3, 5) for i in range(40)]
    wuggy = [{"id": f"w{i}", "voice": "v", "group": "lexical", "positive": [1] * (3 + i % 2), "negative": [2] * 3,
              "positive_text": "toys", "negative_text": "tiys"} for i in range(6)]
    kept, dropped = counterbalance(rows + wuggy, words=words)
    # independently of hf_slm: "never" (2) beats "also" (1) and loses to "usually" (4)
    npi = Counter(r["negative_text"].split()[1] for r in kept if r["group"] == "npi")
    assert abs(npi["also"] - npi["usually"]) <= 1, npi
    longer = sum((len(r["positive"]) > len(r["negative"])) - (len(r["positive"]) < len(r["negative"]))
                 for r in kept if r["group"] == "npi")
    # both hold with 61 of 80 kept, the most any subset keeps (30 + 30 + one row of slack): balancing one
    # sign at a time, alternated to a fixpoint, kept 25
    assert abs(longer) <= 1 and sum(npi.values()) == 61, (longer, npi)
    # a non-word has no word frequency: the lexical rows carry no word sign, so none goes for it
    assert all(word_sign(words)(r) == 0 for r in wuggy) and word_sign(words)(rows[0]) == 1
    assert not any(r["group"] == "lexical" for r in dropped[WORD_BALANCE])
    # without word counts the unit balance alone keeps the lean the issue measured
    alone = Counter(r["negative_text"].split()[1] for r in counterbalance(rows)[0])
    assert alone["also"] - alone["usually"] >= 6 and set(counterbalance(rows)[1]) == {LENGTH_BALANCE}


def test_unigram_from_counterbalances_the_unit_stage_and_counts_it(tmp_path):
    from hf_slm.audio.dataset import encode_audio
    from hf_slm.dataset_format import read_meta
    from hf_slm.synth.schema import write_benchmark
    from hf_slm.units.benchmark import benchmarks_to_units
    from hf_slm.units.extract import ExtractConfig, extract

    cb = tmp_path / "cb.safetensors"
    mel_codebook(cb, k=16)
    waves = [encode_audio(speechlike(0.6 + 0.1 * (i % 4), 16000, i), 16000) for i in range(24)]
    base = {"task": "swuggy", "group": "g", "voice": "v", "prompt_audio": b"", "prompt_text": "",
            "prompt_word_times": [], "positive_word_times": [], "negative_word_times": []}
    # negatives are runs of tones, units the speech-like training split rarely has: 3 tones (shorter in
    # units than a positive) or 24 (longer), so length alone balances differently from typicality
    import numpy as np

    tones = [encode_audio(np.concatenate([tone(300 + 150 * (j % 8), 0.08, 16000) for j in range(3 if i % 2 else 24)]),
                          16000) for i in range(12)]
    rows = [{**base, "id": f"p{i}", "positive_audio": waves[i], "positive_text": "x",
             "negative_audio": tones[i], "negative_text": "y"} for i in range(12)]
    write_benchmark(tmp_path / "audio" / "swuggy", rows, audio=True)
    # the same rows as sBLIMP: only there is unit-bigram familiarity balanced too
    write_benchmark(tmp_path / "audio" / "sblimp", [{**r, "task": "sblimp"} for r in rows], audio=True)
    # a training split of the same codebook: the positives' own audio, so their units are the typical ones
    import soundfile as sf

    train = tmp_path / "train-audio"
    train.mkdir()
    for i in range(12):
        sf.write(train / f"t{i}.wav", speechlike(0.6 + 0.1 * (i % 4), 16000, i), 16000)
    extract(ExtractConfig(input=str(train), out=str(tmp_path / "units"), codebook=str(cb), progress=False))
    folders = benchmarks_to_units(tmp_path / "audio", tmp_path / "bench", str(cb), unigram_from=tmp_path / "units")
    meta = read_meta(folders["swuggy"])
    skips = [json.loads(line) for line in (folders["swuggy"] / "skips.jsonl").read_text().splitlines()]
    assert meta["unigram_balance_removed"] == sum(s["reason"] == "unigram_balance" for s in skips) > 0
    assert meta["word_balance_removed"] == 0  # "x" / "y": words the training text never says, no sign
    assert meta["rows"] + meta["unigram_balance_removed"] + meta["length_balance_removed"] + \
        meta["identical_units_removed"] == 12
    assert "bigram_balance_removed" not in meta  # sWUGGY: familiar transitions are lexicality
    sblimp = read_meta(folders["sblimp"])
    skips = [json.loads(line) for line in (folders["sblimp"] / "skips.jsonl").read_text().splitlines()]
    assert sblimp["bigram_balance_removed"] == sum(s["reason"] == "bigram_balance" for s in skips)
    assert sblimp["rows"] + sum(sblimp[k] for k in ("identical_units_removed", "length_balance_removed",
                                                    "unigram_balance_removed", "bigram_balance_removed")) == 12
    # independently of hf_slm: add-one unit bigrams of the training split, mean log-prob per unit
    from hf_slm.dataset_format.benchmark import load_benchmark
    from hf_slm.units.dataset import load_unit_dataset

    ds = load_unit_dataset(tmp_path / "units")
    seqs = [list(u) for u in ds.splits["train"]["units"]]
    uni, big = Counter(u for q in seqs for u in q), Counter(p for q in seqs for p in zip(q, q[1:]))
    out_of = Counter(a for q in seqs for a in q[:-1])
    n = sum(uni.values())

    def familiarity(q):
        lp = np.log((uni[q[0]] + 1) / (n + ds.k)) + sum(np.log((big[(a, b)] + 1) / (out_of[a] + ds.k))
                                                         for a, b in zip(q, q[1:]))
        return lp / len(q)

    lean = [np.sign(familiarity(r["positive"]) - familiarity(r["negative"])) for r in load_benchmark(folders["sblimp"])]
    assert abs(sum(lean)) <= 1, lean


def test_bigram_balance_drops_rows_whose_positive_has_the_more_familiar_transitions():
    """Same units in another order: length and unit typicality tie, so only the bigram sign leans."""
    from hf_slm.units.frequency import count_models
    from hf_slm.units.length_balance import BIGRAM_BALANCE, counterbalance

    unigram, bigram = count_models([[1, 2, 3, 4] * 20] * 5, k=6)
    familiar, scrambled = [1, 2, 3, 4, 1, 2], [1, 3, 2, 4, 2, 1]  # 1→2, 2→3, 3→4, 4→1 seen; 1→3, 3→2 ... not

    def row(i, pos, neg):
        return {"id": f"b{i}", "voice": "v", "group": "agreement", "positive": pos, "negative": neg}

    rows = [row(i, familiar, scrambled) for i in range(20)] + [row(100 + i, scrambled, familiar) for i in range(5)]
    kept, dropped = counterbalance(rows, unigram, bigram=bigram)
    leans = Counter(r["positive"] == familiar for r in kept)
    assert leans[True] - leans[False] in (0, 1) and leans[False] == 5, leans  # the 5 reversed rows all stay
    assert len(dropped[BIGRAM_BALANCE]) == 25 - len(kept) and all(r["positive"] == familiar for r in dropped[BIGRAM_BALANCE])
    assert counterbalance(rows, unigram)[0] == rows  # without bigrams nothing leans: nothing goes


def test_a_group_whose_every_row_leans_one_way_is_removed_whole_and_named():
    """On tiny seed 3 every NPI row had its positive of the more typical units: no subset of that group
    is balanced, so it goes whole, and the unit stage says which group and why."""
    from hf_slm.units.benchmark import groups_removed
    from hf_slm.units.frequency import unigram_logprobs
    from hf_slm.units.length_balance import counterbalance

    logp = unigram_logprobs([[1] * 50 + [2] * 5 + [3, 4] * 10], k=6)  # unit 1 typical, unit 2 rare

    def row(i, group, pos, neg):
        return {"id": f"{group}{i}", "voice": "v", "group": group, "positive": pos, "negative": neg}

    npi = [row(i, "npi", [3, 1, 4], [3, 2, 4]) for i in range(12)]  # same length, positive always typical
    ok = [row(i, "ok", [3, 1, 4] if i % 2 else [3, 2, 4], [3, 2, 4] if i % 2 else [3, 1, 4]) for i in range(12)]
    kept, removed = counterbalance(npi + ok, logp)
    assert [r["group"] for r in kept].count("npi") == 1 and len(kept) == 13  # the slack keeps one
    assert groups_removed(npi + ok, kept, removed) == {"npi": "unigram_balance"}
    assert groups_removed(ok, ok, {"unigram_balance": []}) == {}


def test_the_card_names_a_group_left_with_at_most_one_row():
    from hf_slm.dataset_format.benchmark import _removed_section

    text = _removed_section({"identical_units_removed": 0, "unigram_balance_removed": 149,
                             "groups_removed": {"npi_licensing": "unigram_balance"}})
    assert "| unigram balance | 149 |" in text and "npi_licensing (unigram balance)" in text
    assert _removed_section({"task": "sblimp", "rows": 3}) == ""  # an audio folder: nothing removed yet
