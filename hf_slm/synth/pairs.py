"""sBLIMP-style minimal pairs from templates over the stories' own vocabulary.

Each phenomenon is a function rng → (grammatical, ungrammatical) that differ in one or two
words. The contrasts are chosen to be learnable from a few hours of the generated stories:
is/are and was/were agreement are acoustically salient and frequent in the stories (codas and
dialogue use is/are, narration was/were); the others follow BLiMP's paradigms (determiner-noun,
anaphor, argument structure, irregular forms, NPI licensing, quantifiers, islands).
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
    good, bad = r.choice([("found", "slept"), ("took", "laughed"), ("held", "smiled"),
                          ("dropped", "cried"), ("liked", "jumped")])
    t = f"{_name(r)} {{}} the {r.choice(COLORS)} {r.choice(sorted(OBJECTS))}."
    return t.format(good), t.format(bad)


_IRREGULAR_PLURALS = {"mouse": ("mice", "mouses"), "fox": ("foxes", "foxs"),
                      "puppy": ("puppies", "puppys"), "bunny": ("bunnies", "bunnys")}


def irregular_forms(r):
    place = r.choice(PLACES)
    if r.random() < 0.25:
        right, wrong = _IRREGULAR_PLURALS[r.choice(sorted(_IRREGULAR_PLURALS))]
        t = f"{_name(r)} saw two {{}} in the {place}."
        return t.format(right), t.format(wrong)
    verb = r.choice(sorted(IRREGULAR_PAST))
    right, wrong = IRREGULAR_PAST[verb]
    rest = {"go": f"to the {place}", "run": f"to the {place}", "come": f"to the {place}",
            "sit": f"in the {place}", "fly": f"over the {place}"}.get(
        verb, f"the {r.choice(sorted(OBJECTS))} in the {place}")
    t = f"{_name(r)} {{}} {rest}."
    return t.format(right), t.format(wrong)


def npi_licensing(r):
    t = f"{_name(r)} did {{}}find any {OBJECTS[r.choice(sorted(OBJECTS))]} in the {r.choice(PLACES)}."
    return t.format("not "), t.format("")


def quantifiers(r):
    t = f"There was {{}} {r.choice(TRAITS)} {r.choice(sorted(KINDS))} in the {r.choice(PLACES)}."
    return t.format("a"), t.format("every")


def island_effects(r):
    a = _name(r)
    b, place = _name(r, avoid=a), r.choice(PLACES)
    return (f"What did {a} find before {b} went to the {place}?",
            f"What did {a} go to the {place} before {b} found?")


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
    `exclude` (normalised training sentences); deterministic for the seed."""
    import random

    from hf_slm.synth.textnorm import norm_sentence

    out = []
    for group, fn in PHENOMENA.items():
        r = random.Random(f"pairs:{seed}:{group}")
        seen: set[tuple[str, str]] = set()
        for _ in range(per_phenomenon * 50):
            if len(seen) >= per_phenomenon:
                break
            good, bad = fn(r)
            if good == bad or (good, bad) in seen or norm_sentence(good) in exclude \
                    or norm_sentence(bad) in exclude:
                continue
            seen.add((good, bad))
            out.append({"group": group, "positive": good, "negative": bad})
    return out
