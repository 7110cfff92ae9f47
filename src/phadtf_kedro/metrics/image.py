"""Image fidelity figures: PSNR over a set of pixels (the face mask) and over whole images."""

from __future__ import annotations

import numpy as np


def masked_psnr(predicted: np.ndarray, target: np.ndarray, peak: float = 1.0) -> float:
    """PSNR (dB) between two equally shaped sets of pixel values (e.g. the (N, 3) pixels inside a face mask)."""
    mse = float(np.mean((np.asarray(predicted, np.float64) - np.asarray(target, np.float64)) ** 2))
    return float("inf") if mse == 0.0 else 10.0 * np.log10(peak * peak / mse)
