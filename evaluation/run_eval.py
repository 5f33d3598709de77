"""Evaluate checkpoints on spoken benchmarks: the same as `hf-slm eval` (see --help).

    python evaluation/run_eval.py --model runs/tiny-1m --benchmarks data/bench [--dataset data/units]
    python evaluation/run_eval.py --runs runs/ --benchmarks data/bench [--protocol cm2024|sims|zerospeech]
"""

import sys

from hf_slm.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["eval", *sys.argv[1:]]))
