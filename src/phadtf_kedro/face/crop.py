"""Temporally stable square face crops and their transforms.

The box comes from the tracked landmarks (centre of their bounding box, side = `margin` × its larger extent), gaps are
interpolated, then centre and side are smoothed over time (Gaussian, the side much more than the centre) so the crop
follows the head without shaking. Each crop stores the box it was cut from; `crop_affine` maps full-frame pixels to crop
pixels, so later stages can paste results back with its inverse.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d


def fill_gaps(values: np.ndarray) -> np.ndarray:
    """Linearly interpolate NaN rows of a (T, D) track from the valid ones (edges hold the nearest value)."""
    out = values.astype(np.float64).copy()
    valid = ~np.isnan(out).any(axis=1)
    if not valid.any():
        raise ValueError("no valid rows to interpolate from")
    t = np.arange(len(out))
    for d in range(out.shape[1]):
        out[:, d] = np.interp(t, t[valid], out[valid, d])
    return out


def stable_boxes(landmarks: np.ndarray, margin: float = 1.8, sigma_center: float = 2.0,
                 sigma_size: float = 12.0) -> np.ndarray:
    """Square boxes (T, 3) = (x0, y0, side) in full-frame pixels, from (T, N, ≥2) landmarks (NaN where untracked)."""
    xy = landmarks[..., :2]
    valid = ~np.isnan(xy).any(axis=(1, 2))
    lo, hi = np.full((len(xy), 2), np.nan), np.full((len(xy), 2), np.nan)
    lo[valid], hi[valid] = xy[valid].min(axis=1), xy[valid].max(axis=1)
    center = fill_gaps((lo + hi) / 2.0)
    side = fill_gaps((np.max(hi - lo, axis=1) * margin)[:, None])[:, 0]
    if len(center) > 1:
        center = gaussian_filter1d(center, sigma_center, axis=0, mode="nearest")
        side = gaussian_filter1d(side, sigma_size, mode="nearest")
    return np.column_stack([center - side[:, None] / 2.0, side]).astype(np.float64)


def integer_box(box: np.ndarray) -> tuple[int, int, int]:
    """The pixel-aligned box actually cut: rounded corner and side."""
    x0, y0, side = box
    return int(round(x0)), int(round(y0)), max(int(round(side)), 1)


def crop_affine(box: tuple[int, int, int], size: int) -> np.ndarray:
    """2×3 matrix mapping full-frame pixel coordinates to crop pixel coordinates for a cut box."""
    x0, y0, side = box
    s = size / float(side)
    return np.array([[s, 0.0, -x0 * s], [0.0, s, -y0 * s]], np.float64)


def cut_crop(frame: np.ndarray, box: tuple[int, int, int], size: int) -> np.ndarray:
    """Cut the square box (replicating edge pixels where it leaves the frame) and resize it to size×size (area filter)."""
    x0, y0, side = box
    h, w = frame.shape[:2]
    pad_l, pad_t = max(0, -x0), max(0, -y0)
    pad_r, pad_b = max(0, x0 + side - w), max(0, y0 + side - h)
    region = frame[max(0, y0):min(h, y0 + side), max(0, x0):min(w, x0 + side)]
    if pad_l or pad_t or pad_r or pad_b:
        region = cv2.copyMakeBorder(region, pad_t, pad_b, pad_l, pad_r, cv2.BORDER_REPLICATE)
    interp = cv2.INTER_AREA if side > size else cv2.INTER_CUBIC
    return cv2.resize(region, (size, size), interpolation=interp)


def to_crop_coords(points: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """Map (N, ≥2) full-frame points (z scaled alike) into crop pixels with a 2×3 similarity `affine`."""
    out = points.astype(np.float32).copy()
    out[:, :2] = points[:, :2] @ affine[:, :2].T + affine[:, 2]
    if points.shape[1] > 2:
        out[:, 2] = points[:, 2] * affine[0, 0]
    return out


def cut_crops(frames: Iterable[np.ndarray], boxes: list[tuple[int, int, int]], size: int, threads: int = 2,
              batch: int = 32) -> tuple[np.ndarray, int]:
    """Cut every frame's box into a (T, size, size, 3) array; returns it with the number of frames seen.

    OpenCV releases the GIL, so a few threads resize while the next frames arrive from the decoder; frames are taken
    in small batches to keep memory flat.
    """
    crops = np.empty((len(boxes), size, size, 3), np.uint8)
    count = 0

    def cut(item):
        t, frame = item
        crops[t] = cut_crop(frame, boxes[t], size)

    with ThreadPoolExecutor(max(1, threads)) as pool:
        pending: list = []
        for t, frame in enumerate(frames):
            count += 1
            if t < len(boxes):
                pending.append((t, frame))
            if len(pending) == batch:
                list(pool.map(cut, pending))
                pending = []
        list(pool.map(cut, pending))
    return crops, count
