"""The peers' scoring protocols, named: everything that decides a benchmark number, in one object.

`hf-slm eval --protocol NAME` (default cm2024) picks one; run.json keeps it with every score, and
the eval resume re-scores a run whose recorded protocol differs. Each choice below was read in the
peer's own public code (the files are named below the table); "—": the peer has no such task.

| decides the number | cm2024 (Cuervo & Marxer 2024) | sims (slamkit: SIMS, Slam) | zerospeech (ZeroSpeech 2021) |
|---|---|---|---|
| candidate score (reduction) | mean NLL per scored unit | mean NLL (`mean_nll: true`) | sum of log-probs |
| start token | EOS before the units | `<S>` (its BOS = EOS, the separator) | `<s>` (BOS) |
| terminal token scored | no (a trailing EOS is stripped) | yes (`<S> units <S>`, all targets) | yes (`</s>`, `append_eos=True`) |
| cloze span | whole story (prompt + ending, one utterance) | whole story (prompt and ending in one sequence) | — (every file scored whole) |
| voices of one item | averaged per pair first | each voiced pair counts once | averaged per pair first |
| groups (sBLIMP phenomena) | macro: mean over phenomena | micro: plain mean over pairs | micro: mean over pairs (leaderboard) |
| ties | sBLIMP 0.5, StoryCloze 0 | 0.5 | 0.5 |
| split | dev (the labelled development set) | the folder given | each on its own (dev and test reported apart) |
| over-length candidates | refused (`exceeds model block_size`) | (not checked) | — |

Where each row was checked (read, not copied):
- cm2024: tiagoCuervo/slm_scaling `src/slm/evaluate.py` (`_evaluation_pair`: EOS input first,
  terminal EOS dropped unless the task is the loss; `summarize`: decision per voiced question, tie
  0.5 only for sBLIMP, per-pair mean over voices, mean per phenomenon, accuracy = mean over
  phenomena), `src/slm/model.py` (masked mean of the token NLL), `RESULTS.md` (dev set).
- sims: slp-rl/slamkit `slamkit/metric/modelling_metric.py` (`modelling_metric`: pos > neg → 1,
  == → 0.5, mean over every pair), `slamkit/model/unit_lm.py` (`log_likelihood`: targets
  tokens[1:], pad masked), `slamkit/utils/calculation_utils.py` (`calc_nll`, `len_norm`),
  `slamkit/tokeniser/unit_tokeniser.py` (template `<S> $0 <S>`), `config/metric/default.yaml`
  (`mean_nll: true`), `slamkit/metric/cross_modal_metric.py` (cloze: prompt + ending one sample).
- zerospeech: zerospeech/zerospeech2021_baseline `scripts/utils/lm_scoring.py` (LSTM scoring:
  `"<s> " + units`, `append_eos=True`, log-probs summed over every token after `<s>`),
  zerospeech/zerospeech2021 `zerospeech2021/syntactic.py` and `lexical.py` (`evaluate_by_pair`:
  0.5 on a tie, mean over voices per pair id), `zerospeech2021/leaderboard.py` (headline = mean
  over pairs, dev and test separately).

Start "auto" is the token a document followed in training (hf_slm.scoring.lm): EOS for every
hf-slm unit and text LM, which is cm2024's prepended EOS and slamkit's `<S>` separator; BOS for a
text tokenizer that adds BOS itself. ZeroSpeech's baseline writes `<s>` first, so zerospeech uses BOS.

hf-slm's benchmarks keep a cloze prompt and its endings as separate unit sequences; "whole story"
scores prefix + prompt + ending as one sequence (every token after the start token), which is what
the peers get from one recording of the full story. Explicit `--convention` / `--prefix` override
the protocol's reduction / start token; the recorded protocol then lists them under `overrides`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# Standard library only: this file ships inside every evaluate metric folder (as metrics.py does),
# so the modules' `protocol=` argument reads the same table. Callers turn ValueError into ConfigError.

REDUCTIONS = ("mean", "sum")
STARTS = ("auto", "bos", "eos", "none")  # hf_slm.scoring.lm.PREFIXES
CLOZE_SPANS = ("whole", "ending")
VOICES = ("average", "each")
GROUPINGS = ("macro", "micro")
SPLITS = ("dev", "test", "any")
OVERLENGTH = ("truncate", "refuse")


@dataclass(frozen=True)
class Protocol:
    """How a benchmark is scored. Every field decides a number; see the module's table."""

    name: str
    reduction: str  # mean | sum of the candidate's token NLL
    start: str  # the context token before every sequence (hf_slm.scoring.lm.prefix_ids)
    terminal: bool  # the EOS after the candidate is a scored token
    cloze: str  # whole: prompt + ending scored as one sequence; ending: the ending given the prompt
    voices: str  # average: an item's voicings are averaged before aggregating; each: every voicing counts
    groups: str  # macro: mean over groups (sBLIMP phenomena); micro: mean over pairs
    pair_tie: float  # a tie's outcome in pair tasks (sBLIMP, sWUGGY)
    cloze_tie: float  # a tie's outcome in cloze tasks
    split: str  # which split of a task folder with several (dev | test | any: the only one)
    overrides: tuple[tuple[str, object], ...] = ()  # fields a user changed from the named protocol

    def tie(self, cloze: bool) -> float:
        return self.cloze_tie if cloze else self.pair_tie

    @property
    def headline(self) -> str:
        """The run.json `metric` of the headline figure."""
        return {("average", "macro"): "macro_accuracy", ("each", "macro"): "voice_pair_macro_accuracy",
                ("average", "micro"): "pair_accuracy", ("each", "micro"): "accuracy"}[(self.voices, self.groups)]

    def with_overrides(self, **changes) -> "Protocol":
        """The protocol with some fields changed, the changes remembered (in run.json) by name."""
        changes = {k: v for k, v in changes.items() if v is not None and getattr(self, k) != v}
        if not changes:
            return self
        done = dict(self.overrides) | changes
        return dataclasses.replace(self, **changes, overrides=tuple(sorted(done.items())))

    def as_record(self) -> dict:
        """The JSON form kept with every score (and compared by the eval resume)."""
        out = dataclasses.asdict(self)
        out["overrides"] = dict(self.overrides)
        return out


PROTOCOLS = {
    "cm2024": Protocol("cm2024", reduction="mean", start="auto", terminal=False, cloze="whole",
                       voices="average", groups="macro", pair_tie=0.5, cloze_tie=0.0, split="dev"),
    "sims": Protocol("sims", reduction="mean", start="auto", terminal=True, cloze="whole",
                     voices="each", groups="micro", pair_tie=0.5, cloze_tie=0.5, split="any"),
    "zerospeech": Protocol("zerospeech", reduction="sum", start="bos", terminal=True, cloze="whole",
                           voices="average", groups="micro", pair_tie=0.5, cloze_tie=0.5, split="any"),
}
DEFAULT_PROTOCOL = "cm2024"


def get_protocol(name: str) -> Protocol:
    if name not in PROTOCOLS:
        raise ValueError(f"protocol {name!r} is not one of {', '.join(PROTOCOLS)}")
    return PROTOCOLS[name]


def resolve(name: str, reduction: str | None = None, start: str | None = None,
            cloze: str | None = None) -> Protocol:
    """The named protocol with the user's explicit choices (None: the protocol's own)."""
    for value, allowed, what in ((reduction, REDUCTIONS, "reduction"), (start, STARTS, "start"),
                                 (cloze, CLOZE_SPANS, "cloze span")):
        if value is not None and value not in allowed:
            raise ValueError(f"{what} {value!r} is not one of {', '.join(allowed)}")
    return get_protocol(name).with_overrides(reduction=reduction, start=start, cloze=cloze)
