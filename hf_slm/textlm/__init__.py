"""The text side of the speech-vs-text comparison: a small text tokenizer and text token datasets."""
