"""Audio as a value: float32 mono samples with their sample rate, and conversion of any input to 16 kHz mono."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Audio:
    samples: np.ndarray  # (N,) float32 in [-1, 1]
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)
