"""Which rows of a benchmark are one item: the unit an interval resamples and voicings average over.

An item is a question with all its voicings (rows with the same texts). A cloze mirror pair
(hf_slm.synth.cloze: two questions of one group, with different prompts, whose right and wrong
endings are each other's swapped) is one item too: its two answers are not independent (a model
blind to the prompt gets exactly one of them right), so an interval that drew them apart would be
too narrow for a model that answers both alike and too wide for one that cannot. The per-item
figure (`voice_accuracy`: an item counts only if all its rows are right) then counts a mirror pair
only when both questions are right, which a prompt-blind model never does. Pairs are matched one to
one by their texts, in row order; rows without texts are their own items (by id).
"""

from __future__ import annotations

from collections import defaultdict

SEP = "\x1f"
_TEXTS = ("group", "prompt_text", "positive_text", "negative_text")


def item_keys(ds) -> list[str]:
    """One key per row, shared by the rows of one item (a dataset or a dict of columns)."""
    questions = list(zip(*(ds[c] for c in _TEXTS)))
    if not any("".join(q[1:]) for q in questions):
        return list(ds["id"])
    key_of: dict[tuple, str] = {}
    waiting: defaultdict[tuple, list[tuple]] = defaultdict(list)
    for q in dict.fromkeys(questions):  # distinct questions, first seen first
        group, prompt, positive, negative = q
        candidates = waiting[(group, negative, positive)]
        mirror = next((m for m in candidates if m[1] != prompt), None) if prompt else None
        if mirror is None:
            waiting[(group, positive, negative)].append(q)
            continue
        candidates.remove(mirror)
        pair = (group, *sorted((prompt, mirror[1])), *sorted((positive, negative)))
        key_of[q] = key_of[mirror] = SEP.join(pair)
    return [key_of.get(q, SEP.join(q)) for q in questions]
