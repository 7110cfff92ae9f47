"""Image fidelity figures: PSNR over a set of pixels (the face mask) and over whole images."""

from __future__ import annotations

import numpy as np


def masked_psnr(predicted: np.ndarray, target: np.ndarray, peak: float = 1.0) -> float:
    """PSNR (dB) between two equally shaped sets of pixel values (e.g. the (N, 3) pixels inside a face mask)."""
    mse = float(np.mean((np.asarray(predicted, np.float64) - np.asarray(target, np.float64)) ** 2))
    return float("inf") if mse == 0.0 else 10.0 * np.log10(peak * peak / mse)


def psnr(predicted: np.ndarray, target: np.ndarray) -> float:
    """PSNR (dB) of two uint8 images (or stacks of them)."""
    return masked_psnr(np.asarray(predicted, np.float64) / 255.0, np.asarray(target, np.float64) / 255.0)


def ssim(predicted: np.ndarray, target: np.ndarray) -> float:
    """Mean structural similarity of two uint8 RGB images (scikit-image, Gaussian-weighted as Wang et al. 2004)."""
    from skimage.metrics import structural_similarity

    return float(structural_similarity(predicted, target, channel_axis=-1, data_range=255, gaussian_weights=True,
                                       sigma=1.5, use_sample_covariance=False))
