"""The quantizer: k-means centroids over encoder frames, stored as safetensors.

A codebook file holds one tensor `centroids` [K, dim] (float32) and string metadata:
`hf_slm.format` = "codebook/1", `hf_slm.k`, and `hf_slm.encoder` (the encoder's info() as JSON:
name, id, layer, sample_rate, frame_rate, ...). Units from a codebook only mean something with the
encoder it was fitted on, so `Codebook.check_encoder` refuses any other (by info(), not by path).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hf_slm.atomic import atomic_path
from hf_slm.errors import ConfigError

FORMAT = "codebook/1"


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Codebook:
    centroids: np.ndarray  # [K, dim] float32
    encoder: dict  # the fitting encoder's info()
    extra: dict = field(default_factory=dict)  # provenance: seed, frames used, source...

    def __post_init__(self):
        self.centroids = np.ascontiguousarray(self.centroids, dtype=np.float32)
        self._sq = (self.centroids.astype(np.float64) ** 2).sum(1).astype(np.float32)

    @property
    def k(self) -> int:
        return int(self.centroids.shape[0])

    @property
    def dim(self) -> int:
        return int(self.centroids.shape[1])

    def content_sha256(self) -> str:
        """Checksum of what the codebook is (centroids, encoder, provenance), not of its file:
        safetensors writes its metadata in hash-map order, so identical codebooks can differ
        byte for byte on disk."""
        h = hashlib.sha256()
        h.update(json.dumps({"shape": list(self.centroids.shape), "encoder": self.encoder,
                             "extra": self.extra}, sort_keys=True).encode())
        h.update(self.centroids.tobytes())
        return h.hexdigest()

    def predict(self, frames: np.ndarray, chunk: int = 65536) -> np.ndarray:
        """Nearest centroid per frame (int16 when K fits), chunked so memory stays flat."""
        frames = np.asarray(frames, dtype=np.float32)
        if frames.ndim != 2 or frames.shape[1] != self.dim:
            raise ValueError(f"frames of shape {frames.shape} do not match codebook dim {self.dim}")
        out = np.empty(frames.shape[0], dtype=np.int16 if self.k <= 32767 else np.int32)
        for s in range(0, frames.shape[0], chunk):
            x = frames[s: s + chunk]
            # ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2; ||x||^2 is constant per row.
            out[s: s + chunk] = np.argmin(self._sq[None, :] - 2.0 * (x @ self.centroids.T), axis=1)
        return out

    def check_encoder(self, encoder_info: dict, field_name: str = "--codebook") -> None:
        """Raise ConfigError unless `encoder_info` is the encoder this codebook was fitted on."""
        from hf_slm.units.encoders import same_encoder

        diff = same_encoder(self.encoder, encoder_info)
        if diff:
            want = ", ".join(f"{k}={self.encoder.get(k)!r}" for k in diff)
            got = ", ".join(f"{k}={encoder_info.get(k)!r}" for k in diff)
            raise ConfigError(field_name, f"codebook was fitted on encoder {want} but this encoder has {got}; "
                                          "use the matching encoder or fit a new codebook")

    def save(self, path: str | Path) -> Path:
        from safetensors.numpy import save_file

        meta = {"hf_slm.format": FORMAT, "hf_slm.k": str(self.k),
                "hf_slm.encoder": json.dumps(self.encoder, sort_keys=True),
                "hf_slm.extra": json.dumps(self.extra, sort_keys=True)}
        path = Path(path)
        with atomic_path(path) as tmp:
            save_file({"centroids": self.centroids}, str(tmp), metadata=meta)
        return path

    @classmethod
    def load(cls, path: str | Path, field_name: str = "--codebook") -> "Codebook":
        from safetensors import SafetensorError, safe_open

        path = Path(path)
        if not path.is_file():
            raise ConfigError(field_name, f"{path} is not a file")
        try:
            with safe_open(str(path), framework="numpy") as f:
                meta = f.metadata() or {}
                centroids = f.get_tensor("centroids")
        except (SafetensorError, OSError, KeyError, ValueError) as e:
            raise ConfigError(field_name, f"{path} is not a hf-slm safetensors codebook ({e}); "
                                          "import pickles with `hf-slm units import-codebook`") from None
        if meta.get("hf_slm.format") != FORMAT:
            raise ConfigError(field_name, f"{path} lacks hf_slm.format={FORMAT} metadata")
        return cls(centroids, json.loads(meta["hf_slm.encoder"]), json.loads(meta.get("hf_slm.extra", "{}")))


def fit_kmeans(frames: np.ndarray, k: int, encoder_info: dict, seed: int = 0,
               batch_size: int = 4096, max_iter: int = 100, extra: dict | None = None) -> Codebook:
    """MiniBatchKMeans (scikit-learn) over sampled frames [N, dim] → Codebook; deterministic per seed."""
    from sklearn.cluster import MiniBatchKMeans

    frames = np.asarray(frames, dtype=np.float32)
    if frames.shape[0] < k:
        raise ConfigError("--k", f"{k} clusters need at least {k} frames, got {frames.shape[0]}; "
                                 "give more audio or a smaller --k")
    km = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=batch_size, max_iter=max_iter,
                         n_init=3, reassignment_ratio=0.01)
    km.fit(frames)
    info = {"seed": seed, "frames": int(frames.shape[0]), "inertia": float(km.inertia_), **(extra or {})}
    return Codebook(km.cluster_centers_, encoder_info, info)
