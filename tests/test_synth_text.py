"""Story generator, minimal pairs, cloze and word sets: deterministic, varied, held out."""

import re
from collections import Counter

import pytest

from hf_slm.synth.build_benchmarks import BenchmarkConfig, plan_questions
from hf_slm.synth.cloze import TrainingText, make_cloze
from hf_slm.synth.pairs import PHENOMENA
from hf_slm.synth.stories import HELDOUT, TRAIN, generate_stories, make_story
from hf_slm.synth.textnorm import norm_sentence, norm_text, split_sentences
from hf_slm.synth.lexicon import NAMES
from hf_slm.synth.wuggy import make_wuggy

N_TRAIN = 3000


@pytest.fixture(scope="module")
def train_texts():
    return [s.text for s in generate_stories(N_TRAIN, seed=0)]


def test_generator_is_deterministic_and_varied(train_texts):
    assert [s.text for s in generate_stories(50, seed=0)] == train_texts[:50]
    assert [s.text for s in generate_stories(50, seed=1)] != train_texts[:50]
    assert len(set(train_texts)) == N_TRAIN
    assert len({make_story(TRAIN, 0, i).plot for i in range(200)}) == 6
    assert make_story(TRAIN, 0, 7).id != make_story(HELDOUT, 0, 7).id


def test_story_spine_and_contradiction():
    for i in range(100):
        s = make_story(HELDOUT, 0, i, coda=False)
        assert len(split_sentences(s.text)) == 5
        assert s.ending != s.wrong_ending and s.hero in s.prompt


def test_no_benchmark_story_or_sentence_in_training(tmp_path, train_texts):
    train = tmp_path / "train.txt"
    train.write_text("\n".join(train_texts))
    cfg = BenchmarkConfig(out=str(tmp_path / "b"), pairs_per_phenomenon=30, cloze_questions=100,
                          words=50, exclude_from=str(train))
    plan = plan_questions(cfg)
    corpus = " || ".join(norm_text(t) for t in train_texts)
    train_sents = {norm_sentence(s) for t in train_texts for s in split_sentences(t)}
    for q in plan["sblimp"]:
        assert norm_sentence(q["positive"]) not in train_sents
        assert norm_sentence(q["negative"]) not in train_sents
    for task in ("ssc", "tsc"):
        assert len(plan[task]) == 100
        for q in plan[task]:
            assert norm_text(q["prompt"]) not in corpus
            assert norm_text(q["prompt"] + " " + q["positive"]) not in corpus


def test_exclusion_check_really_excludes():
    # Put held-out stories into "training": they must then be refused.
    held = [make_story(HELDOUT, 0, i, coda=False) for i in range(30)]
    training = TrainingText(s.text for s in held)
    got = make_cloze(10, 0, training)["ssc"]
    assert got and not {q["prompt"] for q in got} & {s.prompt for s in held}


def test_every_phenomenon_with_every_voice(tmp_path):
    cfg = BenchmarkConfig(out=str(tmp_path), tasks=["sblimp"], pairs_per_phenomenon=5,
                          voices=["en-us", "en-us+f3"])
    rows = plan_questions(cfg)["sblimp"]
    for group in PHENOMENA:
        voices = {q["voice"] for q in rows if q["group"] == group}
        assert voices == {"en-us", "en-us+f3"}, group
        pairs = {(q["positive"], q["negative"]) for q in rows if q["group"] == group}
        assert len(pairs) == 5 and all(p != n for p, n in pairs)


def test_tsc_endings_name_another_cast():
    cloze = make_cloze(50, 0, TrainingText())
    for q in cloze["tsc"]:
        names_prompt = {w for w in q["prompt"].replace(".", " ").split() if w.istitle()}
        assert q["positive"] != q["negative"]
        pos_names = {w.strip(".,!") for w in q["positive"].split()[1:] if w.istitle()} | \
            {q["positive"].split()[0].strip(",")}
        assert pos_names & names_prompt


def test_wuggy_nonwords_are_not_words():
    heard = set()
    for s in generate_stories(300, seed=1):  # another stream than the vocabulary's sample
        heard |= set(re.findall(r"[a-z]+", s.text.lower()))
    items = make_wuggy(100)
    assert len(items) == 100
    assert all(i["negative"] not in heard and i["negative"] != i["positive"] for i in items)
    # nor English words the stories never say: a swap of "washed", "fox", "time", "became", "full"
    drawn = {i["negative"] for seed in range(10) for i in make_wuggy(120, seed)}
    assert not drawn & {"wished", "fax", "tame", "become", "begin", "fill", "list", "think"}


def test_wuggy_words_are_the_stories_content_words_each_used_once():
    """The words are content words the training stories use often (not the lexicon's nouns only,
    not names, not function words); with fewer pairs than usable words, no word repeats."""
    share, n = Counter(), 500
    for s in generate_stories(n, seed=3):
        share.update(set(re.findall(r"[a-z]+", s.text.lower())))
    items = make_wuggy(120, seed=2)
    words = [i["positive"] for i in items]
    assert len(words) == len(set(words)) == 120
    assert all(share[w] >= 0.01 * n for w in words), [w for w in words if share[w] < 0.01 * n]
    assert not set(words) & ({x.lower() for x in NAMES} | {"the", "with", "under", "every", "upon"})
    # beyond the lexicon: verbs and adjectives of the story spines
    assert {"smiled", "walked", "helped", "empty", "broken"} & set(words)
    assert [i["positive"] for i in make_wuggy(120, seed=2)] == words  # seeded
    # a seeded draw of words: two seeds' 40 pairs are not the same (alphabetically first) words
    few = {seed: {i["positive"] for i in make_wuggy(40, seed=seed)} for seed in (2, 4)}
    assert len(few[2] & few[4]) < 30, few
