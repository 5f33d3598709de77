"""A built-in, seeded story generator: a small grammar of simple stories with cause and effect.

Every story has the same spine, [intro, setup, problem, turn, ending] (+ world sentences,
hf_slm.synth.scenes, and codas in training stories): the turn decides the outcome (good or bad) and the ending states it, so an ending that
says the opposite contradicts the story (sSC), and an ending from another story names other
characters and objects (tSC). Both can carry signal for tiny models trained on these stories.

Stories are a pure function of (namespace, seed, index): training uses namespace "train" and the
benchmarks "heldout", so the two never share a random stream.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hf_slm.synth.lexicon import (COLORS, FOODS, HIDING, KINDS, NAMES, OBJECTS, PLACES, PRONOUNS,
                                  TRAITS, article)
from hf_slm.synth.scenes import SCENES

TRAIN, HELDOUT = "train", "heldout"


@dataclass
class Story:
    id: str
    plot: str
    hero: str
    friend: str
    obj: str
    color: str
    good: bool  # the outcome the turn sets up
    ending_kind: int  # which ending template (tSC pairs endings of the same kind)
    sentences: list[str]  # intro, setup, problem, turn, ending, coda...
    wrong_ending: str  # the ending with the opposite outcome (contradicts the story)
    entities: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def prompt(self) -> str:
        return " ".join(self.sentences[:4])

    @property
    def ending(self) -> str:
        return self.sentences[4]

    @property
    def five(self) -> str:
        return " ".join(self.sentences[:5])


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _intro(r, c) -> str:
    return r.choice([
        "Once upon a time, there was a {trait} {kind} named {X}.",
        "{X} was a {trait} {kind} who lived near the {place}.",
        "There once was a {trait} {kind} called {X}.",
        "{X} was a {trait} little {kind} with a big smile.",
    ]).format(**c)


# Each plot: setup, problem, (good turn, bad turn) variants; placeholders filled from the cast.
PLOTS = {
    "lost": (["{X} had a {color} {obj} that {she} loved very much.",
              "{X}'s favorite toy was a {color} {obj}."],
             ["One day, {X} took the {obj} to the {place}, but {she} lost it.",
              "One day, {X} looked for the {obj}, but it was gone."],
             ["Then {Y} found the {obj} {hiding}.",
              "{Y} helped {her} look, and they found the {obj} {hiding}."],
             ["{X} and {Y} looked everywhere, but the {obj} was gone.",
              "{Y} helped {her} look, but they could not find the {obj}."]),
    "broken": (["{X} and {Y} made a {color} {obj} together.",
                "{X} got a new {color} {obj} from {Y}."],
               ["Then {X} dropped the {obj} and it broke.",
                "Then a big dog ran by and broke the {obj}."],
               ["{Y} helped {X} fix the {obj}, and it was like new.",
                "{Y} found some glue, and they fixed the {obj}."],
               ["They tried to fix it, but the {obj} stayed broken.",
                "{Y} had no glue, so the {obj} stayed broken."]),
    "hungry": (["{X} played in the {place} with a {color} {obj} all morning.",
                "{X} and {Y} ran to the {place} with a {color} {obj}."],
               ["Soon {X} was very hungry, but {she} had no food.",
                "After a while, {X} wanted {a_food} {food}, but the basket was empty."],
               ["Then {Y} came and gave {X} {a_food} big {food}.",
                "{Y} shared {a_food} {food} with {X}."],
               ["{Y} came, but {Y} had no food either.",
                "{Y} ate the last {food} and did not share."]),
    "rain": (["{X} and {Y} went to the {place} with a {color} {obj}.",
              "{X} took {her} {color} {obj} to the {place} with {Y}."],
             ["Suddenly, dark clouds came and it started to rain.",
              "Then the sky turned gray and big drops began to fall."],
             ["They found a big tree and stayed under it.",
              "{Y} had an umbrella, so they stayed under it."],
             ["There was no place to hide from the rain.",
              "They had no umbrella and nowhere to hide."]),
    "share": (["{X} had many {color} {objs}, but {Y} had none.",
               "{X} got a box of {color} {objs} for {her} birthday."],
              ["{Y} looked at the {objs} and wanted one too.",
               "{Y} asked if {X} could share the {objs}."],
              ["{X} gave {Y} a {color} {obj} to keep.",
               "{X} smiled and gave {Y} the best {obj}."],
              ["{X} kept all the {objs} and did not share.",
               "{X} said no and hid the {objs}."]),
    "noise": (["One night, {X} heard a loud noise near {her} {color} {obj}.",
               "{X} was playing with a {color} {obj} when {she} heard a strange noise."],
              ["{X} was scared and hid under the blanket.",
               "{X} was afraid and called for {Y}."],
              ["Then {X} saw that it was only {Y} the {kind2}.",
               "{Y} turned on the light, and it was only the wind."],
              ["The noise got louder, and nobody came to help.",
               "{Y} was asleep, and the noise went on and on."]),
}

# Endings: (good, bad) pairs that differ in one outcome word (sSC contrast), naming the cast.
ENDINGS = {
    "lost": [("{X} was very happy to have the {color} {obj} back.",
              "{X} was very sad to have the {color} {obj} gone."),
             ("That day, {X} and {Y} were happy.", "That day, {X} and {Y} were sad.")],
    "broken": [("{X} smiled and played with the {color} {obj} again.",
                "{X} cried and put the {color} {obj} away."),
               ("{X} and {Y} were happy that night.", "{X} and {Y} were sad that night.")],
    "hungry": [("At the end of the day, {X} was full and happy.",
                "At the end of the day, {X} was hungry and sad."),
               ("{X} thanked {Y} and smiled.", "{X} looked at {Y} and cried.")],
    "rain": [("{X} and {Y} were dry when they got home.",
              "{X} and {Y} were wet when they got home."),
             ("{X} kept {her} {color} {obj} nice and dry.",
              "{X} got {her} {color} {obj} all wet.")],
    "share": [("{Y} was happy, and {X} and {Y} became good friends.",
               "{Y} was sad, and {X} and {Y} did not play together."),
              ("{Y} smiled and said thank you to {X}.", "{Y} cried and walked away from {X}.")],
    "noise": [("{X} laughed and went back to sleep.", "{X} cried and could not sleep."),
              ("{X} was not scared anymore.", "{X} was still very scared.")],
}

CODAS = {
    True: ["From that day on, {X} always took good care of the {obj}.",
           "\"You are a good friend,\" {X} said to {Y}.",
           "\"The {obj} is safe now,\" said {X}.",
           "The birds in the trees were singing, and the sun was warm.",
           "Now {X} and {Y} play in the {place} every day.",
           "\"We are a good team!\" said {Y}."],
    False: ["The next day, {X} was still thinking about the {obj}.",
            "\"Things are not always easy,\" said {X}'s mom.",
            "The clouds in the sky were gray, and the wind was cold.",
            "{X} learned that a bad day is not the end.",
            "\"Tomorrow is a new day,\" {Y} said.",
            "Mom gave {X} a hug, and {she} went to bed."],
}


_KINDS_BY_PRONOUN = {"she": ["girl", "bunny", "cat", "duck", "bird", "mouse"],
                     "he": ["boy", "dog", "bear", "fox", "frog", "puppy"]}


def _cast(r: random.Random) -> dict:
    hero, friend = r.sample(sorted(NAMES), 2)
    obj = r.choice(sorted(OBJECTS))
    food = r.choice(sorted(FOODS))
    p = PRONOUNS[NAMES[hero]]
    return {"X": hero, "Y": friend, "she": p[0], "her": p[2], "him": p[1], "obj": obj,
            "objs": OBJECTS[obj], "color": r.choice(COLORS), "trait": r.choice(TRAITS),
            "kind": r.choice(_KINDS_BY_PRONOUN[p[0]]),
            "kind2": r.choice(sorted(KINDS)), "place": r.choice(PLACES), "hiding": r.choice(HIDING),
            "food": food, "a_food": article(food)}


def make_story(namespace: str, seed: int, index: int, coda: bool | None = None,
               flip: bool = False) -> Story:
    """Story `index` of stream (namespace, seed). coda=None: training stories get 0-2 codas.
    flip=True: its twin, the same draws with the other outcome (the other turn, the other ending),
    so the twin's ending is this story's wrong ending and the other way round (sSC mirror pairs)."""
    r = random.Random(f"{namespace}:{seed}:{index}")
    c = _cast(r)
    plot = r.choice(sorted(PLOTS))
    setups, problems, goods, bads = PLOTS[plot]
    good = (r.random() < 0.5) != flip
    kind = r.randrange(len(ENDINGS[plot]))
    right, wrong = ENDINGS[plot][kind] if good else ENDINGS[plot][kind][::-1]
    sentences = [_intro(r, c), r.choice(setups), r.choice(problems),
                 r.choice(goods if good else bads), right]
    n_coda = (r.choice([0, 1, 1, 2]) if namespace == TRAIN else 0) if coda is None else int(coda)
    # training stories also say something of their world in the constructions the minimal pairs test.
    # Measured, not adopted: 4-7 world sentences (twice the examples of each phenomenon, ~30% fewer
    # spines) lowered tiny seed 0's speech sBLIMP to 0.49-0.55 (best run 0.497) from 0.53-0.59.
    n_scene = r.choice([1, 2, 2, 3]) if namespace == TRAIN and coda is None else 0
    sentences += [r.choice(SCENES)(r, c) for _ in range(n_scene)]
    sentences += r.sample(CODAS[good], n_coda)
    sentences = [_cap(s.format(**c)) for s in sentences]
    return Story(id=f"{namespace}-{seed}-{index:07d}" + ("-twin" if flip else ""), plot=plot,
                 hero=c["X"], friend=c["Y"],
                 obj=c["obj"], color=c["color"], good=good, ending_kind=kind,
                 sentences=sentences, wrong_ending=_cap(wrong.format(**c)),
                 entities={c["X"], c["Y"], c["obj"], c["color"]})


def generate_stories(n: int, seed: int = 0, namespace: str = TRAIN, start: int = 0):
    """Stories start..start+n-1 of the stream (namespace, seed): the same every run."""
    for i in range(start, start + n):
        yield make_story(namespace, seed, i)
