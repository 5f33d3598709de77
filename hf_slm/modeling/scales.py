"""The paper's model scales (Cuervo & Marxer 2024, Table 1) and tiny CPU scales, as plain data."""

from __future__ import annotations

from dataclasses import dataclass

from hf_slm.errors import ConfigError


@dataclass(frozen=True)
class Scale:
    name: str
    layers: int
    dim: int
    heads: int
    batch_sequences: int  # sequences per optimizer update (paper Table 1)
    tokens_per_update: int  # the paper's figure, batch_sequences × context after packing

    @property
    def intermediate_size(self) -> int:
        # Llama's SwiGLU width: 2/3 of 4·dim, rounded up to a multiple of 256 (64 for tiny dims),
        # which makes 12·layers·dim² the non-embedding count and the paper's scale names exact.
        multiple = 256 if self.dim >= 256 else 16
        width = int(8 * self.dim / 3)
        return multiple * ((width + multiple - 1) // multiple)


PAPER_SCALES: dict[str, Scale] = {
    "20M": Scale("20M", 6, 512, 8, 64, 131200),
    "85M": Scale("85M", 12, 768, 12, 128, 262400),
    "155M": Scale("155M", 12, 1024, 16, 256, 524800),
    "309M": Scale("309M", 24, 1024, 16, 256, 516600),
    "823M": Scale("823M", 16, 2048, 32, 512, 934800),
}

# Tiny scales for CPU (about 0.1M to 5M non-embedding parameters); batch sizes are per update.
TINY_SCALES: dict[str, Scale] = {
    "tiny-50k": Scale("tiny-50k", 2, 48, 4, 16, 0),
    "tiny-100k": Scale("tiny-100k", 2, 64, 4, 16, 0),
    "tiny-250k": Scale("tiny-250k", 3, 80, 4, 16, 0),
    "tiny-500k": Scale("tiny-500k", 4, 104, 4, 16, 0),
    "tiny-1m": Scale("tiny-1m", 4, 144, 4, 16, 0),
    "tiny-2m": Scale("tiny-2m", 6, 160, 4, 16, 0),
    "tiny-5m": Scale("tiny-5m", 8, 224, 8, 16, 0),
}

SCALES: dict[str, Scale] = {**PAPER_SCALES, **TINY_SCALES}


def get_scale(name: str, field: str = "--scale") -> Scale:
    if name not in SCALES:
        raise ConfigError(field, f"unknown scale {name!r}; known: {', '.join(SCALES)}")
    return SCALES[name]
