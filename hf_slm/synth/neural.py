"""Neural TTS for the paper setup, imported lazily: transformers VITS (facebook/mms-tts-eng) and
Kokoro (PyPI `kokoro`). Both need weights from the Hub: offline or not installed, they stop with
one ConfigError line. They are repeatable in-process (seeded), so FreshPool runs them in the
zygote without forking. Not exercised by the offline tests (no weights here).
"""

from __future__ import annotations

import numpy as np

from hf_slm.errors import ConfigError

VITS_DEFAULT = "facebook/mms-tts-eng"


def check(name: str, voices, load: bool = True) -> None:
    """The package is installed and (load=True) the weights load here, before any output."""
    module = {"vits": "transformers", "kokoro": "kokoro"}[name]
    try:
        __import__(module)
    except ImportError:
        raise ConfigError("--tts", f"{name} needs the `{module}` package "
                                   f"(pip install {'hf-slm[neural-tts]' if name == 'kokoro' else module})") from None
    if load:
        build(name, check_first=False)


class VitsTTS:
    name = "vits"
    needs_fresh_state = False

    def __init__(self, model: str = VITS_DEFAULT, seed: int = 0):
        try:
            from transformers import AutoTokenizer, VitsModel

            self.model = VitsModel.from_pretrained(model, trust_remote_code=False).eval()
            self.tokenizer = AutoTokenizer.from_pretrained(model, trust_remote_code=False)
        except Exception as e:  # offline, no weights
            raise ConfigError("--tts", f"cannot load VITS model {model!r} ({type(e).__name__}); "
                                       "go online once or use --tts espeak") from None
        self.seed = seed

    def warm_up(self) -> None:
        pass

    def synthesize(self, text: str, voice: str):
        import torch

        from hf_slm.synth.utterance import SAMPLE_RATE, Synthesis, resample

        torch.manual_seed(self.seed)  # VITS samples its durations and noise
        with torch.no_grad():
            wav = self.model(**self.tokenizer(text, return_tensors="pt")).waveform[0].numpy()
        out = resample(wav.astype(np.float32), int(self.model.config.sampling_rate), SAMPLE_RATE)
        return Synthesis(text, voice or "vits", out, SAMPLE_RATE, [])  # no word durations exposed


class KokoroTTS:
    name = "kokoro"
    needs_fresh_state = False

    def __init__(self, lang_code: str = "a"):
        try:
            from kokoro import KPipeline

            self.pipeline = KPipeline(lang_code=lang_code)
        except ImportError:
            raise ConfigError("--tts", "kokoro is not installed (pip install hf-slm[neural-tts])") from None
        except Exception as e:  # offline, no weights
            raise ConfigError("--tts", f"cannot load Kokoro ({type(e).__name__}); go online once "
                                       "or use --tts espeak") from None

    def warm_up(self) -> None:
        pass

    def synthesize(self, text: str, voice: str):
        from hf_slm.synth.utterance import SAMPLE_RATE, Synthesis, resample

        waves, words, offset = [], [], 0.0
        for result in self.pipeline(text, voice=voice or "af_heart"):
            audio = np.asarray(result.audio, dtype=np.float32)
            for tok in getattr(result, "tokens", None) or []:  # word timestamps when given
                if tok.start_ts is not None and tok.end_ts is not None and tok.text.strip(".,!?"):
                    words.append((tok.text, offset + tok.start_ts, offset + tok.end_ts))
            waves.append(audio)
            offset += len(audio) / 24000
        wav = resample(np.concatenate(waves) if waves else np.zeros(0, np.float32), 24000, SAMPLE_RATE)
        return Synthesis(text, voice, wav, SAMPLE_RATE, words)


def build(name: str, check_first: bool = True, **options):
    if check_first:
        check(name, [], load=False)
    return VitsTTS(**options) if name == "vits" else KokoroTTS(**options)
