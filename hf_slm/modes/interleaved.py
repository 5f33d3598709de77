"""The interleaved mode (SIMS, Maimon et al. 2025): a text LM extended with units, trained on a
text / interleaved / speech mixture and scored across modalities (hf_slm.interleave)."""

from __future__ import annotations

from hf_slm.modes.base import CardText, Mode, load_lines, no_check
from hf_slm.modes.token import SPEECH_TASK_TYPE
from hf_slm.scoring.run_eval import RunScoring

TAGS = ("hf-slm", "speech-language-model", "scaling-laws", "discrete-units", "interleaved-speech-text")


def interleaved_data(source, budget, seed: int, data_args):
    """Each epoch rendered afresh in the mixture the --mix_* / --interleave_* flags ask for."""
    from hf_slm.interleave.data import build_interleaved_dataset, mix_from_args

    mix = mix_from_args(data_args, seed)
    return build_interleaved_dataset(source, budget, seed, max_test_tokens=data_args.max_test_tokens, mix=mix)


def interleaved_model(model_args, source, seed: int):
    from hf_slm.interleave.model_setup import setup_interleaved

    return setup_interleaved(model_args, source, seed)


def score_every_modality(lm, record, bench_dir, options, tasks=None) -> dict:
    """Cloze tasks in S, T→S, S→T and T, the others in speech, plus the base LM's text reference."""
    from hf_slm.interleave.eval import score_interleaved_run

    return score_interleaved_run(lm, record, bench_dir, options, tasks=tasks)


def speech_heldout(lm, split, options) -> dict:
    """Test loss on speech-only documents as trained: `<speech>` then units (hf_slm.interleave.eval)."""
    from hf_slm.interleave.eval import speech_heldout_loss

    return speech_heldout_loss(lm, split, options)


def interleaved_vocabulary(record, facts=None) -> str:
    if facts is not None and facts.units and len(facts.markers) == 2:
        first, k = facts.units
        return (f"{facts.size} tokens (the base text LM's first {first}, {k} units at ids {first}–{first + k - 1}, "
                f"`<speech>` = {facts.markers['<speech>']}, `<text>` = {facts.markers['<text>']}; the base LM's "
                f"eos id {facts.eos}, pad id {facts.pad})")
    layout = record.extra.get("interleave_layout") or {}
    if not layout:
        return f"{record.vocab_size} tokens (text tokens, units and `<speech>`/`<text>` markers)"
    return (f"{record.vocab_size} tokens (the base text LM's first {layout['unit_offset']}, {layout['k']} units "
            f"from id {layout['unit_offset']}, `<speech>` = {layout['speech_id']}, `<text>` = {layout['text_id']}, "
            f"pad = {layout['pad_id']})")


def interleaved_usage(record, facts, repo_id: str) -> str:
    """Continue speech: `<speech>` then unit tokens (unit k is token `<unit_k>`, id offset + k)."""
    first, k = facts.units
    return load_lines(repo_id) + (
        f"\n# Unit k is token `<unit_k>` = id {first} + k (0 <= k < {k}); a speech span starts with `<speech>`,\n"
        "# a text span with `<text>`. Turn audio into units with the training data's encoder and codebook.\n"
        f"prompt_units = {[(u * 37 + 11) % k for u in range(5)]}\n"
        "ids = tokenizer.convert_tokens_to_ids([\"<speech>\"] + [f\"<unit_{u}>\" for u in prompt_units])\n"
        "prompt = torch.tensor([ids])\n"
        "out = model.generate(prompt, max_new_tokens=50, do_sample=True, top_k=50,\n"
        "                     pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)\n"
        f"units = [t - {first} for t in out[0, prompt.shape[1]:].tolist() if {first} <= t < {first + k}]\n"
        "print(units)  # unit ids of the continuation\n")


INTERLEAVED = Mode(
    name="interleaved", tokenization="units", build_data=interleaved_data, setup_model=interleaved_model,
    check_model_args=no_check,  # its size comes from --base_model, which its set-up checks
    scoring=RunScoring(score=score_every_modality, heldout=speech_heldout),
    card=CardText(description="interleaved speech-text language model (SIMS) over text tokens and discrete "
                              "speech units", tags=TAGS, task_type=SPEECH_TASK_TYPE,
                  vocabulary=interleaved_vocabulary, usage=interleaved_usage, loss_unit="unit"))
