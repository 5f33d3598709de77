"""hf-slm: the scaling study of speech language models on the Hugging Face stack."""

__version__ = "0.1.0"
