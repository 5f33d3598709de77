"""sBLIMP-style minimal pairs from templates over the stories' own vocabulary.

Each phenomenon is a function rng → (grammatical, ungrammatical) that differ in one or two
words, after BLiMP's paradigms (agreement, determiner-noun, anaphor, argument structure,
irregular forms, NPI licensing, quantifiers, islands). Every construction is spoken, in its
grammatical form, by the training stories' world sentences (hf_slm.synth.scenes), so the
benchmark asks whether a model learned the grammar of the world it heard.

No phenomenon may be decided by length or by word frequency: half the pairs of each phenomenon make
the grammatical member the longer one and half the shorter one, and (given the training text)
half the one of more frequent words (hf_slm.synth.balance; hf_slm.scoring.null measures both on
units). Contrasts whose two forms sound the same in the TTS ("puppies"/"puppys") are not used.
A text LM reads the pairs in BPE tokens, so the two members differ one word for one word, both real
words the stories say: no pair is a token longer than its other member, none rests on a non-word.
"""

from __future__ import annotations

from hf_slm.synth.balance import OppositePairs, WordFrequency, longer_sign
from hf_slm.synth.lexicon import (COLORS, DEMONSTRATIVES, FEELINGS, INTRANSITIVE_PAST,
                                  IRREGULAR_PLURALS, ISLAND_VERBS, KINDS, NAMES,
                                  OBJECTS, PARTICIPLES, PLACES, PRONOUNS, REFLEXIVE_VERBS, SEE_VERBS,
                                  STRONG_QUANTIFIERS, TRAITS, TRANSITIVE_PAST, VERB_S,
                                  WEAK_QUANTIFIERS, irregular_rest)


def _name(r, gender=None, avoid=None):
    return r.choice(sorted(n for n, g in NAMES.items() if gender in (None, g) and n != avoid))


def _by_number(r, sing_noun: str, plur_noun: str, template: str, sing_form: str, plur_form: str):
    """Singular or plural subject (half each); the other verb form is the error."""
    if r.random() < 0.5:
        return template.format(n=sing_noun, v=sing_form), template.format(n=sing_noun, v=plur_form)
    return template.format(n=plur_noun, v=plur_form), template.format(n=plur_noun, v=sing_form)


def agreement_is_are(r):
    k = r.choice(sorted(KINDS))
    t = f"The {r.choice(TRAITS)} {{n}} near the {r.choice(PLACES)} {{v}} {r.choice(FEELINGS)}."
    return _by_number(r, k, KINDS[k], t, "is", "are")


def agreement_was_were(r):
    # Half the pairs use the stories' own subjects ("Tim" / "Tim and Sam"), half "the <kind>";
    # both halves are balanced in number, so a model that just prefers the more frequent
    # "was" scores chance, not below it.
    if r.random() < 0.5:
        a = _name(r)
        t = f"{{n}} {{v}} very {r.choice(FEELINGS)}."
        return _by_number(r, a, f"{a} and {_name(r, avoid=a)}", t, "was", "were")
    k = r.choice(sorted(KINDS))
    t = f"The {r.choice(TRAITS)} {{n}} near the {r.choice(PLACES)} {{v}} {r.choice(FEELINGS)}."
    return _by_number(r, k, KINDS[k], t, "was", "were")


def agreement_verb_s(r):
    k = r.choice(sorted(KINDS))
    s, p = r.choice(VERB_S)
    t = f"The {r.choice(TRAITS)} {{n}} {{v}} the {r.choice(COLORS)} {r.choice(sorted(OBJECTS))}."
    return _by_number(r, k, KINDS[k], t, s, p)


def determiner_noun(r):
    o = r.choice(sorted(OBJECTS))
    t = f"{_name(r)} {r.choice(SEE_VERBS)} {{v}} {r.choice(COLORS)} {{n}}."
    s, p = r.choice(DEMONSTRATIVES)
    return _by_number(r, o, OBJECTS[o], t, s, p)


def anaphor_agreement(r):
    g = r.choice(["she", "he"])
    wrong = PRONOUNS["he" if g == "she" else "she"][3]
    t = f"{_name(r, g)} {r.choice(REFLEXIVE_VERBS)} {{}} in the {r.choice(PLACES)}."
    return t.format(PRONOUNS[g][3]), t.format(wrong)


def argument_structure(r):
    # transitive vs intransitive verbs: the transitive one is longer in one pair, shorter in
    # one, and of the same length in the rest, so length does not decide
    good, bad = r.choice(list(zip(TRANSITIVE_PAST, INTRANSITIVE_PAST)))
    t = f"{_name(r)} {{}} the {r.choice(COLORS)} {r.choice(sorted(OBJECTS))}."
    return t.format(good), t.format(bad)


def irregular_forms(r):
    # Both members are real words the stories say, as in BLiMP: a non-word ("goed", "mouses") is
    # never in the training text, so its rarity, or the text tokens it splits into, would decide the
    # pair without any grammar (sWUGGY is the lexical test). The past and the participle trade
    # places, so the grammatical one is the longer in some pairs and the shorter in others.
    place = r.choice(PLACES)
    u = r.random()
    if u < 0.2:
        noun = r.choice(sorted(IRREGULAR_PLURALS))
        t = f"{_name(r)} saw two {{}} in the {place}."
        return t.format(IRREGULAR_PLURALS[noun]), t.format(noun)
    verb = r.choice(sorted(PARTICIPLES))
    participle, past = PARTICIPLES[verb]
    if u < 0.6:
        t = f"{_name(r)} had {{}} {irregular_rest(r, verb, place)}."
        return t.format(participle), t.format(past)
    t = f"{_name(r)} {{}} {irregular_rest(r, verb, place)}."
    return t.format(past), t.format(participle)


def npi_licensing(r):
    # "any" needs a licensor: "never" against an adverb that licenses nothing, one word for one word,
    # after one subject. A subject swap ("Nobody" against a name) was decided by familiarity: a name
    # is spoken far more often than "Nobody", and a unit-bigram count model, blind to licensing,
    # scored the name pairs 0.22. Half the adverbs are "usually" (longer than "never", said twice as
    # often), half "also" (shorter, said half as often), so length and frequency pull each way by the
    # same ratio (hf_slm.synth.scenes.negative_polarity). A third of the pairs keep the adverb and swap
    # "some" for "any" instead: with one word contrast only, the unit typicality of "never" against
    # the others had one sign in every row on tiny seed 3, and the unit stage had to drop the whole
    # phenomenon to balance it; a second contrast, its own sign, leaves rows both ways.
    things = OBJECTS[r.choice(sorted(OBJECTS))]
    t = f"{_name(r)} {{}} found {{}} {things} in the {r.choice(PLACES)}."
    unlicensed = "usually" if r.random() < 0.5 else "also"
    if r.random() < 1 / 3:
        return t.format(unlicensed, "some"), t.format(unlicensed, "any")
    return t.format("never", "any"), t.format(unlicensed, "any")


def quantifiers(r):
    # existential "there" takes a weak quantifier; half the pairs put a longer weak one against a
    # shorter strong one, half the other way round
    good, bad = r.choice(list(zip(WEAK_QUANTIFIERS, STRONG_QUANTIFIERS)))
    t = f"There was {{}} {r.choice(TRAITS)} {r.choice(sorted(KINDS))} in the {r.choice(PLACES)}."
    return t.format(good), t.format(bad)


def island_effects(r):
    a = _name(r)
    b, place = _name(r, avoid=a), r.choice(PLACES)
    v1, v1_past, v2, v2_past = r.choice(ISLAND_VERBS)
    return (f"What did {a} {v1} before {b} {v2_past} to the {place}?",
            f"What did {a} {v2} to the {place} before {b} {v1_past}?")


PHENOMENA = {
    "agreement_is_are": agreement_is_are,
    "agreement_was_were": agreement_was_were,
    "agreement_verb_s": agreement_verb_s,
    "determiner_noun": determiner_noun,
    "anaphor_agreement": anaphor_agreement,
    "argument_structure": argument_structure,
    "irregular_forms": irregular_forms,
    "npi_licensing": npi_licensing,
    "quantifiers": quantifiers,
    "island_effects": island_effects,
}


def make_pairs(per_phenomenon: int, seed: int = 0, exclude=frozenset(),
               frequency: WordFrequency | None = None) -> list[dict]:
    """[{group, positive, negative}]: distinct pairs per phenomenon, none whose sentences are in
    `exclude` (normalised training sentences), counterbalanced within each phenomenon
    (hf_slm.synth.balance) in length and, given the training text's word counts, in word frequency;
    deterministic for the seed."""
    import random

    from hf_slm.synth.textnorm import norm_sentence

    out = []
    for group, fn in PHENOMENA.items():
        r = random.Random(f"pairs:{seed}:{group}")
        seen: set[tuple[str, str]] = set()
        # the grammatical member is the longer one in half the pairs, and the one of more frequent
        # words in half (a word-unigram model of the stories scored 1.0 on quantifiers and islands)
        balance = OppositePairs([longer_sign] + ([frequency.sign] if frequency else []))
        taken: list[dict] = []
        for _ in range(per_phenomenon * 50):
            if len(taken) >= per_phenomenon:
                break
            good, bad = fn(r)
            if good == bad or (good, bad) in seen or norm_sentence(good) in exclude \
                    or norm_sentence(bad) in exclude:
                continue
            seen.add((good, bad))
            taken += balance.offer(good, bad, {"group": group, "positive": good, "negative": bad})
        out += taken[:per_phenomenon]
    return out
