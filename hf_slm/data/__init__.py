"""Training data: token stores (a split as one memory-mapped file), packing into windows, the token-LM builder.

Which builder a run uses is its mode's choice (hf_slm.modes).
"""
