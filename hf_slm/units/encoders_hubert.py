"""The `hubert` encoder: transformers HubertModel features at one layer, batched without leakage.

Batching is exact (a file's features never depend on its batch):
- the conv feature extractor of HuBERT-base configs (feat_extract_norm="group") normalises each
  channel over the whole time axis, so zero padding would change the statistics; those convs run
  on each waveform alone (or on a group of equal-length waveforms). Configs with
  feat_extract_norm="layer" normalise per frame, so they run padded and are cropped to each
  waveform's own frame count (valid convolutions never see the padding);
- the transformer runs padded and length-sorted with the frame attention mask, which also zeroes
  padded frames before the positional convolution.
Only the first `layer` transformer layers run; the features are that layer's output. A forward
pass holds at most `batch_size` waveforms and `batch_seconds` of padded audio (long segments).
"""

from __future__ import annotations

import numpy as np

from hf_slm.errors import ConfigError

PAPER_MODEL, PAPER_LAYER = "slprl/mhubert-base-25hz", 11


def _load_model(model, field: str = "--encoder-model"):
    from transformers import HubertModel

    if not isinstance(model, str):
        return model
    try:
        return HubertModel.from_pretrained(model, trust_remote_code=False)
    except (OSError, ValueError, EnvironmentError) as e:
        first = str(e).strip().splitlines()[0][:160] if str(e).strip() else type(e).__name__
        raise ConfigError(field, f"cannot load HuBERT {model!r} ({first}); pass a local model folder "
                                 "or go online") from None


class HubertEncoder:
    name = "hubert"

    def __init__(self, model=PAPER_MODEL, layer: int = PAPER_LAYER, sample_rate: int = 16000,
                 device=None, dtype=None, batch_size: int = 16, normalize: bool = False, id=None,
                 frame_rate=None, batch_seconds: float = 320.0, **_ignored):
        import torch

        self.model_id = id if id is not None else (model if isinstance(model, str) else
                                                  getattr(model, "name_or_path", "") or "hubert")
        net = _load_model(model)
        n_layers = net.config.num_hidden_layers
        if not 1 <= int(layer) <= n_layers:
            raise ConfigError("--layer", f"{layer} is not in 1..{n_layers} for {self.model_id}")
        self.layer = int(layer)
        if not net.config.do_stable_layer_norm:  # otherwise the final norm belongs to the last layer
            net.encoder.layers = net.encoder.layers[: self.layer]
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if dtype is None:
            dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
        self.dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
        self.model = net.to(self.device, self.dtype).eval()
        self.config = net.config
        self.sample_rate = int(sample_rate)
        self.stride = int(np.prod(net.config.conv_stride))
        self.receptive = 1 + sum((k - 1) * int(np.prod(net.config.conv_stride[:i]))
                                 for i, k in enumerate(net.config.conv_kernel))
        self.frame_rate = self.sample_rate / self.stride
        self.min_samples = self.receptive
        self.batch_size, self.normalize = int(batch_size), bool(normalize)
        self.batch_samples = int(batch_seconds * self.sample_rate)  # padded audio per forward pass
        self._group_norm = net.config.feat_extract_norm == "group"

    def info(self) -> dict:
        return {"name": self.name, "id": self.model_id, "layer": self.layer,
                "sample_rate": self.sample_rate, "frame_rate": self.frame_rate}

    @property
    def dim(self) -> int:
        return int(self.config.hidden_size)

    def num_frames(self, n_samples: int) -> int:
        return 0 if n_samples < self.receptive else (n_samples - self.receptive) // self.stride + 1

    def _conv(self, waves):
        """Conv features [T_i, C] per waveform, computed so that padding never leaks."""
        import torch

        fe = self.model.feature_extractor
        if self._group_norm:
            out, by_len = [None] * len(waves), {}
            for i, w in enumerate(waves):
                by_len.setdefault(w.numel(), []).append(i)
            for idx in by_len.values():
                feats = fe(torch.stack([waves[i] for i in idx])).transpose(1, 2)
                for j, i in enumerate(idx):
                    out[i] = feats[j]
            return out
        padded = torch.nn.utils.rnn.pad_sequence(waves, batch_first=True)
        feats = fe(padded).transpose(1, 2)
        return [feats[i, : self.num_frames(w.numel())] for i, w in enumerate(waves)]

    def _batch(self, waves) -> list[np.ndarray]:
        import torch

        with torch.inference_mode():
            xs = [torch.as_tensor(w, dtype=torch.float32) for w in waves]
            if self.normalize:  # Wav2Vec2FeatureExtractor(do_normalize=True); the paper's models use none
                xs = [(x - x.mean()) / torch.sqrt(x.var(unbiased=False) + 1e-7) for x in xs]
            xs = [x.to(self.device, self.dtype) for x in xs]
            conv = self._conv(xs)
            lengths = [c.shape[0] for c in conv]
            padded = torch.nn.utils.rnn.pad_sequence(conv, batch_first=True)
            mask = torch.arange(padded.shape[1], device=self.device)[None, :] < torch.tensor(
                lengths, device=self.device)[:, None]
            hidden = self.model.feature_projection(padded)
            hidden = self.model.encoder(hidden, attention_mask=mask).last_hidden_state
            hidden = hidden.float().cpu().numpy()
        return [hidden[i, :n] for i, n in enumerate(lengths)]

    def encode(self, waveforms) -> list[np.ndarray]:
        """Features [frames, hidden] per waveform; inputs shorter than the receptive field give 0 frames."""
        out: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(waveforms)
        order = sorted((i for i, w in enumerate(waveforms) if len(w) >= self.receptive),
                       key=lambda i: len(waveforms[i]), reverse=True)
        for idx in self._batches(order, waveforms):
            for i, feats in zip(idx, self._batch([waveforms[i] for i in idx])):
                out[i] = feats
        return out

    def _batches(self, order, waveforms):
        """Longest first, at most batch_size waveforms and batch_samples padded samples (always >= 1)."""
        batch: list[int] = []
        for i in order:
            if batch and (len(batch) >= self.batch_size or
                          (len(batch) + 1) * len(waveforms[batch[0]]) > self.batch_samples):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch
