"""Counts and FLOPs against a hand computation; the budget; the learning-rate schedule."""

import math

import pytest
import torch

from hf_slm.errors import ConfigError
from hf_slm.modeling import counts_for_scale, get_scale, llama_config_for
from hf_slm.training.arguments import RecipeArguments, parse_train_args
from hf_slm.training.budget import plan_budget, warmup_steps
from hf_slm.training.recipe import derive_training_values


def test_20m_counts_by_hand_and_by_the_real_model():
    # 20M: 6 layers, dim 512, SwiGLU width 1536, vocab 503 (K=500 + eos, pad, bos), context 2050.
    per_layer = 4 * 512 * 512 + 3 * 512 * 1536 + 2 * 512
    n = 6 * per_layer + 512
    assert n == 20_453_888
    c = counts_for_scale(get_scale("20M"), 503, 2050)
    assert c.n_params == n
    assert c.n_params_total == n + 2 * 503 * 512
    assert c.flops_per_token_6n == 6 * n
    assert c.flops_per_token_attn == 6 * (n + 503 * 512) + 12 * 6 * 512 * 2050
    from transformers import LlamaForCausalLM

    with torch.device("meta"):
        model = LlamaForCausalLM(llama_config_for(get_scale("20M"), 503, 2050))
    assert sum(p.numel() for p in model.parameters()) == c.n_params_total


def test_budget_from_ratio_and_epochs():
    b = plan_budget(n_params=20_453_888, context=2050, global_batch=64, ratio=20, epochs=4)
    assert b.tokens_per_update == 131_200  # the paper's Table 1 figure for 20M
    assert b.max_steps == (20 * 20_453_888) // 131_200
    assert b.tokens == b.max_steps * 131_200
    assert b.pool_windows == math.ceil(b.max_steps * 64 / 4)
    assert b.unique_tokens == b.pool_windows * 2050
    assert b.epochs == pytest.approx(b.tokens / b.unique_tokens)


def test_budget_smaller_than_one_update_is_a_config_error():
    with pytest.raises(ConfigError, match="less than one update"):
        plan_budget(n_params=1000, context=128, global_batch=16, tokens=1000)
    with pytest.raises(ConfigError):
        plan_budget(n_params=1000, context=128, global_batch=16)


def test_schedule_warms_up_then_ends_at_min_lr():
    from transformers import get_scheduler

    args = parse_train_args(["--output_dir", "x"])
    b = plan_budget(n_params=10_000, context=128, global_batch=16, tokens=16 * 128 * 20_000)
    v = derive_training_values(args.train, args.recipe, b, world=1)
    assert v["max_steps"] == 20_000 and v["warmup_steps"] == 200  # 1% beats 100
    assert warmup_steps(500) == 100 and warmup_steps(5, 0) == 1
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=v["learning_rate"])
    sched = get_scheduler(v["lr_scheduler_type"], opt, num_warmup_steps=v["warmup_steps"],
                          num_training_steps=v["max_steps"], scheduler_specific_kwargs=v["lr_scheduler_kwargs"])
    lrs = []
    for _ in range(v["max_steps"] + 1):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] == 0 and lrs[100] == pytest.approx(2.5e-4)
    assert lrs[200] == pytest.approx(5e-4) and max(lrs) == pytest.approx(5e-4)
    assert lrs[-1] == pytest.approx(5e-5) and lrs[-2] > 5e-5
    assert v["weight_decay"] == 0.1 and v["max_grad_norm"] == 1.0


def test_global_batch_becomes_gradient_accumulation():
    args = parse_train_args(["--output_dir", "x", "--per_device_train_batch_size", "8"])
    b = plan_budget(n_params=1, context=2050, global_batch=64, tokens=131_200 * 3)
    assert derive_training_values(args.train, RecipeArguments(), b, world=2)["gradient_accumulation_steps"] == 4
    with pytest.raises(ConfigError, match="per_device_train_batch_size"):
        derive_training_values({**args.train, "per_device_train_batch_size": 6}, RecipeArguments(), b, world=1)


def test_yaml_file_and_flags(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("scale: 20M\nbudget_ratio: 8\noutput_dir: out\nlearning_rate: 0.001\ntorch_compile: true\n")
    args = parse_train_args([str(cfg), "--learning_rate", "0.002", "--local_rank", "0"])
    assert args.model.scale == "20M" and args.data.budget_ratio == 8
    assert args.train["learning_rate"] == 0.002 and args.train["torch_compile"] is True
    with pytest.raises(ConfigError):
        parse_train_args(["--no_such_flag", "1"])
