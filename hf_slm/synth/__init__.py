"""Spoken data synthesis: TTS (eSpeak NG offline; VITS/Kokoro lazily), story text sources and a
seeded story generator, spoken story datasets, spoken benchmarks, official-release loaders.

Entry points: `build_stories.synth_stories(StoriesConfig(...))`,
`build_benchmarks.synth_benchmarks(BenchmarkConfig(...))`, `official.load_official(...)`,
`speak.synthesize(text, voice)` / `speak.synthesize_many([(text, voice)], workers=...)`.
Everything that uses multiprocessing (spawned zygotes) needs the usual
`if __name__ == "__main__":` guard in a script that calls it.
"""
