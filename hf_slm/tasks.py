"""The spoken benchmarks hf-slm knows: one list, imported wherever a task name is enumerated.

A task is a folder `BENCH/<task>/` of questions (see hf_slm.synth.schema). Pair tasks compare two
candidates; cloze tasks also have a prompt (a story's beginning), which is what makes them
cross-modal for interleaved models (spoken prompt, written ending and the other combinations).
"""

from __future__ import annotations

TASKS = ("sblimp", "ssc", "tsc", "swuggy")
CLOZE_TASKS = ("ssc", "tsc")
PAIR_TASKS = tuple(t for t in TASKS if t not in CLOZE_TASKS)
# Tasks whose `group` is a linguistic phenomenon: a protocol's macro average runs over these groups.
# Elsewhere a group only labels a per-group table (a cloze story's plot, sWUGGY's one "lexical").
PHENOMENA_TASKS = ("sblimp",)
# Tasks whose unit stage also balances unit-bigram familiarity (hf_slm.units.length_balance): on a
# syntax pair it is a confound; on sWUGGY a real word's familiar transitions are what is tested, and a
# cloze ending is judged after its prompt.
BIGRAM_BALANCED_TASKS = ("sblimp",)


def base_task(name: str) -> str:
    """"sblimp" for "sblimp" and official-release variants such as "sblimp_official"."""
    return name.split("_", 1)[0]
