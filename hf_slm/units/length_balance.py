"""Counterbalancing by unit length, unit frequency and word frequency, measured where the models see
it: on the units.

The generators balance their text by letters and word counts (hf_slm.synth.balance), but speech
durations do not follow letters: on the tiny demo a length-only scorer still got sWUGGY 0.40
[0.32, 0.49] on units. So after the unit stage, per group (phenomenon, plot, ...), rows are dropped
until the rows whose positive is the longer unit sequence and those whose positive is the shorter
are as many (within `slack`), and the ±slack each group may keep leans the other way from the
groups before it, so that over the whole task it stays within ±slack too.

Given the unit frequencies of the training split, the same holds for "the right answer is the one
of more typical units" (mean unit log-probability, the unigram null scorer's rule): on tiny the real
word was the more typical in 57-62% of sWUGGY rows, the smallest LMs followed it (0.76 on those rows,
0.44 on the others) and the unigram null scored 0.59-0.63. Given the training text's word counts,
it holds for the generator's word-frequency sign too: dropping rows for unit signs alone had undone
it, because a phenomenon's subtypes differ in spoken length (tiny seed 0 kept 33 NPI rows of
"never"/"also", where "never" is the more frequent word, against 16 of "never"/"usually", where it is
the less: the text unigram null scored NPI 0.67). A pair with a word the training text never says
(sWUGGY's non-words) has no word-frequency sign, so lexicality is never balanced away.

Given the training split's unit bigrams too, it holds for "the right answer is the one of more
familiar unit transitions" (mean bigram log-probability, the null report's bigram baseline), on the
tasks that ask for it (hf_slm.tasks.BIGRAM_BALANCED_TASKS: sBLIMP, where that familiarity is a
confound; on tiny seed 2 the baseline scored sBLIMP 0.578 [0.551, 0.607] and NPI 0.82, as well as
every speech LM). On sWUGGY it is not balanced: a real word's transitions being the familiar ones
is lexicality itself.

All signs are balanced at once (`balance`): each drop takes a row of the kind (its vector of signs)
that leaves the signs together least unbalanced, and among rows of one kind the first by a hash of
(id, voice), not by content or length. Equal lengths (a zero sign) are neutral, and so are mirror
pairs (two rows of one group and voice whose candidates are each other's swapped,
hf_slm.synth.cloze): their signs cancel, and dropping one would break the pair.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from hf_slm.synth.balance import words as text_words
from hf_slm.units.frequency import mean_bigram_logprob, mean_logprob

LENGTH_BALANCE = "length_balance"  # the skip reason of a row dropped to keep the length balance
UNIGRAM_BALANCE = "unigram_balance"  # ... and of one dropped to keep the unit-frequency balance
WORD_BALANCE = "word_balance"  # ... and of one dropped to keep the word-frequency balance of the text
BIGRAM_BALANCE = "bigram_balance"  # ... and of one dropped to keep the unit-bigram balance


def _sign_of(score: Callable) -> Callable[[dict], int]:
    """+1 when score(positive units) is the larger, -1 when the smaller, 0 on a tie."""
    def sign(row: dict) -> int:
        a, b = score(row["positive"]), score(row["negative"])
        return (a > b) - (a < b)
    return sign


def longer_sign(row: dict) -> int:
    """+1 when the positive has more units than the negative, -1 when fewer, 0 when as many."""
    return _sign_of(len)(row)


def unigram_sign(logp: np.ndarray) -> Callable[[dict], int]:
    """+1 when the positive's units are the more typical under `logp` (mean log-probability), -1 when less."""
    return _sign_of(lambda seq: mean_logprob(logp, seq))


def bigram_sign(unigram: np.ndarray, bigram: np.ndarray) -> Callable[[dict], int]:
    """+1 when the positive's unit transitions are the more familiar under the training split's bigrams
    (mean_bigram_logprob, the bigram baseline's rule), -1 when less."""
    return _sign_of(lambda seq: mean_bigram_logprob(unigram, bigram, seq))


def word_sign(words) -> Callable[[dict], int]:
    """+1 when the positive's words are the more frequent in the training text (`words`: a
    hf_slm.synth.balance.WordFrequency), -1 when less; 0 when either text has a word it never says."""
    def sign(row: dict) -> int:
        texts = (row.get("positive_text") or "", row.get("negative_text") or "")
        if any(words.counts[w] == 0 for t in texts for w in text_words(t)):
            return 0
        return words.sign(*texts)
    return sign


def _order(row: dict) -> str:
    return hashlib.sha256(f"{row['id']}\x00{row.get('voice', '')}".encode()).hexdigest()


def mirrored(rows: list[dict]) -> set[int]:
    """Indices of the rows that have a mirror: another row of the same group and voice whose
    positive is this one's negative and whose negative is this one's positive (paired one to one)."""
    waiting: dict[tuple, list[int]] = defaultdict(list)
    out: set[int] = set()
    for i, r in enumerate(rows):
        key = (r["group"], r.get("voice", ""), tuple(r["positive"]), tuple(r["negative"]))
        mirror = (key[0], key[1], key[3], key[2])
        if waiting[mirror]:
            out.update((waiting[mirror].pop(0), i))
        else:
            waiting[key].append(i)
    return out


def _window(total: int, slack: int) -> tuple[int, int]:
    """The sums a group may keep: ±slack, but never leaning the way the groups before it lean (in small
    groups, a few questions per plot, a +1 in every group is what a macro accuracy reads as a confound)."""
    return (-slack if total >= 0 else 0), (slack if total <= 0 else 0)


def _outside(sums, windows) -> list[int]:
    return [max(x - hi, lo - x, 0) for x, (lo, hi) in zip(sums, windows)]


def _balance_group(vectors: list[tuple[int, ...]], order: list[str], windows) -> list[tuple[int, int]]:
    """(row, sign) drops that bring every sign's sum over `vectors` into its window. Each step takes
    the sign farthest outside and drops a row that leans its way, of the kind (vector of signs) that
    leaves the signs together least outside, the first of that kind in hash order. One sign at a time
    (drop until level, then the next) undoes the others: on tiny seed 0 it left 8 of 49 NPI rows."""
    kinds: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for i in sorted(range(len(vectors)), key=lambda i: order[i]):
        kinds[vectors[i]].append(i)
    sums = [sum(v[k] for v in vectors) for k in range(len(windows))]
    drops = []
    while any(out := _outside(sums, windows)):
        k = max(range(len(sums)), key=lambda t: out[t])
        lean = 1 if sums[k] > windows[k][1] else -1
        best = min((v for v, rows in kinds.items() if rows and v[k] == lean),
                   key=lambda v: (sum(_outside([x - d for x, d in zip(sums, v)], windows)), order[kinds[v][0]]))
        i = kinds[best].pop(0)
        drops.append((i, k))
        sums = [x - d for x, d in zip(sums, best)]
    return drops


def balance(rows: list[dict], signs: dict[str, Callable[[dict], int]], slack: int = 1) -> tuple[list[dict], dict]:
    """(kept, {reason: dropped rows}): per group, every sign of `signs` sums to within ±slack over the
    kept rows (and over the whole task), mirror pairs untouched; order kept."""
    names = list(signs)
    paired = mirrored(rows)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if i not in paired:
            groups[r["group"]].append(i)
    vectors = {i: tuple(signs[n](rows[i]) for n in names) for idx in groups.values() for i in idx}
    totals = [0] * len(names)
    dropped: dict[int, str] = {}
    for group in sorted(groups):
        idx = [i for i in groups[group] if any(vectors[i])]
        windows = [_window(t, slack) for t in totals]
        for j, k in _balance_group([vectors[i] for i in idx], [_order(rows[i]) for i in idx], windows):
            dropped[idx[j]] = names[k]
        kept_sum = [sum(vectors[i][k] for i in idx if i not in dropped) for k in range(len(names))]
        totals = [t + x for t, x in zip(totals, kept_sum)]
    return ([r for i, r in enumerate(rows) if i not in dropped],
            {n: [r for i, r in enumerate(rows) if dropped.get(i) == n] for n in names})


def balance_by_units(rows: list[dict], slack: int = 1,
                     sign: Callable[[dict], int] = longer_sign) -> tuple[list[dict], list[dict]]:
    """(kept, dropped): per group, |#(sign +1) − #(sign −1)| ≤ slack (by default: positive longer /
    shorter in units); order kept."""
    kept, dropped = balance(rows, {"sign": sign}, slack)
    return kept, dropped["sign"]


def counterbalance(rows: list[dict], logp: np.ndarray | None = None, slack: int = 1,
                   words=None, bigram: np.ndarray | None = None) -> tuple[list[dict], dict]:
    """(kept, {skip reason: dropped rows}): balanced in unit length and, given training unit log-probs
    `logp`, in unit frequency, given the training text's word counts `words` (a WordFrequency), in
    word frequency, and given `logp` and the training bigram log-probs `bigram`, in unit-bigram
    familiarity, all at once, each per group within `slack`."""
    signs = {LENGTH_BALANCE: longer_sign}
    if logp is not None:
        signs[UNIGRAM_BALANCE] = unigram_sign(logp)
    if words is not None:
        signs[WORD_BALANCE] = word_sign(words)
    if bigram is not None:
        if logp is None:
            raise ValueError("the bigram balance needs the unigram log-probs too (a sequence's first unit)")
        signs[BIGRAM_BALANCE] = bigram_sign(logp, bigram)
    return balance(rows, signs, slack)
