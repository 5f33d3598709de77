"""The text side trains through the same path: a dataset folder whose `units` hold text token ids."""

import pytest

from hf_slm.runrecord import RunRecord

textlm = pytest.importorskip("hf_slm.textlm.dataset")


def test_text_mode_run(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from hf_slm.textlm.tokenizer import train_text_tokenizer
    from hf_slm.training import run_training

    words = "the cat saw a dog and the dog ran to the red ball in the park".split()
    stories = [" ".join(words[(i * 3) % len(words):] + words[:(i * 3) % len(words)]) for i in range(60)]
    tok = train_text_tokenizer(stories, vocab_size=300)
    ds = textlm.write_text_dataset(tmp_path / "text", {
        "train": [{"id": f"t{i}", "text": s} for i, s in enumerate(stories[:50])],
        "test": [{"id": f"e{i}", "text": s} for i, s in enumerate(stories[50:])]}, tok)
    out = tmp_path / "run"
    run_training(scale="tiny-50k", dataset=str(ds), output_dir=str(out), context=32, budget_tokens=16 * 32 * 2, epochs=2,
                 min_warmup_steps=0, disable_tqdm=True, save_strategy="no")
    rec = RunRecord.load(out)
    assert rec.mode == "text" and rec.status == "completed" and rec.vocab_size == len(tok)
    assert rec.tokens_per_modality == {"text": rec.tokens_seen}
    assert AutoModelForCausalLM.from_pretrained(out).config.eos_token_id == tok.eos_token_id
    assert AutoTokenizer.from_pretrained(out)("the cat")["input_ids"] == tok("the cat")["input_ids"]
