"""What a mode is: one object that knows its data, its model set-up, its scoring and its card text.

Stage-neutral code (training/run, the evaluation entry, hub's card writers) asks the run's mode
for each of these and never tests a mode's name. A new mode is a new `Mode` passed to
`hf_slm.modes.register`; nothing else changes.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from hf_slm.modeling import get_scale
from hf_slm.scoring.run_eval import RunScoring


def check_scale(model_args) -> None:
    """A run without a base model takes its size from --scale: fail on a typo before fetching data."""
    if not getattr(model_args, "base_model", None):
        get_scale(model_args.scale or "")


def no_check(model_args) -> None:
    """For modes whose model set-up does every check itself (their size comes from the base model)."""


@dataclass(frozen=True)
class VocabFacts:
    """What a checkpoint's tokenizer says about its ids (read from the tokenizer, never assumed).

    units: (first id, count) of the `<unit_k>` tokens when they are consecutive ids in k order;
    markers: ids of the `<speech>` / `<text>` modality markers the tokenizer has.
    """

    size: int
    eos: int | None
    pad: int | None
    bos: int | None
    units: tuple[int, int] | None = None
    markers: dict = field(default_factory=dict)

    @classmethod
    def from_tokenizer(cls, tokenizer) -> "VocabFacts":
        vocab = tokenizer.get_vocab()
        unit_ids = {int(t[len(UNIT_PREFIX):-1]): i for t, i in vocab.items()
                    if t.startswith(UNIT_PREFIX) and t.endswith(">") and t[len(UNIT_PREFIX):-1].isdigit()}
        units = None
        if unit_ids:
            first = unit_ids.get(0)
            if first is not None and all(unit_ids.get(k) == first + k for k in range(len(unit_ids))):
                units = (first, len(unit_ids))
        markers = {m: vocab[m] for m in MARKERS if m in vocab}
        return cls(size=len(tokenizer), eos=tokenizer.eos_token_id, pad=tokenizer.pad_token_id,
                   bos=tokenizer.bos_token_id, units=units, markers=markers)

    def specials(self) -> str:
        """"`</s>` = 500, `<pad>` = 501, `<s>` = 502", in id order."""
        named = [(i, n) for n, i in (("</s>", self.eos), ("<pad>", self.pad), ("<s>", self.bos)) if i is not None]
        return ", ".join(f"`{n}` = {i}" for i, n in sorted(named))


UNIT_PREFIX = "<unit_"  # hf_slm.units.vocab.UNIT_TOKEN without its number
MARKERS = ("<speech>", "<text>")  # hf_slm.interleave.layout's modality markers


@dataclass(frozen=True)
class CardText:
    """What a model card says about the mode's runs: plain data plus functions of the run and its tokenizer.

    vocabulary(record, facts) -> the card's "Vocabulary" row; usage(record, facts, repo_id) -> a Python
    snippet that runs as written against the published repo (tests execute it); loss_unit names what
    the test loss is averaged over ("unit", "token").
    """

    description: str  # follows "A **<scale>**": e.g. "speech language model over discrete speech units"
    tags: tuple[str, ...]  # the card's tags before mode-<name> and scale-<name>
    task_type: str  # the model-index task type of the run's results
    vocabulary: Callable  # (record, facts) -> str; a one-argument (record) function is still accepted
    usage: Callable | None = None  # (record, facts, repo_id) -> str; None: generic_usage
    loss_unit: str = "token"

    def vocabulary_row(self, record, facts: VocabFacts | None) -> str:
        """The "Vocabulary" row; facts is None when the card is written without the checkpoint's tokenizer."""
        return self.vocabulary(record) if _one_arg(self.vocabulary) else self.vocabulary(record, facts)

    def usage_snippet(self, record, facts: VocabFacts, repo_id: str) -> str:
        return (self.usage or generic_usage)(record, facts, repo_id)


def _one_arg(fn) -> bool:
    return len(inspect.signature(fn).parameters) < 2


def load_lines(repo_id: str) -> str:
    """The first lines of every usage snippet: the checkpoint opens with plain transformers."""
    return (f"import torch\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n\n"
            f"model = AutoModelForCausalLM.from_pretrained({json.dumps(repo_id)})\n"
            f"tokenizer = AutoTokenizer.from_pretrained({json.dumps(repo_id)})\n")


def generic_usage(record, facts: VocabFacts, repo_id: str) -> str:
    """For a mode that says nothing more: next-token log-probabilities after the start token."""
    start = facts.bos if facts.bos is not None else facts.eos
    return load_lines(repo_id) + (
        f"\nids = torch.tensor([[{start}]])\n"
        "logprobs = model(ids).logits[0, -1].log_softmax(-1)\n"
        "print(logprobs.topk(5))\n")


@dataclass(frozen=True)
class Mode:
    """One kind of run. Every callable gets exactly what the training / evaluation stage has at hand.

    - build_data(source, budget, seed, data_args) -> LMData: the run's train and test windows
      (source: hf_slm.units.dataset.UnitDataset; data_args: training's DataArguments);
    - setup_model(model_args, source, seed) -> ModelSetup | None: a model started from a text LM
      (hf_slm.interleave.model_setup), or None for a randomly initialised `--scale`;
    - check_model_args(model_args): checks that can run before any data is loaded (a scale typo);
    - scoring: how `evaluate_run` scores its runs (benchmarks, modalities, held-out loss);
    - tokenization: run.json's `tokenization` when the dataset's meta.json does not say it.
    """

    name: str
    tokenization: str
    build_data: Callable
    setup_model: Callable
    scoring: RunScoring
    card: CardText
    check_model_args: Callable = check_scale
