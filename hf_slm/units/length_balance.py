"""Counterbalancing by unit length and unit frequency, measured where the models see it: on the units.

The generators balance their text by letters (hf_slm.synth.balance), but speech durations do not
follow letters: on the tiny demo a length-only scorer still got sWUGGY 0.40 [0.32, 0.49] on units.
So after the unit stage, per group (phenomenon, plot, ...), the rows whose positive is the longer
unit sequence and the rows whose positive is the shorter one are made as many (within `slack`)
by dropping rows of the larger side, and the ±slack each group may keep leans the other way from the
groups before it, so that over the whole task it stays within ±slack too. Which rows go is fixed by a hash of (id, voice), not by their
content or length, so the kept rows are an unbiased sample of that side. Equal lengths are neutral,
and so are mirror pairs (two rows of one group and voice whose candidates are each other's swapped,
hf_slm.synth.cloze): their signs cancel, and dropping one would break the pair.

Given the unit frequencies of the training split, the same is done for "the right answer is the one
of more typical units" (mean unit log-probability, the unigram null scorer's rule): on tiny the real
word was the more typical in 57-62% of sWUGGY rows, the smallest LMs followed it (0.76 on those rows,
0.44 on the others) and the unigram null scored 0.59-0.63. The two balances alternate until neither
drops a row (`counterbalance`), so both hold at the end.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from hf_slm.units.frequency import mean_logprob

LENGTH_BALANCE = "length_balance"  # the skip reason of a row dropped to keep the length balance
UNIGRAM_BALANCE = "unigram_balance"  # ... and of one dropped to keep the unit-frequency balance


def longer_sign(row: dict) -> int:
    """+1 when the positive has more units than the negative, -1 when fewer, 0 when as many."""
    a, b = len(row["positive"]), len(row["negative"])
    return (a > b) - (a < b)


def unigram_sign(logp: np.ndarray) -> Callable[[dict], int]:
    """+1 when the positive's units are the more typical under `logp` (mean log-probability), -1 when less."""
    def sign(row: dict) -> int:
        a, b = mean_logprob(logp, row["positive"]), mean_logprob(logp, row["negative"])
        return (a > b) - (a < b)
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


def balance_by_units(rows: list[dict], slack: int = 1,
                     sign: Callable[[dict], int] = longer_sign) -> tuple[list[dict], list[dict]]:
    """(kept, dropped): per group, |#(sign +1) − #(sign −1)| ≤ slack (by default: positive longer /
    shorter in units); order kept."""
    sides = defaultdict(lambda: {1: [], -1: []})
    paired = mirrored(rows)
    for i, r in enumerate(rows):
        s = sign(r)
        if s and i not in paired:
            sides[r["group"]][s].append(i)
    drop, total = set(), 0
    for group in sorted(sides):
        by_sign = sides[group]
        sign = 1 if len(by_sign[1]) >= len(by_sign[-1]) else -1
        big, small = by_sign[sign], by_sign[-sign]
        excess = max(len(big) - len(small) - slack, 0)
        left = len(big) - len(small) - excess
        # the leftovers the slack allows must not all lean one way: in small groups (a few questions per
        # plot) a +1 in every group is what a macro accuracy over groups reads as a length confound
        if left and sign * total > 0:
            excess, left = excess + 1, left - 1
        total += sign * left
        drop.update(sorted(big, key=lambda i: _order(rows[i]))[:excess])
    return [r for i, r in enumerate(rows) if i not in drop], [r for i, r in enumerate(rows) if i in drop]


def _fixed(sign: Callable[[dict], int], rows: list[dict]) -> Callable[[dict], int]:
    """`sign` evaluated once per row of `rows`, looked up by identity afterwards."""
    known = {id(r): sign(r) for r in rows}
    return lambda r: known[id(r)]


def counterbalance(rows: list[dict], logp: np.ndarray | None = None, slack: int = 1) -> tuple[list[dict], dict]:
    """(kept, {skip reason: dropped rows}): balanced in unit length and, given training unit log-probs
    `logp`, in unit frequency, each per group within `slack`; the two alternate until neither drops."""
    signs = {LENGTH_BALANCE: longer_sign}
    if logp is not None:
        signs[UNIGRAM_BALANCE] = unigram_sign(logp)
    # a row's signs do not change between passes: computed once (the unigram sign reads every unit)
    signs = {reason: _fixed(sign, rows) for reason, sign in signs.items()}
    dropped: dict[str, list[dict]] = {reason: [] for reason in signs}
    while True:
        before = len(rows)
        for reason, sign in signs.items():
            rows, out = balance_by_units(rows, slack, sign)
            dropped[reason] += out
        if len(rows) == before or len(signs) == 1:
            return rows, dropped
