"""Speech encoders behind one small interface: waveforms in, frame features out.

Every encoder has `sample_rate` (Hz of the waveforms it takes), `frame_rate` (feature frames per
second), `min_samples` (shortest input giving one frame), `info()` (a JSON-able description that
codebooks store and that `build_encoder(**info)` turns back into the same encoder) and
`encode(waveforms) -> list[np.ndarray [frames, dim]]`, one array per waveform, independent of what
else is in the batch.

- "mel": offline log-mel/MFCC frames (no weights; the embedded default and the tests);
- "hubert": a transformers HubertModel (Hub id or local folder) at a given layer.
"""

from __future__ import annotations

from hf_slm.units.encoders_hubert import HubertEncoder
from hf_slm.units.encoders_mel import MelEncoder

ENCODERS = {"mel": MelEncoder, "hubert": HubertEncoder}


def build_encoder(name: str, **kwargs):
    """`build_encoder("mel")`, `build_encoder("hubert", model="slprl/mhubert-base-25hz", layer=11)`.

    Runtime options (device, dtype, batch_size) may be passed alongside an encoder's info().
    """
    from hf_slm.errors import ConfigError

    if name not in ENCODERS:
        raise ConfigError("--encoder", f"{name!r} is not one of {', '.join(ENCODERS)}")
    return ENCODERS[name](**kwargs)


def same_encoder(a: dict, b: dict) -> list[str]:
    """The info() fields on which two encoders differ (empty: interchangeable)."""
    keys = sorted(set(a) | set(b))
    return [k for k in keys if a.get(k) != b.get(k)]
