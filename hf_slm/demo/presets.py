"""Demo presets: how much audio, which grid, how many benchmark items. Plain data, one per size.

`micro` is what the test suite runs end to end (about 3 minutes on 2 cores); `tiny` is the
README's main job (at most 15 minutes on 2 cores); `small` is for a laptop with time to spare;
`paper` trains nothing and plans the paper's grid (hf_slm.demo.paper).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hf_slm.demo.workers import default_workers
from hf_slm.errors import ConfigError


@dataclass(frozen=True)
class Preset:
    name: str
    train_hours: float  # hours of spoken training stories (two voices)
    test_stories: int  # held-out stories for the test split (test loss)
    k: int  # k-means units
    scales: tuple[str, ...]  # model sizes of the grid (tiny scales, hf_slm.modeling)
    budgets: tuple[int, ...]  # tokens D per run (single epoch when D <= the training pool)
    multi_epoch: tuple[tuple[str, int, float], ...]  # (scale, D, epochs): runs on a repeated pool
    context: int = 256
    global_batch: int = 16
    pairs_per_phenomenon: int = 20
    cloze_questions: int = 60
    wuggy_items: int = 40
    text_vocab: int = 512
    bootstrap: int = 200
    workers: int = field(default_factory=default_workers)  # processes for synthesis, training, evaluation
    curve_points: int = 6
    extras: dict = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    "micro": Preset(
        name="micro", train_hours=0.25, test_stories=12, k=50,
        scales=("tiny-50k", "tiny-100k", "tiny-250k"),
        budgets=(8_000, 16_000, 30_000),
        multi_epoch=(("tiny-250k", 30_000, 4.0),),
        context=128, pairs_per_phenomenon=4, cloze_questions=12, wuggy_items=10,
        text_vocab=512, bootstrap=50, curve_points=4,
    ),
    "tiny": Preset(
        name="tiny", train_hours=6.0, test_stories=60, k=100,
        scales=("tiny-50k", "tiny-250k", "tiny-1m"),
        budgets=(100_000, 200_000, 400_000),
        multi_epoch=(("tiny-250k", 800_000, 4.0),),
        context=256, pairs_per_phenomenon=30, cloze_questions=100, wuggy_items=60, curve_points=4,
        text_vocab=1024, bootstrap=500,
    ),
    "small": Preset(
        name="small", train_hours=20.0, test_stories=200, k=200,
        scales=("tiny-100k", "tiny-500k", "tiny-2m", "tiny-5m"),
        budgets=(1_000_000, 2_000_000, 4_000_000),
        multi_epoch=(("tiny-500k", 4_000_000, 4.0), ("tiny-2m", 4_000_000, 4.0)),
        context=512, pairs_per_phenomenon=100, cloze_questions=400, wuggy_items=200,
        text_vocab=2048, bootstrap=1000,
    ),
}

PRESET_NAMES = (*PRESETS, "paper")


def get_preset(name: str) -> Preset:
    if name not in PRESETS:
        raise ConfigError("--preset", f"{name!r} is not one of {', '.join(PRESET_NAMES)}")
    return PRESETS[name]
