"""World sentences: the grammar the spoken minimal pairs test, spoken in the training stories.

A story's spine (hf_slm.synth.stories) says who did what; it never used a plural animal, a
reflexive, "any", "there was", "had gone" or a wh-question, so no model trained on it could tell
the grammatical member of those sBLIMP pairs from the other (a trigram model of the training text
scored 0.50 on is/are, reflexives and quantifiers). Each function here is one construction of
hf_slm.synth.pairs, in its grammatical form only, about the story's own cast and places; training
stories get one to three of them after the ending. The benchmarks' exact sentences stay held out
(hf_slm.synth.build_benchmarks drops any that occurs in the training text).
"""

from __future__ import annotations

from hf_slm.synth.lexicon import (COLORS, DEMONSTRATIVES, FEELINGS, INTRANSITIVE_PAST, IRREGULAR_PAST,
                                  IRREGULAR_PLURALS, ISLAND_VERBS, KINDS, OBJECTS, PARTICIPLES, PLACES,
                                  PRONOUNS, REFLEXIVE_VERBS, SEE_VERBS, STRONG_QUANTIFIERS, TRAITS,
                                  TRANSITIVE_PAST, VERB_S, WEAK_QUANTIFIERS, irregular_rest)


def _animals(r) -> tuple[str, bool]:
    """A kind of animal or child, singular or plural (half each), and whether it is plural."""
    k = r.choice(sorted(KINDS))
    return (KINDS[k], True) if r.random() < 0.5 else (k, False)


def is_are(r, c) -> str:
    n, many = _animals(r)
    return f"The {r.choice(TRAITS)} {n} near the {c['place']} {'are' if many else 'is'} {r.choice(FEELINGS)}."


def was_were(r, c) -> str:
    if r.random() < 0.5:
        return f"{c['X']} and {c['Y']} were very {r.choice(FEELINGS)}." if r.random() < 0.5 else \
            f"{c['X']} was very {r.choice(FEELINGS)}."
    n, many = _animals(r)
    return f"The {r.choice(TRAITS)} {n} near the {c['place']} {'were' if many else 'was'} {r.choice(FEELINGS)}."


def verb_s(r, c) -> str:
    n, many = _animals(r)
    return f"The {r.choice(TRAITS)} {n} {r.choice(VERB_S)[many]} the {r.choice(COLORS)} {r.choice(sorted(OBJECTS))}."


def demonstratives(r, c) -> str:
    many = r.random() < 0.5
    det = r.choice(DEMONSTRATIVES)[many]
    return f"{c['X']} {r.choice(SEE_VERBS)} {det} {r.choice(COLORS)} {c['objs'] if many else c['obj']}."


def reflexive(r, c) -> str:
    return f"{c['X']} {r.choice(REFLEXIVE_VERBS)} {PRONOUNS[c['she']][3]} in the {c['place']}."


def transitivity(r, c) -> str:
    if r.random() < 0.5:
        return f"{c['Y']} {r.choice(TRANSITIVE_PAST)} the {r.choice(COLORS)} {c['obj']}."
    return f"{c['Y']} {r.choice(INTRANSITIVE_PAST)} in the {c['place']}."


def irregular(r, c) -> str:
    u = r.random()
    if u < 0.2:
        return f"{c['X']} saw two {IRREGULAR_PLURALS[r.choice(sorted(IRREGULAR_PLURALS))]} in the {c['place']}."
    if u < 0.6:
        verb = r.choice(sorted(PARTICIPLES))
        return f"{c['X']} had {PARTICIPLES[verb][0]} {irregular_rest(r, verb, c['place'])}."
    verb = r.choice(sorted(IRREGULAR_PAST))
    return f"{c['Y']} {IRREGULAR_PAST[verb]} {irregular_rest(r, verb, c['place'])}."


def negative_polarity(r, c) -> str:
    things = OBJECTS[r.choice(sorted(OBJECTS))]
    # "usually" is said twice as often as "never" and "also" half as often, so the NPI pairs'
    # word-frequency sign (hf_slm.synth.pairs.npi_licensing) never rests on a near tie that a text
    # tokenizer's counts could turn round, and is the same ratio both ways
    u = r.random()
    if u < 2 / 7:
        return f"{c['X']} never found any {things} in the {c['place']}."
    return f"{c['X']} {'usually' if u < 6 / 7 else 'also'} found some {things} in the {c['place']}."


def quantified(r, c) -> str:
    # "each" is said more often than "another", so that a word-frequency preference does not decide
    # the quantifier pairs (hf_slm.synth.balance pairs "a"/"every" against "another"/"each"); the
    # strong ones come mid-sentence, as in the pairs, so a text tokenizer learns "each" as one token
    kind, (weak, strong), u = r.choice(sorted(KINDS)), (WEAK_QUANTIFIERS, STRONG_QUANTIFIERS), r.random()
    if u < 0.4:
        return f"There was {weak[0] if u < 0.3 else weak[1]} {r.choice(TRAITS)} {kind} in the {r.choice(PLACES)}."
    return f"In the {c['place']}, {strong[0] if u < 0.6 else strong[1]} {kind} was {r.choice(FEELINGS)}."


def wh_question(r, c) -> str:
    v1, v1_past, v2, v2_past = r.choice(ISLAND_VERBS)
    u = r.random()
    if u < 1 / 3:
        return f"What did {c['X']} {v1} before {c['Y']} {v2_past} to the {c['place']}?"
    if u < 2 / 3:
        return f"Where did {c['X']} {v2} before {c['Y']} {v1_past} the {c['obj']}?"
    return f"{c['Y']} {v2_past} to the {c['place']} before {c['X']} {v1_past} the {c['obj']}."


# one per phenomenon of hf_slm.synth.pairs.PHENOMENA, in its order, drawn with equal weight
SCENES = (is_are, was_were, verb_s, demonstratives, reflexive, transitivity, irregular, negative_polarity,
          quantified, wh_question)
