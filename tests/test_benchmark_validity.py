"""Benchmark validity: model-free null scorers (hf_slm.scoring.null), identical-unit removal and the
generators' counterbalancing, on hand-made benchmark rows and on the generators' text."""

import re
from collections import Counter, defaultdict

import numpy as np
import pytest

from hf_slm.scoring import null


def _row(i, group, pos, neg, prompt=(), voice="v1", text=None):
    t = text or f"{group} item {i}"
    return {"id": f"{group}-{i}-{voice}", "task": "sblimp", "group": group, "voice": voice,
            "prompt": list(prompt), "positive": list(pos), "negative": list(neg),
            "prompt_text": "", "positive_text": t + " +", "negative_text": t + " -",
            "prompt_words": [], "positive_words": [], "negative_words": []}


def _write(folder, rows, task="sblimp"):
    from hf_slm.dataset_format.benchmark import write_task

    write_task(folder, task, rows, "units", {"seed": 0}, [])
    return folder


def _balanced_rows():
    """Half the pairs have the shorter positive, half the longer; two voices each."""
    rows = []
    for i in range(20):
        pos, neg = ([1, 2, 3], [1, 2, 3, 4]) if i % 2 == 0 else ([1, 2, 3, 4, 5], [1, 2])
        rows += [_row(i, "g1" if i < 10 else "g2", pos, neg, voice=v) for v in ("v1", "v2")]
    return rows


def test_length_scorer_scores_half_on_a_balanced_set_and_one_on_a_biased_set(tmp_path):
    from hf_slm.dataset_format.benchmark import load_benchmark

    ds = load_benchmark(_write(tmp_path / "bal", _balanced_rows()))
    out = null.null_task(ds, null.length_score, n_boot=200)
    assert out["value"] == pytest.approx(0.5) and out["chance_in_interval"]
    assert out["groups"] == {"g1": pytest.approx(0.5), "g2": pytest.approx(0.5)}
    # every positive shorter: the length scorer is always right, far outside chance
    biased = [_row(i, "g1", [1] * 3, [1] * (4 + i % 3)) for i in range(12)]
    out = null.null_task(load_benchmark(_write(tmp_path / "bias", biased)), null.length_score, n_boot=200)
    assert out["value"] == 1.0 and not out["chance_in_interval"]


def test_unigram_logprobs_are_smoothed_relative_frequencies():
    logp = null.unigram_logprobs([[0, 0, 1], [0, 2]], k=4)
    counts = np.array([3, 1, 1, 0]) + 1.0
    np.testing.assert_allclose(np.exp(logp), counts / counts.sum())


def test_unigram_scorer_prefers_frequent_units_and_scores_the_whole_cloze_story(tmp_path):
    from hf_slm.dataset_format.benchmark import load_benchmark

    logp = np.log(np.array([0.7, 0.2, 0.1]))
    score = null.unigram_scorer(logp)
    assert score([0, 0], [1]) == pytest.approx(np.mean(logp[[0, 0, 1]]))
    rows = [_row(i, "g", [0, 0, 1], [2, 2, 1]) for i in range(8)]
    out = null.null_task(load_benchmark(_write(tmp_path / "u", rows)), score, n_boot=100)
    assert out["value"] == 1.0 and not out["chance_in_interval"]


def test_bigram_logprobs_are_add_one_smoothed_transition_frequencies():
    from hf_slm.units.frequency import bigram_logprobs

    bi = bigram_logprobs([[0, 1, 0, 1], [2, 1]], k=3)
    # transitions 0->1 twice, 1->0 once, 2->1 once; each row add-one over k=3 next units
    expected = np.array([[1, 3, 1], [2, 1, 1], [1, 2, 1]], dtype=float)
    np.testing.assert_allclose(np.exp(bi), expected / expected.sum(axis=1, keepdims=True))


def test_bigram_baseline_sees_order_the_unigram_scorer_cannot(tmp_path):
    """Both members hold the same units, so the unigram scorer ties every pair (0.5); only the
    positive follows the training split's transitions, so the bigram baseline is always right. As a
    baseline it is reported with its own 95% interval and does not decide `unbiased`."""
    from hf_slm.units.frequency import bigram_logprobs

    train = [[0, 1, 2, 3]] * 5
    logp, bi = null.unigram_logprobs(train, k=4), bigram_logprobs(train, k=4)
    score = null.bigram_scorer(logp, bi)
    by_hand = (logp[0] + bi[0, 1] + bi[1, 2] + bi[2, 3]) / 4
    assert score([0, 1], [2, 3]) == pytest.approx(by_hand)
    rows = [_row(i, "g", [0, 1, 2, 3], [0, 3, 2, 1]) for i in range(12)]
    bench = tmp_path / "bench"
    _write(bench / "sblimp", rows)
    report = null.null_benchmarks(bench, logp, bigram=bi, n_boot=100)["sblimp"]
    assert report["unigram"]["value"] == pytest.approx(0.5) and report["bigram"]["value"] == 1.0
    assert report["bigram"]["confidence"] == 0.95 and report["length"]["confidence"] == pytest.approx(0.975)
    assert null.unbiased({"sblimp": report}) is True


def test_identical_unit_pairs_are_found(tmp_path):
    # (their removal at build time is the unit stage's: tests/test_units_benchmark.py)
    rows = _balanced_rows()
    rows[3]["negative"] = list(rows[3]["positive"])  # "puppies"/"puppys": the same units
    rows[10]["negative"] = list(rows[10]["positive"])
    assert null.identical_rows(rows) == [3, 10]
    assert null.identical_rows(_balanced_rows()) == []


def test_null_benchmarks_and_unbiased_over_task_folders(tmp_path):
    bench = tmp_path / "bench"
    _write(bench / "sblimp", _balanced_rows())
    logp = null.unigram_logprobs([[1, 2, 3, 4, 5]], k=8)
    report = null.null_benchmarks(bench, logp, n_boot=100)
    assert set(report) == {"sblimp"} and report["sblimp"]["identical"] == 0
    assert report["sblimp"]["length"]["value"] == pytest.approx(0.5)
    assert null.unbiased({"x": {**report["sblimp"], "identical": 1}}) is False
    e = report["sblimp"]["length"]  # one task x two scorers: Bonferroni over 2 tests
    assert e["confidence"] == pytest.approx(0.975) and null.familywise_confidence(8) == pytest.approx(1 - 0.05 / 8)
    assert e["ci_low"] <= e["ci95"][0] and e["ci95"][1] <= e["ci_high"]


def _text_tokenizer():
    from hf_slm.textlm.tokenizer import train_text_tokenizer

    words = "apple ball cat dog egg fish girl house".split()
    stories = [" ".join(words[(i + j) % len(words)] for j in range(6)) + "." for i in range(200)]
    return train_text_tokenizer(stories, vocab_size=300), stories


def test_text_null_finds_a_lexical_task_the_tokenizer_decides_and_chance_on_swapped_pairs(tmp_path):
    """A BPE vocabulary learned from the stories holds each real word as one token and a non-word as
    several: a text lexical task is decided before any model (1.0), while a set whose every pair also
    appears swapped gives any scorer exactly one right of two (0.5)."""
    tok, stories = _text_tokenizer()
    lexical = [("apple", "opple"), ("ball", "bawl"), ("cat", "cet"), ("dog", "dag"), ("fish", "fush"),
               ("house", "hoose"), ("girl", "garl"), ("egg", "ugg")]
    assert all(len(tok(w, add_special_tokens=False)["input_ids"]) == 1 for w, _ in lexical)
    rows = [{**_row(i, "lexical", [1], [2], voice=v), "positive_text": w, "negative_text": n}
            for i, (w, n) in enumerate(lexical) for v in ("v1", "v2")]
    swapped = [{**_row(2 * i + k, "g", [1], [2]), "positive_text": (a, b)[k], "negative_text": (b, a)[k]}
               for i, (a, b) in enumerate([("the cat eats.", "the cat eat."), ("a dog runs.", "a dogs run."),
                                           ("my fish swims.", "my fish swim.")]) for k in (0, 1)]
    bench = tmp_path / "bench"
    _write(bench / "swuggy", rows, task="swuggy")
    _write(bench / "sblimp", swapped)
    train_ids = tok(stories, add_special_tokens=False)["input_ids"]
    report = null.text_null_benchmarks(bench, tok, train_ids, n_boot=100)
    for scorer in ("length", "unigram"):
        assert report["swuggy"][scorer]["value"] == 1.0 and not report["swuggy"][scorer]["chance_in_interval"]
        assert report["sblimp"][scorer]["value"] == pytest.approx(0.5)
    assert report["swuggy"]["rows"] == 16 and report["swuggy"]["length"]["n_units"] == 8  # voicings: one item


def test_text_columns_score_prompt_and_ending_as_one_sequence():
    tok, _ = _text_tokenizer()
    row = {"id": ["c-1"], "group": ["g"], "prompt_text": ["the dog sees a cat."],
           "positive_text": ["the cat eats."], "negative_text": ["a fish swims."]}
    cols = null.text_columns(row, tok)
    # independent: the tokenizer on the whole story, the ending after one space (lm-evaluation-harness)
    assert list(cols["positive"][0]) == tok("the dog sees a cat. the cat eats.", add_special_tokens=False)["input_ids"]
    assert list(cols["negative"][0]) == tok("the dog sees a cat. a fish swims.", add_special_tokens=False)["input_ids"]
    assert cols["prompt"] == [()]


# ---- the generators' counterbalancing, on their text (the demo measures it on units) ------------
def _words(s):
    return len(s.replace("?", "").replace(".", "").split())


def _chars(s):
    return len("".join(ch for ch in s if ch.isalpha()))


def _is_good(q):
    from hf_slm.synth.stories import make_story

    story = q["id"][len("ssc-"):]
    twin = story.endswith("-twin")
    namespace, seed, index = story.removesuffix("-twin").rsplit("-", 2)
    return make_story(namespace, int(seed), int(index), coda=False).good != twin


def _balance(pairs):
    signs = [(_chars(p["positive"]) > _chars(p["negative"])) - (_chars(p["positive"]) < _chars(p["negative"]))
             for p in pairs]
    return sum(s > 0 for s in signs), sum(s < 0 for s in signs)


def test_every_phenomenon_and_cloze_task_is_length_counterbalanced():
    from hf_slm.synth.cloze import TrainingText, make_cloze
    from hf_slm.synth.pairs import make_pairs

    by = defaultdict(list)
    for p in make_pairs(60, seed=0):
        by[p["group"]].append(p)
    assert len(by) == 10 and all(len(v) == 60 for v in by.values())
    for group, pairs in by.items():
        longer, shorter = _balance(pairs)
        assert abs(longer - shorter) <= 1, (group, longer, shorter)  # NPI, quantifiers, islands were 0 / 60
    cloze = make_cloze(80, seed=0, training=TrainingText())
    # the happy ending is the right one in exactly half of each plot's sSC questions (the metric is a
    # macro over plots; a balance over the whole task alone let a unigram scorer reach 0.8 on two plots)
    outcome = defaultdict(int)
    for q in cloze["ssc"]:
        outcome[q["group"]] += 1 if _is_good(q) else -1
    assert len(outcome) == 6 and set(outcome.values()) == {0}, dict(outcome)
    for task in ("ssc", "tsc"):
        assert len(cloze[task]) == 80
        plots = defaultdict(list)
        for q in cloze[task]:
            plots[q["group"]].append(q)
        for plot, qs in plots.items():
            longer, shorter = _balance(qs)
            assert longer == shorter, (task, plot, longer, shorter)


def _prompt_blind_scorers():
    """Scorers that read only the candidate: shorter wins, a word-unigram table, a hash (a prior over
    names or any other fixed preference of an ending)."""
    import hashlib

    from hf_slm.synth.stories import generate_stories

    counts = Counter(w.strip('.,?!"').lower() for s in generate_stories(300, seed=0) for w in s.text.split())
    return {"shorter": lambda t: -_chars(t),
            "unigram": lambda t: sum(np.log(counts[w.strip('.,?!"').lower()] + 0.5) for w in t.split()) / _words(t),
            "hash": lambda t: int(hashlib.sha256(t.encode()).hexdigest()[:8], 16)}


@pytest.mark.parametrize("seed", [0, 1])
def test_cloze_questions_are_mirror_pairs_so_a_prompt_blind_scorer_scores_exactly_half(seed):
    from hf_slm.synth.build_benchmarks import BenchmarkConfig, plan_questions

    plan = plan_questions(BenchmarkConfig(out="unused", tasks=["ssc", "tsc"], cloze_questions=60, seed=seed,
                                          voices=["en-us", "en-us+f3"]))
    for task in ("ssc", "tsc"):
        qs = plan[task]
        assert len(qs) == 60 and len({q["id"] for q in qs}) == 60 and len({q["prompt"] for q in qs}) == 60
        for a, b in zip(qs[::2], qs[1::2]):
            assert (a["positive"], a["negative"]) == (b["negative"], b["positive"]) and a["positive"] != a["negative"]
            assert a["group"] == b["group"] and a["voice"] == b["voice"] and a["prompt"] != b["prompt"]
        assert {q["voice"] for q in qs} == {"en-us", "en-us+f3"}
        for name, score in _prompt_blind_scorers().items():
            plots = defaultdict(list)
            for q in qs:
                d = score(q["positive"]) - score(q["negative"])
                plots[q["group"]].append(1.0 if d > 1e-9 else 0.5 if d > -1e-9 else 0.0)
            assert {g: sum(v) / len(v) for g, v in plots.items()} == {g: 0.5 for g in plots}, (task, name)


def test_no_homophone_contrasts_and_no_repeated_word_pairs():
    from hf_slm.synth.pairs import make_pairs
    from hf_slm.synth.wuggy import make_wuggy

    texts = " ".join(p["negative"] for p in make_pairs(60, seed=0))
    for bad in ("puppys", "bunnys"):
        assert bad not in texts
    pairs = make_wuggy(200, seed=0)
    assert len(pairs) == len({(p["positive"], p["negative"]) for p in pairs})
    # only the stressed vowel changes, one letter: "umbrella" keeps its schwa-initial "um"
    second = {"umbrella", "excited", "together", "began", "became", "inside", "behind", "banana"}
    for p in pairs:
        w, nw = p["positive"], p["negative"]
        diff = [i for i, (a, b) in enumerate(zip(w, nw)) if a != b]
        assert len(w) == len(nw) and len(diff) == 1 and nw[diff[0]] in "aeiou", p
        first_vowel = min(i for i, ch in enumerate(w) if ch in "aeiouy")
        assert diff[0] > first_vowel if w in second else diff[0] == first_vowel, p
    assert second & {p["positive"] for p in pairs}


def test_npi_pairs_keep_their_subject_and_swap_only_the_licensor_or_the_npi():
    """A subject swap ("Nobody" against a name) was decided by how familiar the subject sounds: a
    unit-bigram model, blind to licensing, scored its name pairs 0.22 on tiny seed 0. The pairs now
    share the subject and every word but the adverb before "found any", both ways in length, or keep
    an adverb that licenses nothing and swap "some" for "any" (a second contrast: on tiny seed 3 the
    adverb swap alone leaned one way in unit typicality in every row)."""
    from hf_slm.synth.pairs import make_pairs

    npi = [p for p in make_pairs(60, seed=0) if p["group"] == "npi_licensing"]
    swaps = Counter()
    for p in npi:
        good, bad = p["positive"].split(), p["negative"].split()
        differ = [(a, b) for a, b in zip(good, bad) if a != b]
        assert len(good) == len(bad) and len(differ) == 1 and good[0] == bad[0], p
        assert good[2] == bad[2] == "found" and bad[3] == "any", p
        if differ[0] == ("some", "any"):
            assert good[1] in ("usually", "also"), p
        swaps[differ[0]] += 1
    assert set(swaps) == {("never", "usually"), ("never", "also"), ("some", "any")}, swaps
    assert min(swaps.values()) >= 10, swaps


def test_opposite_pairs_balance_two_signs_where_a_running_count_gets_stuck():
    from hf_slm.synth.balance import OppositePairs

    # signs read off the items themselves: (length sign, frequency sign)
    signs = (lambda p, n: p[0], lambda p, n: p[1])
    stream = [(1, 1), (-1, 1), (1, -1), (1, 1), (-1, 1), (0, 0), (1, -1), (-1, 1)]
    b = OppositePairs(signs)
    taken = [t for s in stream for t in b.offer(s, None, s)]
    assert taken == [(-1, 1), (1, -1), (0, 0), (-1, 1), (1, -1)]  # (1, 1) has no opposite: never taken
    assert sum(t[0] for t in taken) == 0 and sum(t[1] for t in taken) == 0


def _word_logprob(counts, total, vocab, text):
    # independent of hf_slm.synth.balance: whitespace words, punctuation stripped by hand
    import math

    ws = [w.strip('.,?!"').lower() for w in text.split()]
    return sum(math.log((counts.get(w, 0) + 0.5) / (total + 0.5 * vocab)) for w in ws if w)


def test_no_phenomenon_is_decided_by_the_training_stories_word_frequencies():
    from collections import Counter

    from hf_slm.synth.cloze import TrainingText
    from hf_slm.synth.pairs import make_pairs
    from hf_slm.synth.stories import generate_stories

    texts = [s.text for s in generate_stories(600, seed=0)]
    training = TrainingText(texts)
    counts = Counter(w.strip('.,?!"').lower() for t in texts for w in t.split())
    counts.pop("", None)
    total, vocab = sum(counts.values()), len(counts) + 1
    by = defaultdict(list)
    for p in make_pairs(40, seed=0, exclude=frozenset(training.sentences), frequency=training.words):
        by[p["group"]].append(p)
    assert len(by) == 10 and all(len(v) == 40 for v in by.values()), {k: len(v) for k, v in by.items()}
    for group, pairs in by.items():
        d = [_word_logprob(counts, total, vocab, p["positive"]) - _word_logprob(counts, total, vocab, p["negative"])
             for p in pairs]
        favoured, against = sum(x > 1e-9 for x in d), sum(x < -1e-9 for x in d)
        assert abs(favoured - against) <= 1, (group, favoured, against)  # quantifiers, islands were 30 / 0
        longer, shorter = _balance(pairs)
        assert abs(longer - shorter) <= 1, (group, longer, shorter)


def _count_models(texts):
    """Two model-free scorers of a sentence from the training texts' counts (independent of hf_slm):
    an interpolated word-trigram model, and the log-counts of the sentence's ordered word pairs
    (w_i before w_j in one training sentence: "dogs ... are", "Lily ... herself")."""
    import math
    from itertools import combinations

    def words(sentence):
        return [w.strip('.,?!"').lower() for w in sentence.split()]

    sentences = [x for t in texts for x in re.split(r"(?<=[.?!])\s+", t.replace('"', "")) if x]
    uni, bi, tri, pairs = Counter(), Counter(), Counter(), Counter()
    for x in sentences:
        w = ["<s>", *words(x), "</s>"]
        uni.update(w), bi.update(zip(w, w[1:])), tri.update(zip(w, w[1:], w[2:]))
        pairs.update(set(combinations(words(x), 2)))
    n, v = sum(uni.values()), len(uni) + 1

    def trigram(sentence):
        w, lp = ["<s>", *words(sentence), "</s>"], 0.0
        for i in range(1, len(w)):
            p1 = (uni[w[i]] + 0.1) / (n + 0.1 * v)
            p2 = (bi[w[i - 1], w[i]] + p1) / (uni[w[i - 1]] + 1)
            p3 = p2 if i < 2 else (tri[w[i - 2], w[i - 1], w[i]] + p2) / (bi[w[i - 2], w[i - 1]] + 1)
            lp += math.log(p3)
        return lp

    def cooccurrence(sentence):
        return sum(math.log(pairs[x] + 0.5) for x in set(combinations(words(sentence), 2)))

    return trigram, cooccurrence


def _accuracy(score, pairs):
    d = [score(p["positive"]) - score(p["negative"]) for p in pairs]
    return sum(1.0 if x > 1e-9 else 0.5 if x > -1e-9 else 0.0 for x in d) / len(d)


def test_training_stories_speak_every_construction_the_pairs_test():
    """Every phenomenon is decided, above chance, by a simple count model of the training stories
    (the world sentences of hf_slm.synth.scenes); the stories' spine alone decides most of them by
    neither (it had no plural animal, reflexive, "any" or "there was")."""
    from hf_slm.synth.cloze import TrainingText
    from hf_slm.synth.pairs import make_pairs
    from hf_slm.synth.stories import HELDOUT, generate_stories

    texts = [s.text for s in generate_stories(600, seed=0)]
    training = TrainingText(texts)
    by = defaultdict(list)
    for p in make_pairs(40, seed=0, exclude=frozenset(training.sentences), frequency=training.words):
        by[p["group"]].append(p)
    models = _count_models(texts)
    spine = _count_models([s.text for s in generate_stories(600, seed=0, namespace=HELDOUT)])
    undecided = 0
    for group, pairs in by.items():
        assert max(_accuracy(m, pairs) for m in models) >= 0.65, group  # 0.68 .. 1.0 here
        undecided += max(_accuracy(m, pairs) for m in spine) < 0.6
    assert undecided >= 5  # 6: agreement, determiners, reflexives, argument structure, irregulars


@pytest.mark.parametrize("seed", [0, 1])
def test_no_phenomenon_is_decided_by_a_text_tokenizer_learned_from_the_stories(seed):
    """The text LMs score sBLIMP in the BPE tokens of their tokenizer (tiny: 1024, learned from the
    training stories), not in words: a pair must not differ in token count (deleting "not" made the
    grammatical member a token longer in every such NPI pair), use a word the stories never say
    (a non-word "goed" splits into pieces; seed 0's length null scored irregular forms 0.73 and NPI
    0.26 before), or be decided per phenomenon by the tokens' training frequencies."""
    import math

    from hf_slm.synth.cloze import TrainingText
    from hf_slm.synth.pairs import make_pairs
    from hf_slm.synth.stories import generate_stories
    from hf_slm.textlm.tokenizer import train_text_tokenizer

    texts = [s.text for s in generate_stories(1100, seed=seed)]
    tok = train_text_tokenizer(texts, vocab_size=1024)
    said = set(re.findall(r"[a-z]+", " ".join(texts).lower()))
    # independent of hf_slm.scoring.null: token counts of the training text, add-1/2 smoothed
    counts = Counter(i for ids in tok(texts, add_special_tokens=False)["input_ids"] for i in ids)
    total = sum(counts.values()) + 0.5 * len(tok)

    def encode(s):
        return tok(s, add_special_tokens=False)["input_ids"]

    def logprob(ids):
        return sum(math.log((counts[i] + 0.5) / total) for i in ids)

    training = TrainingText(texts)
    by = defaultdict(list)
    for p in make_pairs(75, seed=seed, exclude=frozenset(training.sentences), frequency=training.words):
        by[p["group"]].append(p)
    assert len(by) == 10 and all(len(v) == 75 for v in by.values())
    for group, pairs in by.items():
        unsaid = {w for p in pairs for s in (p["positive"], p["negative"]) for w in re.findall(r"[a-z]+", s.lower())} - said
        assert not unsaid, (group, sorted(unsaid))
        assert all(len(encode(p["positive"])) == len(encode(p["negative"])) for p in pairs), group
        d = [logprob(encode(p["positive"])) - logprob(encode(p["negative"])) for p in pairs]
        favoured, against = sum(x > 1e-9 for x in d), sum(x < -1e-9 for x in d)
        assert abs(favoured - against) <= 3, (group, favoured, against)
