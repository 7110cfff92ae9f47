"""PHADTF's blending: pose-matched background frames and the render composited onto them.

Background matching follows the original code's `choose_bg_gexinghua2_reassign2` (Audio/code/, called by
test_personalized.py with speed 1, the roll axis, at most N/10 keyframes):

1. the pose-angle track of the frames to generate is smoothed (`smooth`: `np.hanning(7)`, ends mirrored);
2. keyframes are the strict local extrema of the smoothed track along the chosen axes (the original: axis 2 only, the
   roll of its angle vector, which is ours too); while there are more than `max_fraction` × N of them, only the
   extrema among the extrema (neighbourhood of 2 on each side) are kept; of two keyframes closer than 3 frames the one
   with the smaller largest |angle| is dropped; the first and last frame are added;
3. the first frame's pose is matched (L1 over the three angles, unsmoothed) among all training frames; each later
   keyframe among those within ±speed × (frames since the previous keyframe) of the previous match, so the background
   video never has to run faster than `speed` × real time to get from one match to the next;
4. frame indices in between are interpolated linearly (rounded), so the background video moves smoothly.

Ours adds `pace: natural` for step 4: where two matches are closer than the output frames between them, linear
interpolation plays the training video in slow motion or holds one frame (a still face whose lips alone move, a blink
three times as long). Instead the background then moves one training frame per output frame, out past one of the two
matches and back (whichever way keeps its poses nearer the query track), so eyes, hair and head keep their own pace;
where the matches are farther apart than that, it runs faster, as linear does. `pace: linear` is PHADTF's.

Ours adds one optional bound (`head_speed_quantile`, off when None): the background may not cover more of the
training head's path between two keyframes than the person's own head covers in as many frames at that quantile of
its per-frame speed (both measured on the smoothed training track). `speed` lets the background run faster than the
training video; this keeps a faster run from turning the head faster than the person ever turned it.

Where this differs from the original, on purpose: the search window is symmetric (the original's slice
`[I − p, I + p)` leaves out I + p, an off-by-one of its own); the close-keyframe rule compares each keyframe with the
last one *kept* (the original compares with an entry it may already have overwritten by −1, which then indexes the
last frame); a track shorter than the window is smoothed too (the original refuses it: any audio ≥ 0.3 s must
work); an optional `window` caps the search half-width (None, the default, is the original's rule).

Compositing: the render's coverage mask, with interior holes filled (OpenCV's outer contours, as the paper's
bwboundaries), eroded a little and feathered with a Gaussian, blends the render's colour over the background crop.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from scipy.ndimage import convolve1d
from scipy.signal import argrelextrema

KEY_AXES = (2,)  # the original's default `aaxis=2`
MAX_KEY_FRACTION = 0.1  # its `thre = N/10.` for one axis (N/5 when it used all three)
MIN_KEY_GAP = 3  # keyframes closer than this are merged


def smooth_track(angles: np.ndarray, taps: int = 7) -> np.ndarray:
    """(T, D) track smoothed along time as the original's `smooth`: a normalized `np.hanning(taps)` window (its end
    taps are 0, so 7 taps weigh 5 frames), the signal mirrored at its ends; fewer than 3 taps leave it as it is."""
    x = np.asarray(angles, np.float64)
    if taps < 3 or len(x) < 2:
        return x.copy()
    window = np.hanning(taps)
    return convolve1d(x, window / window.sum(), axis=0, mode="mirror")


def _extrema(values: np.ndarray, order: int) -> np.ndarray:
    """Sorted positions of the strict local maxima and minima of a 1-D array (ends never count)."""
    if len(values) < 3:
        return np.zeros(0, np.int64)
    found = np.concatenate([argrelextrema(values, np.greater, order=order)[0],
                            argrelextrema(values, np.less, order=order)[0]])
    return np.sort(found)


def keyframes(smoothed: np.ndarray, raw: np.ndarray | None = None, axes: Sequence[int] = KEY_AXES,
              max_fraction: float = MAX_KEY_FRACTION) -> np.ndarray:
    """Sorted keyframe indices of a (T, 3) angle track: extrema of the `smoothed` track along `axes`, pruned to at
    most `max_fraction` × T, close pairs merged (the one whose `raw` pose is less extreme goes), first and last added."""
    smoothed = np.asarray(smoothed, np.float64)
    raw = smoothed if raw is None else np.asarray(raw, np.float64)
    t = len(smoothed)
    if t <= 2:
        return np.arange(t)
    ids = {k: _extrema(smoothed[:, k], 1) for k in axes}
    while sum(len(v) for v in ids.values()) > max_fraction * t:  # ends never count, so each pass removes some
        ids = {k: v[_extrema(smoothed[v, k], 2)] for k, v in ids.items()}
    kept: list[int] = []
    for key in np.unique(np.concatenate([np.zeros(0, np.int64), *ids.values()])):
        if kept and key - kept[-1] < MIN_KEY_GAP:
            if np.abs(raw[key]).max() > np.abs(raw[kept[-1]]).max():
                kept[-1] = int(key)
            continue
        kept.append(int(key))
    return np.unique(np.concatenate([[0], kept, [t - 1]])).astype(np.int64)


def head_path(candidates: np.ndarray, taps: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(N,) distance travelled by the smoothed training head up to each frame and (N − 1,) its per-frame speeds
    (Euclidean over the angles, in their own unit)."""
    steps = np.linalg.norm(np.diff(smooth_track(candidates, taps), axis=0), axis=1)
    return np.concatenate([[0.0], np.cumsum(steps)]), steps


def _steps(a: int, b: int) -> np.ndarray:
    """a, a ± 1, …, b (both included)."""
    return np.arange(a, b + 1) if b >= a else np.arange(a, b - 1, -1)


def _excursion(start: int, end: int, frames: int, turn: int) -> np.ndarray:
    """`frames` + 1 indices from `start` to `end` one step at a time by way of `turn`, with a single hold at the turn
    when the parity needs it."""
    path = np.concatenate([_steps(start, turn), _steps(turn, end)[1:]])
    if len(path) == frames:  # odd parity: hold the turning frame once
        at = abs(turn - start)
        path = np.concatenate([path[:at + 1], path[at:]])
    return path


def linear_pace(keys: np.ndarray, chosen: Sequence[int], n_candidates: int) -> np.ndarray:
    """Per-frame indices interpolated linearly (rounded) between the keyframes' matches: PHADTF's step 4."""
    indices = np.interp(np.arange(keys[-1] + 1), keys, chosen)  # keys run from the first frame (0) to the last
    return np.clip(np.round(indices), 0, n_candidates - 1).astype(np.int64)


def natural_pace(keys: np.ndarray, chosen: Sequence[int], query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Per-frame indices through the keyframes' matches at the training video's own pace where they are close (module
    docstring, `pace: natural`); linear where they are as far apart as the frames between them, or farther."""
    out = linear_pace(keys, chosen, len(candidates))
    for (t0, t1), (a, b) in zip(zip(keys[:-1], keys[1:]), zip(chosen[:-1], chosen[1:])):
        gap, distance = int(t1 - t0), abs(int(b) - int(a))
        spare = (gap - distance) // 2
        if spare <= 0:
            continue
        ahead = int(np.sign(b - a)) or 1
        paths = [_excursion(int(a), int(b), gap, int(turn))  # beyond the second match, or behind the first
                 for turn in (b + ahead * spare, a - ahead * spare)]
        paths = [p for p in paths if p.min() >= 0 and p.max() < len(candidates)]
        if paths:
            out[t0:t1 + 1] = min(paths, key=lambda p: np.abs(candidates[p] - query[t0:t1 + 1]).sum())
    return out


def match_backgrounds(query: np.ndarray, candidates: np.ndarray, window: int | None = None, taps: int = 7,
                      speed: float = 1.0, axes: Sequence[int] = KEY_AXES, max_fraction: float = MAX_KEY_FRACTION,
                      head_speed_quantile: float | None = None, pace: str = "linear") -> tuple[np.ndarray, np.ndarray]:
    """Per query frame, the index of a candidate (training) frame to use as background (see the module docstring).

    query (T, 3) and candidates (N, 3) are pose angles. `window`: None searches ±speed × (frames since the previous
    keyframe) around the previous match, as the original; a number also caps that half-width.
    `head_speed_quantile`: also bound the head path covered per output frame (module docstring); None: no bound.
    `pace`: `linear` (PHADTF) or `natural` in-between frames (module docstring).
    Returns (per-frame indices (T,), keyframe times)."""
    query = np.asarray(query, np.float64)
    candidates = np.asarray(candidates, np.float64)
    if len(query) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keys = keyframes(smooth_track(query, taps), query, axes, max_fraction)
    cost = np.abs(candidates - query[keys[0]]).sum(axis=1)
    chosen = [int(np.argmin(cost))]
    positions = np.arange(len(candidates))
    path, limit = np.zeros(len(candidates)), np.inf  # no bound: every candidate within the window may be chosen
    if head_speed_quantile is not None and len(candidates) > 1:
        path, steps = head_path(candidates, taps)
        limit = np.quantile(steps, head_speed_quantile)
    for before, key in zip(keys[:-1], keys[1:]):
        half = speed * (key - before)
        if window is not None:
            half = min(half, window)
        cost = np.abs(candidates - query[key]).sum(axis=1)
        cost[np.abs(positions - chosen[-1]) > half] = np.inf
        cost[np.abs(path - path[chosen[-1]]) > limit * (key - before)] = np.inf  # the previous match always stays
        chosen.append(int(np.argmin(cost)))
    if pace == "natural":
        return natural_pace(keys, chosen, query, candidates), keys
    return linear_pace(keys, chosen, len(candidates)), keys


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
