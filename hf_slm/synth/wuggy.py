"""An sWUGGY-style lexical set: a word from the stories vs a pronounceable non-word.

Non-words change the vowel of the word's stressed syllable, keeping its length and syllable
count, and are kept only if they are not a word of the stories' vocabulary, so the pair differs in
lexicality, not in shape. Only the stressed vowel: an unstressed one is reduced to the same schwa
whatever its letter, so "balloon"/"bolloon" or "garden"/"gardin" sound the same in the TTS (and a
pair the units cannot tell apart is removed after the unit stage anyway).
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


# Words of the lexicon stressed on their second vowel group (every other word: on the first).
_SECOND_STRESS = {"balloon", "balloons", "banana", "bananas", "excited"}


def nonword(word: str, r: random.Random, known: set[str]) -> str | None:
    # The stressed vowel group must be a single vowel letter not before r/w/y and not a final e:
    # swapping "ea"/"ee" or an r-coloured vowel often gives a homophone (beach/beech, bird/burd).
    groups = [m.span() for m in re.finditer(r"[aeiouy]+", word)]
    stressed = 1 if word in _SECOND_STRESS else 0
    if len(groups) <= stressed:
        return None
    a, b = groups[stressed]
    if b - a != 1 or word[a] == "y" or word[b:b + 1] in ("r", "w", "y") or (b == len(word) and len(word) > 3):
        return None
    for _ in range(20):
        cand = word[:a] + r.choice([v for v in _VOWELS if v != word[a:b]]) + word[b:]
        if cand not in known and cand != word:
            return cand
    return None


def make_wuggy(n: int, seed: int = 0) -> list[dict]:
    """Up to n distinct (word, non-word) pairs, cycling through the vocabulary (a word may come
    back with another non-word, never with the same one)."""
    r = random.Random(f"wuggy:{seed}")
    words = vocabulary()
    known = set(words) | _COMMON
    out, seen = [], set()
    for i in range(n * 4):
        if len(out) >= n:
            break
        w = words[i % len(words)]
        nw = nonword(w, r, known)
        if nw and (w, nw) not in seen:
            seen.add((w, nw))
            out.append({"group": "lexical", "positive": w, "negative": nw})
    return out
