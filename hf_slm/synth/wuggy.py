"""An sWUGGY-style lexical set: a word from the stories vs a pronounceable non-word.

The words are the stories' content words, as the original draws its words from LibriSpeech's:
every word (not a name, not a function word) that at least 2% of the generator's training stories
use. The lexicon's nouns and adjectives alone gave 42 usable words and about 90 scored rows
(+-0.11 on tiny), so two seeds could not agree on whether sWUGGY is above chance.

Non-words change the vowel of the word's stressed syllable, keeping its length and syllable
count, and are kept only if they are not a word of the stories, so the pair differs in
lexicality, not in shape. Only the stressed vowel: an unstressed one is reduced to the same schwa
whatever its letter, so "balloon"/"bolloon" or "garden"/"gardin" sound the same in the TTS (and a
pair the units cannot tell apart is removed after the unit stage anyway).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from functools import lru_cache

from hf_slm.synth.lexicon import NAMES
from hf_slm.synth.stories import generate_stories

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
           "pint", "punt", "lick", "luck", "pick", "puck", "kit", "cute", "mace",
           # English words a vowel swap of the stories' words gives (seeds 0-9 drawn, read through)
           "become", "begin", "begun", "bells", "bid", "bills", "bog", "bonny", "brake", "buck",
           "bud", "bulls", "bust", "caps", "cops", "cuts", "digs", "dills", "dripped", "drips",
           "dugs", "fax", "faxed", "faxes", "fell", "fend", "fill", "fixes", "fond", "fund", "gene",
           "get", "give", "gut", "heme", "hippy", "hits", "hoppy", "hots", "huts", "lakes", "list",
           "lust", "mam", "mode", "pat", "peppy", "pet", "pit", "poppies", "pot", "rad", "ren",
           "ron", "san", "sen", "shall", "shill", "shills", "sid", "sin", "sod", "tame", "thanking",
           "think", "thongs", "thunk", "tome", "ute", "wand", "wend", "wished", "wit", "wont"}


# Function words of the stories (articles, pronouns, auxiliaries, prepositions, conjunctions,
# quantifiers, adverbs of time and degree): sWUGGY tests content words.
_FUNCTION = {"a", "about", "after", "again", "all", "also", "an", "and", "another", "any", "are",
             "as", "at", "away", "be", "before", "behind", "but", "by", "did", "do", "each", "every",
             "for", "from", "had", "has", "have", "he", "her", "herself", "him", "himself", "his",
             "in", "inside", "into", "is", "it", "many", "much", "near", "never", "next", "no",
             "nobody", "none", "not", "of", "on", "once", "one", "only", "over", "she", "so", "some",
             "still", "than", "that", "the", "then", "there", "these", "they", "this", "those", "to",
             "too", "two", "under", "upon", "very", "was", "were", "what", "when", "where", "while",
             "who", "why", "with"}
# the vocabulary is the world's, not a seed's: a fixed sample of the generator's training stream
_SAMPLE_STORIES, _MIN_SHARE = 2000, 0.02


@lru_cache(maxsize=1)
def _story_word_sets() -> tuple[frozenset[str], ...]:
    return tuple(frozenset(re.findall(r"[a-z]+", s.text.lower()))
                 for s in generate_stories(_SAMPLE_STORIES, seed=0))


def story_words() -> set[str]:
    """Every word of the sampled stories, names included (what a non-word must not be)."""
    return set().union(*_story_word_sets())


def vocabulary() -> list[str]:
    """The content words at least _MIN_SHARE of the sampled training stories use."""
    share = Counter(w for ws in _story_word_sets() for w in ws)
    names = {n.lower() for n in NAMES}
    return sorted(w for w, k in share.items() if k >= _MIN_SHARE * _SAMPLE_STORIES and len(w) >= 3
                  and w not in _FUNCTION and w not in names)


# Words of the stories stressed on their second vowel group (every other word: on the first).
_SECOND_STRESS = {"afraid", "alone", "asleep", "balloon", "balloons", "banana", "bananas", "became",
                  "began", "behind", "excited", "inside", "together", "tomorrow", "umbrella"}


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
    """Up to n distinct (word, non-word) pairs, cycling through the vocabulary in a seeded order (a
    word comes back, with another non-word, only once every usable word has one)."""
    r = random.Random(f"wuggy:{seed}")
    words = vocabulary()
    r.shuffle(words)
    known = story_words() | _COMMON
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
