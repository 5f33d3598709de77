"""The speech and text modes: one token stream (units, or text-tokenizer ids) packed into windows.

Both train a Llama of a `--scale` from scratch; a speech run with `--base_model` is TWIST (the
text LM's transformer on the unit vocabulary). Their benchmarks are scored on the unit columns
(speech) or the *_text columns (text) with the run's own tokenizer.
"""

from __future__ import annotations

from hf_slm.errors import ConfigError
from hf_slm.modes.base import CardText, Mode, load_lines
from hf_slm.scoring.run_eval import RunScoring

SPEECH_TAGS = ("hf-slm", "speech-language-model", "scaling-laws", "discrete-units", "llama")
TEXT_TAGS = ("hf-slm", "text-language-model", "scaling-laws", "llama")
SPEECH_TASK_TYPE = "speech-language-modeling"
TEXT_TASK_TYPE = "text-generation"
UNIT_SPECIALS = 3  # `</s>`, `<pad>`, `<s>` after the K units (hf_slm.units.vocab)


def token_stream_data(modality: str):
    """The builder that counts every trained token as `modality` (run.json's tokens_per_modality)."""
    def build(source, budget, seed: int, data_args):
        from hf_slm.data.lm import build_token_lm_dataset

        return build_token_lm_dataset(source, budget, seed, modality=modality,
                                      max_test_tokens=data_args.max_test_tokens)
    return build


def speech_model(model_args, source, seed: int):
    """A random init of --scale, or TWIST from --base_model."""
    if not getattr(model_args, "base_model", None):
        return None
    from hf_slm.interleave.model_setup import setup_twist

    return setup_twist(model_args, source, seed)


def text_model(model_args, source, seed: int):
    if getattr(model_args, "base_model", None):
        raise ConfigError("--base-model", "a 'text' run does not start from a text LM; drop --base-model")
    return None


def unit_vocabulary(record, facts=None) -> str:
    what = "unigram pieces over units" if record.tokenization == "unigram" else "units"
    if facts is None or facts.units is None:  # no tokenizer at hand: the fixed unit layout
        k = max(record.vocab_size - UNIT_SPECIALS, 0)
        return f"{record.vocab_size} tokens ({k} {what} + `</s>`, `<pad>`, `<s>`)"
    first, k = facts.units
    return f"{facts.size} tokens ({k} {what}, ids {first}–{first + k - 1}; {facts.specials()})"


def text_vocabulary(record, facts=None) -> str:
    if facts is None:
        return f"{record.vocab_size} tokens (the dataset's text tokenizer)"
    return f"{facts.size} tokens (the dataset's text tokenizer; {facts.specials()})"


def unit_usage(record, facts, repo_id: str) -> str:
    """Generate units after a unit prompt; the prompt starts with `</s>`, as every training document does."""
    first, k = facts.units
    pieces = record.tokenization == "unigram"
    how = ("# A prompt is a sequence of unigram piece ids (0 <= id < {k}): encode units with the dataset's\n"
           "# `unigram.model` (SentencePiece over chr(0x4E00 + unit)); see the dataset card.\n" if pieces else
           "# A prompt is a sequence of unit ids: unit k is token id k (0 <= k < {k}). Turn audio into units\n"
           "# with the training data's encoder and codebook (`hf-slm units extract`; see the dataset card).\n")
    example = [(u * 37 + 11) % k + first for u in range(5)]
    return load_lines(repo_id) + "\n" + how.format(k=k) + (
        f"prompt_units = {example}\n"
        "prompt = torch.tensor([[tokenizer.eos_token_id] + prompt_units])\n"
        "out = model.generate(prompt, max_new_tokens=50, do_sample=True, top_k=50,\n"
        "                     pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)\n"
        f"units = [t for t in out[0, prompt.shape[1]:].tolist() if {first} <= t < {first + k}]  # drop specials\n"
        "print(tokenizer.decode(units))  # \"<unit_k> ...\" text form\n")


def text_usage(record, facts, repo_id: str) -> str:
    """Generate text after a text prompt; special tokens are the tokenizer's own."""
    return load_lines(repo_id) + (
        "\nprompt = tokenizer(\"Once upon a time\", return_tensors=\"pt\").input_ids\n"
        "# training documents follow a `</s>`, so a prompt starts with one\n"
        "prompt = torch.cat([torch.tensor([[tokenizer.eos_token_id]]), prompt], dim=1)\n"
        "out = model.generate(prompt, max_new_tokens=50, do_sample=True, top_k=50,\n"
        "                     pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)\n"
        "print(tokenizer.decode(out[0, prompt.shape[1]:], skip_special_tokens=True))\n")


SPEECH = Mode(
    name="speech", tokenization="units", build_data=token_stream_data("speech"), setup_model=speech_model,
    scoring=RunScoring(modality="units"),
    card=CardText(description="speech language model over discrete speech units", tags=SPEECH_TAGS,
                  task_type=SPEECH_TASK_TYPE, vocabulary=unit_vocabulary, usage=unit_usage, loss_unit="unit"))

TEXT = Mode(
    name="text", tokenization="text", build_data=token_stream_data("text"), setup_model=text_model,
    scoring=RunScoring(modality="text"),
    card=CardText(description="text language model (the scaling study's text baseline) over text tokens",
                  tags=TEXT_TAGS, task_type=TEXT_TASK_TYPE, vocabulary=text_vocabulary, usage=text_usage,
                  loss_unit="token"))
