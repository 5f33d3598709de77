"""sBLIMP-style minimal pairs from templates over the stories' own vocabulary.

Each phenomenon is a function rng → (grammatical, ungrammatical) that differ in one or two
words. The contrasts are chosen to be learnable from a few hours of the generated stories:
is/are and was/were agreement are acoustically salient and frequent in the stories (codas and
dialogue use is/are, narration was/were); the others follow BLiMP's paradigms (determiner-noun,
anaphor, argument structure, irregular forms, NPI licensing, quantifiers, islands).

No phenomenon may be decided by length: where the error changes a word's length (a licensor
dropped, an overregularised "-ed"), half the pairs of the phenomenon make the grammatical member
the longer one and half the shorter one (hf_slm.scoring.null measures it). Contrasts whose two
forms sound the same in the TTS ("puppies"/"puppys") are not used.
"""

from __future__ import annotations

from hf_slm.synth.lexicon import (COLORS, FEELINGS, IRREGULAR_PAST, KINDS, NAMES, OBJECTS,
                                  PLACES, PRONOUNS, TRAITS)


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
    s, p = r.choice([("likes", "like"), ("wants", "want"), ("sees", "see"), ("has", "have")])
    t = f"The {r.choice(TRAITS)} {{n}} {{v}} the {r.choice(COLORS)} {r.choice(sorted(OBJECTS))}."
    return _by_number(r, k, KINDS[k], t, s, p)


def determiner_noun(r):
    o = r.choice(sorted(OBJECTS))
    t = f"{_name(r)} {r.choice(['found', 'wanted', 'liked', 'saw'])} {{v}} {r.choice(COLORS)} {{n}}."
    s, p = r.choice([("this", "these"), ("that", "those")])
    return _by_number(r, o, OBJECTS[o], t, s, p)


def anaphor_agreement(r):
    g = r.choice(["she", "he"])
    wrong = PRONOUNS["he" if g == "she" else "she"][3]
    t = f"{_name(r, g)} {r.choice(['hurt', 'saw', 'helped', 'washed'])} {{}} in the {r.choice(PLACES)}."
    return t.format(PRONOUNS[g][3]), t.format(wrong)


def argument_structure(r):
    # transitive vs intransitive verbs: the transitive one is longer in one pair, shorter in
    # one, and of the same length in the rest, so length does not decide
    good, bad = r.choice([("wanted", "slept"), ("dropped", "cried"), ("took", "laughed"),
                          ("held", "smiled"), ("found", "waited")])
    t = f"{_name(r)} {{}} the {r.choice(COLORS)} {r.choice(sorted(OBJECTS))}."
    return t.format(good), t.format(bad)


# (grammatical, overregularised) plurals: the two sound different, and the grammatical one is
# the shorter for one noun and the longer for the other
_IRREGULAR_PLURALS = {"mouse": ("mice", "mouses"), "fox": ("foxes", "foxs")}
# past participles after "had": the grammatical form is (mostly) the longer one, against the
# simple-past pairs where the overregularised form is
_PARTICIPLES = {"go": ("gone", "went"), "eat": ("eaten", "ate"), "see": ("seen", "saw"),
                "take": ("taken", "took"), "give": ("given", "gave"), "fly": ("flown", "flew")}


def _irregular_rest(r, verb: str, place: str) -> str:
    return {"go": f"to the {place}", "run": f"to the {place}", "come": f"to the {place}",
            "sit": f"in the {place}", "fly": f"over the {place}"}.get(
        verb, f"the {r.choice(sorted(OBJECTS))} in the {place}")


def irregular_forms(r):
    place = r.choice(PLACES)
    u = r.random()
    if u < 0.2:
        right, wrong = _IRREGULAR_PLURALS[r.choice(sorted(_IRREGULAR_PLURALS))]
        t = f"{_name(r)} saw two {{}} in the {place}."
        return t.format(right), t.format(wrong)
    if u < 0.6:
        verb = r.choice(sorted(_PARTICIPLES))
        right, wrong = _PARTICIPLES[verb]
        t = f"{_name(r)} had {{}} {_irregular_rest(r, verb, place)}."
        return t.format(right), t.format(wrong)
    verb = r.choice(sorted(IRREGULAR_PAST))
    right, wrong = IRREGULAR_PAST[verb]
    t = f"{_name(r)} {{}} {_irregular_rest(r, verb, place)}."
    return t.format(right), t.format(wrong)


def npi_licensing(r):
    # "any" needs a licensor. Half the pairs drop "not" (the grammatical one is longer), half
    # replace "Nobody" by "Everybody" (the grammatical one is shorter).
    things = OBJECTS[r.choice(sorted(OBJECTS))]
    place = r.choice(PLACES)
    if r.random() < 0.5:
        t = f"{_name(r)} did {{}}find any {things} in the {place}."
        return t.format("not "), t.format("")
    t = f"{{}} found any {things} in the {place}."
    return t.format("Nobody"), t.format("Everybody")


def quantifiers(r):
    # existential "there" takes a weak quantifier; half the pairs put a longer weak one against a
    # shorter strong one, half the other way round
    good, bad = r.choice([("a", "every"), ("another", "each")])
    t = f"There was {{}} {r.choice(TRAITS)} {r.choice(sorted(KINDS))} in the {r.choice(PLACES)}."
    return t.format(good), t.format(bad)


# (transitive base, its past, motion base, its past): the grammatical question has the first
# verb's base and the second's past, the island violation the other two, so which one is longer
# depends on the verbs; two sets each way
_ISLAND_VERBS = (("find", "found", "go", "went"), ("take", "took", "walk", "walked"),
                 ("fix", "fixed", "run", "ran"), ("find", "found", "come", "came"))


def island_effects(r):
    a = _name(r)
    b, place = _name(r, avoid=a), r.choice(PLACES)
    v1, v1_past, v2, v2_past = r.choice(_ISLAND_VERBS)
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


def make_pairs(per_phenomenon: int, seed: int = 0, exclude=frozenset()) -> list[dict]:
    """[{group, positive, negative}]: distinct pairs per phenomenon, none whose sentences are in
    `exclude` (normalised training sentences), length-counterbalanced within each phenomenon
    (hf_slm.synth.balance); deterministic for the seed."""
    import random

    from hf_slm.synth.balance import LengthBalance
    from hf_slm.synth.textnorm import norm_sentence

    out = []
    for group, fn in PHENOMENA.items():
        r = random.Random(f"pairs:{seed}:{group}")
        seen: set[tuple[str, str]] = set()
        balance = LengthBalance()  # the grammatical member is the longer one in half the pairs
        for _ in range(per_phenomenon * 50):
            if len(seen) >= per_phenomenon:
                break
            good, bad = fn(r)
            if good == bad or (good, bad) in seen or norm_sentence(good) in exclude \
                    or norm_sentence(bad) in exclude or not balance.take(good, bad):
                continue
            seen.add((good, bad))
            out.append({"group": group, "positive": good, "negative": bad})
    return out
