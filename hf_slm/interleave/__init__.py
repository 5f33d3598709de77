"""Interleaved speech-text SLMs (SIMS): text-LM initialisation, interleaved data, cross-modal scoring."""
