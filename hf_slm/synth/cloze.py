"""Spoken StoryCloze from held-out generated stories: sSC (contradicting ending) and tSC
(an ending from another story), both built as mirror pairs.

Both use the generator's spine: 4 prompt sentences (intro, setup, problem, turn) + ending.
- sSC: the wrong ending states the opposite outcome of the turn (happy ↔ sad, dry ↔ wet, ...),
  one or two words apart from the right one.
- tSC: the wrong ending is the right ending of another held-out story with the same plot,
  ending template and outcome but none of the same characters, object or colour: the two
  endings differ only in whether they name this story's cast.
Mirror pairs: every question comes with its mirror, a question of the same plot and voice whose
right and wrong endings are this one's swapped (sSC: the story's twin with the other turn,
`make_story(flip=True)`; tSC: the other story's own question). So every ending is the right one
once and the wrong one once, and any scorer that ignores the prompt (a length or unigram
preference, a prior over names) scores exactly 0.5 on every plot. Balancing counts instead left
the endings' own probabilities in: with one-sided pairs the unit-unigram scorer got tSC 0.43 on
both tiny seeds and every tiny speech model scored below chance.
Held-out stories come from namespace "heldout" (never the training stream) and any whose
prompt (or its twin's) occurs in the training text is dropped (see `TrainingText`).
"""

from __future__ import annotations

from collections import defaultdict

from hf_slm.synth.balance import WordFrequency
from hf_slm.synth.stories import HELDOUT, make_story
from hf_slm.synth.textnorm import norm_sentence, split_sentences


class TrainingText:
    """Normalised sentences and 4-sentence windows of the training stories (for exclusion), and
    their word counts (for frequency balance)."""

    def __init__(self, texts=()):
        self.sentences: set[str] = set()
        self.windows: set[tuple[str, ...]] = set()
        self.words = WordFrequency()
        for t in texts:
            self.add(t)

    def add(self, text: str) -> None:
        self.words.add(text)
        sents = [norm_sentence(s) for s in split_sentences(text)]
        self.sentences.update(sents)
        for i in range(max(0, len(sents) - 3)):
            self.windows.add(tuple(sents[i:i + 4]))

    def has_prompt(self, sentences) -> bool:
        return tuple(norm_sentence(s) for s in sentences[:4]) in self.windows


def heldout_stories(n: int, seed: int, training: TrainingText, max_tries: int = 50):
    """n (story, twin) pairs of held-out 5-sentence stories (the twin: the other outcome) whose
    prompts never occur in the training text."""
    out, i = [], 0
    while len(out) < n and i < n * max_tries:
        s, twin = (make_story(HELDOUT, seed, i, coda=False, flip=f) for f in (False, True))
        i += 1
        if not training.has_prompt(s.sentences) and not training.has_prompt(twin.sentences):
            out.append((s, twin))
    return out


def _question(task: str, s, negative: str, mirror: int) -> dict:
    return {"id": f"{task}-{s.id}", "group": s.plot, "prompt": s.prompt, "positive": s.ending,
            "negative": negative, "mirror": mirror}


def make_cloze(n: int, seed: int, training: TrainingText) -> dict[str, list[dict]]:
    """{"ssc": [...], "tsc": [...]}: n // 2 mirror pairs each, rows {id, group, prompt, positive,
    negative, mirror}; a pair's two rows are adjacent and share `mirror` (the pair's index), which
    synthesis reads to give them one voice."""
    held = heldout_stories(n * 3, seed, training)
    ssc = []
    for k, (s, twin) in enumerate(held[:n // 2]):
        ssc += [_question("ssc", s, s.wrong_ending, k), _question("ssc", twin, twin.wrong_ending, k)]
    stories = [s for s, _ in held]
    by_key = defaultdict(list)
    for s in stories:
        by_key[(s.plot, s.ending_kind, s.good)].append(s)
    tsc, used = [], set()
    for s in stories:
        if len(tsc) + 2 > n:
            break
        if s.id in used:
            continue
        o = next((o for o in by_key[(s.plot, s.ending_kind, s.good)]
                  if o.id not in used and o is not s and not (o.entities & s.entities)), None)
        if o is not None:
            used |= {s.id, o.id}
            k = len(tsc) // 2
            tsc += [_question("tsc", s, o.ending, k), _question("tsc", o, s.ending, k)]
    return {"ssc": ssc, "tsc": tsc}
