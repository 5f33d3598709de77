#!/usr/bin/env python
"""`python training/sweep.py CONFIG [--emit accelerate|slurm]`: the same as `hf-slm sweep`."""

import sys

from hf_slm.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["sweep", *sys.argv[1:]]))
