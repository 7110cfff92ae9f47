"""PHADTF's blending: pose-matched background frames and the render composited onto them.

Background matching (after the paper's bg_select): the head-pose angle track of the frames to generate is smoothed
with a 7-tap Hanning window; frames where any smoothed angle has a local extremum (plus the first and last) are
keyframes; each keyframe gets the training frame whose angles are nearest in L1 (optionally only within `window`
frames of the previous keyframe's match, so the background does not jump); frame indices in between are interpolated
linearly, so the background video moves smoothly between matches.

Compositing: the render's coverage mask, with interior holes filled (OpenCV's outer contours, as the paper's
bwboundaries), eroded a little and feathered with a Gaussian, blends the render's colour over the background crop.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.ndimage import convolve1d


def smooth_track(angles: np.ndarray, taps: int = 7) -> np.ndarray:
    """(T, D) track smoothed along time with a normalized Hanning window (edges repeat the end values)."""
    window = np.hanning(taps + 2)[1:-1]
    return convolve1d(np.asarray(angles, np.float64), window / window.sum(), axis=0, mode="nearest")


def keyframes(smoothed: np.ndarray) -> np.ndarray:
    """Sorted frame indices where any column has a local extremum, plus the first and last frame."""
    t = len(smoothed)
    if t <= 2:
        return np.arange(t)
    x, before, after = smoothed[1:-1], smoothed[:-2], smoothed[2:]
    peak = (x >= before) & (x > after) | (x <= before) & (x < after)  # a plateau counts once, at its end
    return np.unique(np.concatenate([[0], np.flatnonzero(peak.any(axis=1)) + 1, [t - 1]]))


def match_backgrounds(query: np.ndarray, candidates: np.ndarray, window: int | None = None,
                      taps: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Per query frame, the index of a candidate (training) frame to use as background.

    query (T, 3) and candidates (N, 3) are pose angles. Returns (per-frame indices (T,), keyframe times)."""
    if len(query) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = keyframes(smooth_track(query, taps))
    smooth = smooth_track(query, taps)
    chosen, previous = [], None
    for t in keys:
        cost = np.abs(candidates - smooth[t]).sum(axis=1)
        if window is not None and previous is not None:
            far = np.abs(np.arange(len(candidates)) - previous) > window
            cost = np.where(far, np.inf, cost)
        previous = int(np.argmin(cost))
        chosen.append(previous)
    indices = np.interp(np.arange(len(query)), keys, chosen)
    return np.clip(np.round(indices), 0, len(candidates) - 1).astype(np.int64), keys


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """A binary mask with everything inside its outer contours filled."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled.astype(bool)


def composite(rgba: np.ndarray, background: np.ndarray, erode_px: int = 2, feather_sigma: float = 2.0) -> np.ndarray:
    """Render (S, S, 4) uint8 premultiplied by coverage over a background crop (S, S, 3) uint8 → uint8 blend."""
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    color = rgba[..., :3].astype(np.float32) / np.maximum(alpha, 1e-3)[..., None]
    mask = fill_holes(alpha >= 0.5).astype(np.uint8)
    if erode_px:
        mask = cv2.erode(mask, np.ones((2 * erode_px + 1,) * 2, np.uint8))
    soft = mask.astype(np.float32)
    if feather_sigma > 0:
        soft = cv2.GaussianBlur(soft, (0, 0), feather_sigma) * mask  # fade inward only: no render colour outside
    soft *= alpha > 0  # filled holes keep the background (the render has no colour there)
    out = soft[..., None] * color + (1.0 - soft[..., None]) * background.astype(np.float32)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
