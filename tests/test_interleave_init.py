"""Text-LM initialisation: vocabulary extension, pad choice, seeded new rows, TWIST."""

import pytest
import torch

from hf_slm.errors import ConfigError
from hf_slm.interleave.init import (DEFAULT_BASE_MODEL, extend_text_lm, load_base_model, param_counts,
                                    twist_init)
from hf_slm.interleave.layout import layout_from_tokenizer
from hf_slm.units import vocab
from tests.helpers.interleave_fixtures import save_text_lm, sentences, text_tokenizer, tiny_model

K = 20


@pytest.mark.parametrize("kind", ["llama", "qwen"])
def test_extension_keeps_text_ids_and_text_logits(kind):
    tok = text_tokenizer(kind)
    model = tiny_model(len(tok), kind)
    text_vocab, texts = len(tok), sentences(6, seed=5)
    ids_before = tok(texts)["input_ids"]
    batch = torch.tensor([ids[:8] for ids in ids_before])
    with torch.no_grad():
        logits_before = model(batch).logits[..., :text_vocab].clone()
    n_before = param_counts(model)["n_params"]

    layout = extend_text_lm(model, tok, K, seed=1)

    assert tok(texts)["input_ids"] == ids_before  # every text id unchanged
    with torch.no_grad():
        logits_after = model(batch).logits
    assert torch.equal(logits_after[..., :text_vocab], logits_before)  # bit-identical on text
    assert layout.unit_offset == text_vocab and layout.text_vocab == text_vocab
    assert layout.unit_ids([0, K - 1]) == [text_vocab, text_vocab + K - 1]
    assert tok.convert_ids_to_tokens(layout.unit_ids([3]))[0] == vocab.unit_token(3)
    assert (layout.speech_id, layout.text_id) == (text_vocab + K, text_vocab + K + 1)
    assert model.get_input_embeddings().weight.shape[0] >= len(tok)
    assert model.get_output_embeddings().weight.shape[0] == model.get_input_embeddings().weight.shape[0]
    assert param_counts(model)["n_params"] == n_before  # vocabulary extension adds only embeddings
    with pytest.raises(ValueError):
        layout.unit_ids([K])


@pytest.mark.parametrize("kind", ["llama", "qwen"])
def test_pad_is_a_fresh_token_never_eos_bos_unit_or_marker(kind):
    tok = text_tokenizer(kind)
    model = tiny_model(len(tok), kind)
    eos_before = tok.eos_token_id
    layout = extend_text_lm(model, tok, K)
    assert layout.eos_id == eos_before
    assert layout.pad_id not in (tok.eos_token_id, tok.bos_token_id)
    assert not layout.is_unit(layout.pad_id) and not layout.is_marker(layout.pad_id)
    assert layout.pad_id >= layout.text_vocab  # not a real text token either
    assert model.config.pad_token_id == layout.pad_id and model.config.eos_token_id == layout.eos_id
    assert tok.decode([layout.pad_id]) == tok.pad_token


def test_a_pad_that_is_an_ordinary_word_is_replaced():
    tok = text_tokenizer("llama")
    word = tok.convert_ids_to_tokens(tok("the", add_special_tokens=False)["input_ids"])[0]
    tok.pad_token = word  # a real token as pad would be masked out of the loss wherever it occurs
    word_id = tok.pad_token_id
    layout = extend_text_lm(tiny_model(len(tok)), tok, K)
    assert layout.pad_id != word_id and layout.pad_id >= layout.text_vocab


def test_existing_distinct_pad_is_kept():
    tok = text_tokenizer("llama")
    tok.add_special_tokens({"pad_token": "<|mypad|>"})
    pad = tok.pad_token_id
    layout = extend_text_lm(tiny_model(len(tok)), tok, K)
    assert layout.pad_id == pad and layout.unit_offset == pad + 1


def test_new_rows_are_seeded_distinct_and_text_like():
    def rows(seed):
        tok = text_tokenizer("llama")
        model = tiny_model(len(tok))
        layout = extend_text_lm(model, tok, K, seed=seed)
        n = layout.text_vocab
        return model.get_input_embeddings().weight.detach(), model.get_output_embeddings().weight.detach(), n

    emb, head, n = rows(0)
    emb2, head2, _ = rows(0)
    emb3, _, _ = rows(1)
    assert torch.equal(emb, emb2) and torch.equal(head, head2)
    assert not torch.equal(emb[n:], emb3[n:])
    new = emb[n:n + K]
    assert torch.cdist(new, new).add(torch.eye(K) * 1e9).min() > 1e-3  # units are distinguishable
    scale_old, scale_new = emb[:n].norm(dim=1).mean(), new.norm(dim=1).mean()
    assert 0.5 < float(scale_new / scale_old) < 2.0  # drawn at the text rows' scale, not 0 or noise


def test_saved_checkpoint_reopens_with_same_layout(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = text_tokenizer("qwen")
    model = tiny_model(len(tok), "qwen")
    layout = extend_text_lm(model, tok, K)
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    tok2 = AutoTokenizer.from_pretrained(tmp_path)
    assert layout_from_tokenizer(tok2) == layout
    model2 = AutoModelForCausalLM.from_pretrained(tmp_path)
    assert model2.config.pad_token_id == layout.pad_id
    assert torch.equal(model2.get_input_embeddings().weight, model.get_input_embeddings().weight)


def test_marker_name_clash_is_a_config_error():
    tok = text_tokenizer("llama")
    tok.add_tokens(["<speech>"])
    with pytest.raises(ConfigError):
        extend_text_lm(tiny_model(len(tok)), tok, K)


def test_twist_keeps_transformer_with_unit_vocabulary():
    tok = text_tokenizer("llama")
    model = tiny_model(len(tok))
    layer = model.model.layers[0].self_attn.q_proj.weight.clone()
    unit_tok = twist_init(model, K, seed=0, text_vocab=len(tok))
    assert model.get_input_embeddings().weight.shape[0] == vocab.vocab_size(K)
    assert model.get_output_embeddings().weight.shape[0] == vocab.vocab_size(K)
    assert model.config.vocab_size == vocab.vocab_size(K)
    assert (model.config.eos_token_id, model.config.pad_token_id) == (vocab.eos_id(K), vocab.pad_id(K))
    assert unit_tok.convert_tokens_to_ids(vocab.unit_token(5)) == 5 and len(unit_tok) == vocab.vocab_size(K)
    assert torch.equal(model.model.layers[0].self_attn.q_proj.weight, layer)
    out = model(torch.tensor([[0, 1, K - 1, vocab.eos_id(K)]])).logits
    assert out.shape[-1] == vocab.vocab_size(K) and torch.isfinite(out).all()


def test_base_model_from_folder_and_offline_paper_default(tmp_path):
    save_text_lm(tmp_path / "lm", "qwen")
    model, tok = load_base_model(str(tmp_path / "lm"))
    assert tok.is_fast and model.config.vocab_size >= len(tok)
    with pytest.raises(ConfigError, match="--base-model"):
        load_base_model(DEFAULT_BASE_MODEL)


def test_draws_have_the_rows_mean_and_covariance():
    from hf_slm.interleave.init import draw_like

    g = torch.Generator().manual_seed(0)
    rows = torch.randn(40, 3, generator=g) @ torch.tensor([[2.0, 0.0, 0.0], [1.0, 0.5, 0.0], [0.0, 0.0, 0.1]]) + 3.0
    draws = draw_like(rows, 40_000, torch.Generator().manual_seed(1)).double()
    assert torch.allclose(draws.mean(0), rows.double().mean(0), atol=0.05)
    assert torch.allclose(torch.cov(draws.T), torch.cov(rows.double().T), rtol=0.05, atol=0.01)
