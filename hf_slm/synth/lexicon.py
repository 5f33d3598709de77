"""The small vocabulary shared by the story generator and the spoken benchmarks.

One lexicon for both, so the benchmarks test words and constructions the models heard in
training (tiny models trained on a few hours of these stories cannot know anything else).
"""

from __future__ import annotations

# name → pronoun set; named characters get he/she, as in TinyStories.
NAMES = {
    "Lily": "she", "Tom": "he", "Mia": "she", "Ben": "he", "Sue": "she", "Sam": "he",
    "Anna": "she", "Tim": "he", "Lucy": "she", "Jack": "he", "Emma": "she", "Bob": "he",
    "Kate": "she", "Leo": "he", "Zoe": "she", "Max": "he", "Amy": "she", "Dan": "he",
    "Rosa": "she", "Finn": "he",
}
PRONOUNS = {"she": ("she", "her", "her", "herself"), "he": ("he", "him", "his", "himself")}

# singular → plural (irregular plurals included on purpose: they feed the irregular-forms pairs).
KINDS = {"girl": "girls", "boy": "boys", "dog": "dogs", "cat": "cats", "bunny": "bunnies",
         "bird": "birds", "bear": "bears", "frog": "frogs", "duck": "ducks", "fox": "foxes",
         "mouse": "mice", "puppy": "puppies"}
OBJECTS = {"ball": "balls", "kite": "kites", "hat": "hats", "doll": "dolls", "book": "books",
           "box": "boxes", "boat": "boats", "drum": "drums", "flower": "flowers",
           "shoe": "shoes", "balloon": "balloons", "toy car": "toy cars", "cup": "cups",
           "blanket": "blankets", "shell": "shells"}
FOODS = {"apple": "apples", "cookie": "cookies", "cake": "cakes", "banana": "bananas",
         "carrot": "carrots", "sandwich": "sandwiches"}
COLORS = ("red", "blue", "green", "yellow", "pink", "purple", "orange", "white")
TRAITS = ("little", "kind", "happy", "brave", "shy", "curious", "funny", "gentle")
PLACES = ("park", "garden", "forest", "beach", "farm", "lake", "hill", "yard", "meadow", "zoo")
HIDING = ("under the bed", "behind the tree", "in the grass", "under a big rock",
          "next to the door", "inside an old box", "near the pond", "under the table")
FEELINGS = ("happy", "sad", "tired", "hungry", "scared", "excited")

# Irregular past tenses (verb -> past) the stories use.
IRREGULAR_PAST = {"go": "went", "eat": "ate", "run": "ran", "see": "saw", "find": "found", "take": "took",
                  "give": "gave", "make": "made", "come": "came", "sit": "sat", "fly": "flew", "hold": "held"}


def plural(noun: str) -> str:
    return {**KINDS, **OBJECTS, **FOODS}.get(noun, noun + "s")


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"

# Word sets of the grammatical constructions: the training stories' world sentences
# (hf_slm.synth.scenes) use their grammatical forms, the minimal pairs (hf_slm.synth.pairs) set
# each against its error.
VERB_S = (("likes", "like"), ("wants", "want"), ("sees", "see"), ("has", "have"))  # (3sg, plural)
DEMONSTRATIVES = (("this", "these"), ("that", "those"))  # (singular, plural)
TRANSITIVE_PAST = ("wanted", "dropped", "took", "held", "found")
INTRANSITIVE_PAST = ("slept", "cried", "laughed", "smiled", "waited")
SEE_VERBS = ("found", "wanted", "liked", "saw")
REFLEXIVE_VERBS = ("hurt", "saw", "helped", "washed")
# plurals after "two" (singular -> plural); the irregular-forms pairs set each against its singular
IRREGULAR_PLURALS = {"mouse": "mice", "fox": "foxes"}
# past participles after "had" (participle, simple past)
PARTICIPLES = {"go": ("gone", "went"), "eat": ("eaten", "ate"), "see": ("seen", "saw"),
               "take": ("taken", "took"), "give": ("given", "gave"), "fly": ("flown", "flew")}
# weak quantifiers take existential "there"; strong ones do not
WEAK_QUANTIFIERS, STRONG_QUANTIFIERS = ("a", "another"), ("every", "each")
# (transitive base, its past, motion base, its past) for the wh-questions of the island pairs
ISLAND_VERBS = (("find", "found", "go", "went"), ("take", "took", "walk", "walked"),
                ("fix", "fixed", "run", "ran"), ("find", "found", "come", "came"))


def irregular_rest(r, verb: str, place: str) -> str:
    """What follows a form of `verb`: a place for motion verbs, an object elsewhere."""
    return {"go": f"to the {place}", "run": f"to the {place}", "come": f"to the {place}",
            "sit": f"in the {place}", "fly": f"over the {place}"}.get(
        verb, f"the {r.choice(sorted(OBJECTS))} in the {place}")
