"""Text LMs through the same scorer: tokenization split, prefix choice, pair scoring."""

import pytest
import torch

from hf_slm.scoring.benchmark import EvalOptions, score_pairs
from hf_slm.scoring.encode import TextEncoder, UnitEncoder
from hf_slm.scoring.lm import LoadedLM, prefix_ids
from hf_slm.units.tokenizer import build_unit_tokenizer
from tests.helpers.scoring import K, tiny_llama

WORDS = "the cat dog sat ran on a mat home . it was happy sad".split()


def text_tokenizer(adds_bos=False):
    """A word-level text tokenizer built on the spot (GPT-2-like: EOS only, no BOS added)."""
    from tokenizers import Tokenizer, processors
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(WORDS)}
    vocab.update({"<unk>": len(vocab), "<|endoftext|>": len(vocab) + 1, "<s>": len(vocab) + 2})
    core = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = WhitespaceSplit()
    if adds_bos:
        core.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", vocab["<s>"])])
    return PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|endoftext|>", unk_token="<unk>",
                                   bos_token="<s>" if adds_bos else None)


def test_prefix_auto_matches_training():
    units = build_unit_tokenizer(K)
    assert prefix_ids(units, "auto") == [units.eos_token_id]  # training separates documents by EOS
    assert prefix_ids(units, "bos") == [units.bos_token_id]
    assert prefix_ids(units, "none") == []
    llama_like = text_tokenizer(adds_bos=True)
    assert prefix_ids(llama_like, "auto") == [llama_like.bos_token_id]
    from hf_slm.errors import ConfigError
    with pytest.raises(ConfigError):
        prefix_ids(text_tokenizer(), "bos")


def test_unit_encoder_uses_the_tokenizer_vocabulary():
    enc = UnitEncoder(build_unit_tokenizer(K))
    assert enc([0, 5, K - 1]) == (0, 5, K - 1)
    with pytest.raises(ValueError):
        enc([K])


def test_text_encoder_puts_the_space_on_the_ending():
    tok = text_tokenizer()
    ctx, cont = TextEncoder(tok).pair("the cat sat .", "it was happy")
    assert list(ctx) == tok("the cat sat .", add_special_tokens=False)["input_ids"]
    assert list(cont) == tok("it was happy", add_special_tokens=False)["input_ids"]


def test_text_pairs_score_like_a_hand_computation():
    tok = text_tokenizer()
    model = tiny_llama(vocab_size=len(tok), seed=2)
    lm = LoadedLM(model=model, tokenizer=tok, device=torch.device("cpu"))
    prompts = ["the cat sat on a mat .", "the dog ran home ."]
    pos, neg = ["it was happy", "it was happy"], ["it was sad", "the mat sat"]
    for share, span in [(True, "ending"), (False, "ending"), (True, "whole"), (False, "whole")]:
        scores = score_pairs(lm, prompts, pos, neg, EvalOptions(modality="text", share_prompt=share,
                                                                cloze_span=span))
        eos = tok.eos_token_id
        for p, e, s in zip(prompts, pos, scores.positive):
            ids = [eos] + tok(p + " " + e, add_special_tokens=False)["input_ids"]
            # whole story: every token after the start token; ending: the ending's tokens only
            n_ctx = 1 if span == "whole" else 1 + len(tok(p, add_special_tokens=False)["input_ids"])
            with torch.no_grad():
                logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].double(), -1)
            hand = -sum(float(logp[i - 1, ids[i]]) for i in range(n_ctx, len(ids)))
            assert s.n == len(ids) - n_ctx and s.sum_nll == pytest.approx(hand, abs=1e-4)
        lp, ln = scores.logliks("sum")
        assert lp[0] == pytest.approx(-scores.positive[0].sum_nll)
