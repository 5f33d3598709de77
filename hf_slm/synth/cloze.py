"""Spoken StoryCloze from held-out generated stories: sSC (contradicting ending) and tSC
(an ending from another story).

Both use the generator's spine: 4 prompt sentences (intro, setup, problem, turn) + ending.
- sSC: the wrong ending states the opposite outcome of the turn (happy ↔ sad, dry ↔ wet, ...),
  one or two words apart from the right one.
- tSC: the wrong ending is the right ending of another held-out story with the same plot,
  ending template and outcome but none of the same characters, object or colour: the two
  endings differ only in whether they name this story's cast, a signal small models can use.
Held-out stories come from namespace "heldout" (never the training stream) and any whose
prompt or ending+prompt occurs in the training text is dropped (see `TrainingText`).
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
    """n held-out 5-sentence stories whose prompt never occurs in the training text."""
    out, i = [], 0
    while len(out) < n and i < n * max_tries:
        s = make_story(HELDOUT, seed, i, coda=False)
        i += 1
        if not training.has_prompt(s.sentences):
            out.append(s)
    return out


def make_cloze(n: int, seed: int, training: TrainingText) -> dict[str, list[dict]]:
    """{"ssc": [...], "tsc": [...]}: rows {id, group, prompt, positive, negative}.

    Both are length-counterbalanced per plot (hf_slm.synth.balance; the metric is a macro accuracy
    over plots, so a balance kept only over the whole benchmark can still tip one plot): the right
    ending is the longer one in half of each plot's questions, so a preference for short or long
    endings scores chance. sSC skips a story that would tip the balance; tSC picks, among the endings
    it may use, one that keeps it.
    """
    from hf_slm.synth.balance import LengthBalance

    stories = heldout_stories(n * 3, seed, training)
    # sSC also keeps good and bad outcomes level (±1) per plot and ending template: the right ending is
    # the happy one for half of them, so a preference for the happy (or the sad) ending's words, which
    # a unit-unigram scorer has, scores chance (balanced over the whole benchmark only, the unigram
    # scorer got 0.8 on two plots of the tiny demo)
    ssc, balance, outcome = [], defaultdict(LengthBalance), defaultdict(int)
    for s in stories:
        if len(ssc) >= n:
            break
        step, kind = (1 if s.good else -1), (s.plot, s.ending_kind)
        if abs(outcome[kind] + step) <= 1 and balance[s.plot].take(s.ending, s.wrong_ending):
            outcome[kind] += step
            ssc.append({"id": f"ssc-{s.id}", "group": s.plot, "prompt": s.prompt, "positive": s.ending,
                        "negative": s.wrong_ending})
    by_key = defaultdict(list)
    for s in stories:
        by_key[(s.plot, s.ending_kind, s.good)].append(s)
    tsc, balance = [], defaultdict(LengthBalance)
    for s in stories:
        if len(tsc) >= n:
            break
        others = [o for o in by_key[(s.plot, s.ending_kind, s.good)]
                  if o is not s and not (o.entities & s.entities)]
        if not others:
            continue
        start = len(tsc) % len(others)  # spread the choice over the candidates, as before
        ordered = others[start:] + others[:start]
        o = next((o for o in ordered if balance[s.plot].accepts(s.ending, o.ending)), None)
        if o is not None:
            balance[s.plot].add(s.ending, o.ending)
            tsc.append({"id": f"tsc-{s.id}", "group": s.plot, "prompt": s.prompt,
                        "positive": s.ending, "negative": o.ending})
    return {"ssc": ssc, "tsc": tsc}
