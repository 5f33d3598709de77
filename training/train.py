#!/usr/bin/env python
"""Train one LlamaForCausalLM on a unit dataset (see hf_slm.training).

    python training/train.py --scale tiny-100k --dataset data/units --budget_ratio 20 \
        --context 128 --output_dir runs/tiny --min_warmup_steps 0
    accelerate launch --config_file training/configs/accelerate/multi_gpu.yaml training/train.py run.yaml
    accelerate launch --use_deepspeed --zero_stage 2 training/train.py ...
    torchrun --nproc_per_node 8 training/train.py ... --deepspeed training/configs/deepspeed/zero2.json
    deepspeed training/train.py --deepspeed training/configs/deepspeed/zero1.json ...

Every TrainingArguments flag works; a YAML/JSON file as first argument gives any of them.
"""

import sys

from hf_slm.training.entry import main

if __name__ == "__main__":
    sys.exit(main())
