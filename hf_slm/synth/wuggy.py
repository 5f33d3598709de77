"""An sWUGGY-style lexical set: a word from the stories vs a pronounceable non-word.

Non-words change one vowel (or vowel pair) of the word, keeping its length and syllable count,
and are kept only if they are not a word of the stories' vocabulary, so the pair differs in
lexicality, not in shape.
"""

from __future__ import annotations

import random
import re

from hf_slm.synth.lexicon import COLORS, FEELINGS, FOODS, KINDS, OBJECTS, PLACES, TRAITS

_VOWELS = ["a", "e", "i", "o", "u"]
_COMMON = {"a", "an", "the", "and", "but", "was", "were", "is", "are", "had", "bed", "big", "bad",
           "bit", "bat", "bet", "but", "cat", "cut", "cot", "dog", "dig", "hat", "hot", "hit",
           "hut", "ran", "run", "sat", "set", "sit", "sun", "son", "ten", "tin", "top", "tip",
           "bag", "beg", "bug", "pen", "pin", "pan", "man", "men", "fun", "fan", "fin", "box",
           "fox", "red", "rod", "rid", "car", "cur", "cup", "cap", "bear", "boar", "book", "beak",
           "boat", "beat", "bait", "kite", "cake", "coke", "duck", "dock", "deck", "frog", "hill",
           "hall", "hull", "lake", "like", "look", "lock", "shoe", "shy", "zoo", "farm", "firm",
           "form", "yard", "word", "ball", "bell", "bill", "bull", "doll", "dull", "dell", "drum",
           "dram", "cup", "cop", "cap", "hug", "hog", "hag", "sad", "said", "seed", "sead",
           "cots", "dug", "dill", "dick", "fanny", "hell", "punk", "benny", "hangry", "pants",
           "pint", "punt", "lick", "luck", "pick", "puck", "kit", "cute", "mace"}


def vocabulary() -> list[str]:
    words = set(KINDS) | set(KINDS.values()) | set(OBJECTS) | set(FOODS) | set(COLORS) \
        | set(TRAITS) | set(FEELINGS) | set(PLACES)
    return sorted(w for w in words if " " not in w and len(w) >= 3)


def nonword(word: str, r: random.Random, known: set[str]) -> str | None:
    # Single vowel letters not before r/w/y and not a final e: swapping those changes the sound
    # (swapping "ea"/"ee" or an r-coloured vowel often gives a homophone: beach/beech, bird/burd).
    spans = [m.span() for m in re.finditer(r"(?<![aeiou])[aeiou](?![aeiourwy])", word)
             if m.end() < len(word) or len(word) <= 3]
    if not spans:
        return None
    for _ in range(20):
        a, b = r.choice(spans)
        cand = word[:a] + r.choice([v for v in _VOWELS if v != word[a:b]]) + word[b:]
        if cand not in known and cand != word:
            return cand
    return None


def make_wuggy(n: int, seed: int = 0) -> list[dict]:
    r = random.Random(f"wuggy:{seed}")
    words = vocabulary()
    known = set(words) | _COMMON
    out = []
    for i in range(n):
        w = words[i % len(words)]
        nw = nonword(w, r, known)
        if nw:
            out.append({"group": "lexical", "positive": w, "negative": nw})
    return out
