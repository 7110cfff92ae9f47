"""Image fidelity figures: PSNR over a set of pixels (the face mask) and over whole images, SSIM, and the resampling
that brings frames of different sizes to the one size they are compared at."""

from __future__ import annotations

import cv2
import numpy as np
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity


def masked_psnr(predicted: np.ndarray, target: np.ndarray, peak: float = 1.0) -> float:
    """PSNR (dB) between two equally shaped sets of pixel values (e.g. the (N, 3) pixels inside a face mask), in
    float64 whatever their dtype; inf when they are identical (scikit-image's formula, its division by a zero MSE
    silenced)."""
    with np.errstate(divide="ignore"):
        return float(peak_signal_noise_ratio(np.asarray(target, np.float64), np.asarray(predicted, np.float64),
                                             data_range=peak))


def psnr(predicted: np.ndarray, target: np.ndarray) -> float:
    """PSNR (dB) of two uint8 images (or stacks of them)."""
    return masked_psnr(predicted, target, peak=255.0)


def ssim(predicted: np.ndarray, target: np.ndarray) -> float:
    """Mean structural similarity of two uint8 RGB images (scikit-image, Gaussian-weighted as Wang et al. 2004)."""
    return float(structural_similarity(predicted, target, channel_axis=-1, data_range=255, gaussian_weights=True,
                                       sigma=1.5, use_sample_covariance=False))


def mean_ssim(predicted: np.ndarray, target: np.ndarray) -> float:
    """SSIM averaged over two equally long stacks of uint8 RGB frames."""
    return float(np.mean([ssim(a, b) for a, b in zip(predicted, target)]))


def at_size(images: np.ndarray, size: int) -> np.ndarray:
    """(N, H, W, C) uint8 frames resampled to (N, size, size, C) with area averaging (a no-op at that size)."""
    images = np.asarray(images)
    if images.shape[1:3] == (size, size):
        return images
    if len(images) == 0:
        return np.zeros((0, size, size, *images.shape[3:]), images.dtype)
    return np.stack([cv2.resize(im, (size, size), interpolation=cv2.INTER_AREA) for im in images])


def frame_mses(predicted: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Each frame's MSE for two equally long stacks of uint8 frames, taken frame by frame (scikit-image's), so no
    float copy of a whole stack is ever made."""
    return np.array([mean_squared_error(b, a) for a, b in zip(predicted, target)], np.float64)


def frame_psnrs(predicted: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """(pooled, per-frame) PSNR (dB) of two equally long stacks of uint8 frames: pooled takes the MSE over all
    frames at once; per-frame averages each frame's PSNR (as papers report it; identical frames, of infinite PSNR, are
    left out)."""
    mse = frame_mses(predicted, target)
    with np.errstate(divide="ignore"):
        pooled = 10.0 * np.log10(255.0 ** 2 / mse.mean()) if len(mse) else float("nan")
        per_frame = 10.0 * np.log10(255.0 ** 2 / mse[mse > 0])
    return float(pooled), float(per_frame.mean()) if len(per_frame) else float("inf")


def laplacian_variance(image: np.ndarray, mask: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image inside `mask` (a focus measure, Pech-Pacheco et al. 2000): blur
    lowers it. NaN when the mask is empty."""
    grey = cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY).astype(np.float64)
    response = cv2.Laplacian(grey, cv2.CV_64F, ksize=1)[mask]
    return float(response.var()) if response.size else float("nan")
