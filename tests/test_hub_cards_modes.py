"""Model cards per mode say what the checkpoint's tokenizer says, and their usage snippet runs as written."""

import contextlib
import io
import json
import re

import pytest

from tests.helpers.publish_inputs import K, make_mode_checkpoint

REPO_ID = "acme/model"
MODES = [("speech", "units"), ("speech", "unigram"), ("text", "text"), ("interleaved", "units")]


def snippet_of(card_text: str) -> str:
    """The Python block under "## How to use" (what a user copies)."""
    section = card_text.split("## How to use", 1)[1]
    m = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert m, "the card has no usage snippet"
    return m.group(1)


def run_snippet(code: str, checkpoint) -> tuple[dict, str]:
    """Execute the snippet with the repo id pointing at the local checkpoint; its globals and stdout."""
    import torch

    assert json.dumps(REPO_ID) in code  # it loads the published repo by its id
    torch.manual_seed(0)
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.replace(json.dumps(REPO_ID), json.dumps(str(checkpoint))), "<card snippet>", "exec"),
             namespace)
    return namespace, out.getvalue()


@pytest.fixture(scope="module", params=MODES, ids=[f"{m}-{t}" for m, t in MODES])
def card(request, tmp_path_factory):
    from hf_slm.hub.model_card import model_card

    mode, tokenization = request.param
    folder = tmp_path_factory.mktemp(f"{mode}-{tokenization}") / "ckpt"
    record, tok = make_mode_checkpoint(folder, mode, tokenization)
    return mode, tokenization, folder, tok, model_card(record, repo_id=REPO_ID, checkpoint=folder)


def row(text: str, name: str) -> str:
    m = re.search(rf"^\| {name} \| (.*) \|$", text, flags=re.M)
    assert m, name
    return m.group(1)


def test_vocabulary_row_is_read_from_the_tokenizer(card):
    mode, tokenization, _, tok, c = card
    ids = {name: tok.convert_tokens_to_ids(name) for name in ("</s>", "<pad>", "<s>")}
    specials = ", ".join(f"`{n}` = {i}" for n, i in sorted(ids.items(), key=lambda kv: kv[1]))
    vocab = row(c.text, "Vocabulary")
    assert vocab.startswith(f"{len(tok)} tokens")
    if mode == "text":
        assert ids == {"</s>": 0, "<pad>": 1, "<s>": 2}  # BPE specials come first
        assert specials in vocab and "units" not in vocab
    elif mode == "speech":
        what = "unigram pieces over units" if tokenization == "unigram" else "units"
        assert vocab == f"{len(tok)} tokens ({K} {what}, ids 0–{K - 1}; {specials})"
    else:
        first = tok.convert_tokens_to_ids("<unit_0>")
        assert f"{K} units at ids {first}–{first + K - 1}" in vocab
        assert f"`<speech>` = {tok.convert_tokens_to_ids('<speech>')}" in vocab


def test_tags_and_words_belong_to_the_mode(card):
    mode, tokenization, _, _, c = card
    tags = set(c.data.tags)
    assert ("discrete-units" in tags) == (mode != "text")
    assert ("text-language-model" in tags) == (mode == "text")
    assert ("tokenization-unigram" in tags) == (tokenization == "unigram")
    if mode == "text":
        assert "speech units" not in c.text and "nats/unit" not in c.text
    else:
        assert "| Test loss (nats/unit) |" in c.text


def test_usage_snippet_runs_against_the_checkpoint(card):
    mode, _, folder, tok, c = card
    code = snippet_of(c.text)
    ns, printed = run_snippet(code, folder)
    assert printed.strip()
    new = ns["out"][0, ns["prompt"].shape[1]:].tolist()
    assert new  # it generated something
    if mode == "text":
        # nothing the model can emit is filtered as a "special": every real token is decoded
        assert printed.strip() == tok.decode(new, skip_special_tokens=True).strip()
        assert ns["prompt"][0, 0].item() == tok.eos_token_id and " t < " not in code
    elif mode == "speech":
        units = [t for t in new if t < K]  # the unit layout: ids 0..K-1 are units, K.. are specials
        assert printed.strip() == tok.decode(units).strip()
        assert all(tok.convert_ids_to_tokens(u).startswith("<unit_") for u in units)
    else:
        first = tok.convert_tokens_to_ids("<unit_0>")
        assert ns["units"] == [t - first for t in new if first <= t < first + K]
        assert ns["prompt"][0, 0].item() == tok.convert_tokens_to_ids("<speech>")
