"""Import the TWIST / textlesslib k-means codebook (a scikit-learn pickle) into safetensors.

`mhubert_base_25hz_cp_mls_cv_sp_fisher_L11_km500.bin` is a joblib/pickle dump of a fitted
KMeans; unpickling runs arbitrary code, so it happens only when the caller passes
`trust_pickle=True` (`--trust-pickle`), and the result is converted to a safetensors codebook.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hf_slm.errors import ConfigError
from hf_slm.units.encoders_hubert import PAPER_LAYER, PAPER_MODEL
from hf_slm.units.quantizer import Codebook, file_sha256

TWIST_ENCODER = {"name": "hubert", "id": PAPER_MODEL, "layer": PAPER_LAYER, "sample_rate": 16000,
                 "frame_rate": 25.0}


def import_pickled_codebook(path: str | Path, out: str | Path, trust_pickle: bool = False,
                            encoder: dict | None = None) -> Codebook:
    """Read a pickled k-means model's `cluster_centers_` and save it as a safetensors codebook."""
    path = Path(path)
    if not trust_pickle:
        raise ConfigError("--trust-pickle", f"refusing to unpickle {path.name}: unpickling runs arbitrary "
                                            "code; pass --trust-pickle only for a file you trust")
    if not path.is_file():
        raise ConfigError("codebook", f"{path} is not a file")
    import joblib  # ships with scikit-learn; reads both joblib dumps and plain pickles

    try:
        model = joblib.load(path)
    except Exception as e:  # a pickle can fail in any way; report it as a bad input file
        raise ConfigError("codebook", f"cannot unpickle {path} ({type(e).__name__}: {e})") from None
    centers = getattr(model, "cluster_centers_", None)
    if centers is None:
        raise ConfigError("codebook", f"{path} holds a {type(model).__name__}, not a fitted k-means model")
    cb = Codebook(np.asarray(centers, dtype=np.float32), dict(encoder or TWIST_ENCODER),
                  {"imported_from": path.name, "source_sha256": file_sha256(path)})
    cb.save(out)
    return cb
