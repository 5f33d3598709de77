"""Speech units: audio → encoder frames → k-means units → Hub-shaped unit datasets.

The one obvious way in (textlesslib-style):

    from hf_slm.units import UnitPipeline
    pipe = UnitPipeline.from_codebook("codebook.safetensors")  # the encoder is rebuilt from the codebook
    units, durations = pipe.units(waveform, sample_rate)         # int16 units (deduplicated), int16 run lengths
    pairs = pipe.batch_units([w1, w2], [sr1, sr2])               # batched; results never depend on the batch
    units, durations, words = pipe.units_with_words(waveform, sr, [{"word": "hi", "start": 0.1, "end": 0.4}])

Modules (one job each):
- encoders (build_encoder("mel" | "hubert", ...)), encoders_mel, encoders_hubert: frame features;
- quantizer: Codebook (safetensors, encoder-checked), fit_kmeans; fit: codebooks from audio;
  twist: the TWIST/textlesslib pickle importer (only with trust_pickle=True);
- dedup: run-length dedup and word-time → unit-span mapping;
- sources, reader, shard_plan, extract, merge, card, publish: `hf-slm units extract|merge` (sharded,
  resumable; reader cuts long inputs into segments ID@START-END and decodes in DataLoader workers);
  slurm: `units extract --emit slurm` (an array over shards plus a merge job);
- unigram: SentencePiece unigram over units (`hf-slm units unigram`);
- benchmark: audio benchmarks (hf_slm.dataset_format.benchmark) → unit benchmarks;
- vocab, tokenizer, dataset: the unit vocabulary, tokenizer and unit dataset loader (the folder
  layout itself is hf_slm.dataset_format's).
"""


def __getattr__(name):  # lazy, so importing hf_slm.units stays cheap (no torch/transformers)
    if name == "UnitPipeline":
        from hf_slm.units.pipeline import UnitPipeline

        return UnitPipeline
    raise AttributeError(name)
