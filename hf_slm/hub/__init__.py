"""Publishing to the Hugging Face Hub: cards, repo folders, upload.

- `hf_slm.hub.publish.publish(runs_dir, laws_dir, out, datasets=..., metrics=..., push_to=None)`:
  lay out HUBDIR (models/<name>, datasets/<name>, laws, metrics/<name>) and optionally push.
- `model_card` / `dataset_card` / `laws_card`: one card each, as huggingface_hub card objects.
- `model_index`: the model-index rows of a run's scores, from run.json (the eval CLI refreshes a
  checkpoint's README with it after scoring).
Nothing is imported here, so `import hf_slm.hub.model_index` stays light.
"""
