"""Head-pose figures of a generated video against the real one: RMSE in degrees and HS, a head-pose similarity.

HS (our definition; the paper gives no formula): for each Euler angle (pitch, yaw, roll), histograms of the
generated and of the real track over the same bins (`bin_deg` wide, spanning both tracks), normalized to sum 1; their
histogram intersection Σ min(p, q) is 1 for identical distributions and 0 for disjoint ones. HS is the mean over the
three angles. It compares how the head moves overall (range and habits), not frame by frame — that is RMSE's job —
so a plausible head motion that is not the real one still scores high, and a frozen head scores low.
"""

from __future__ import annotations

import numpy as np

from phadtf_kedro.metrics.motion import std_ratio


def pose_rmse_deg(predicted: np.ndarray, real: np.ndarray) -> float:
    """RMSE over frames and the three angles, degrees; inputs (T, ≥3) angles in radians."""
    diff = np.degrees(np.asarray(predicted, np.float64)[:, :3] - np.asarray(real, np.float64)[:, :3])
    return float(np.sqrt(np.nanmean(diff ** 2)))


def _finite_degrees(track: np.ndarray) -> np.ndarray:
    angles = np.degrees(np.asarray(track, np.float64)[:, :3])
    return angles[np.isfinite(angles).all(axis=1)]


def histogram_intersection(a: np.ndarray, b: np.ndarray, bin_width: float) -> float:
    """Σ min(p, q) of the normalized histograms of two 1-D samples over shared bins of `bin_width`."""
    lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
    edges = lo + bin_width * np.arange(int(np.floor((hi - lo) / bin_width)) + 2)
    p, _ = np.histogram(a, edges)
    q, _ = np.histogram(b, edges)
    return float(np.minimum(p / p.sum(), q / q.sum()).sum())


def head_pose_similarity(generated: np.ndarray, real: np.ndarray, bin_deg: float = 2.0) -> float:
    """HS in [0, 1] (see the module docstring); inputs (T, ≥3) angles in radians, lengths may differ; rows with a
    NaN (no face tracked) are left out. NaN when either track has no such row."""
    gen, ref = _finite_degrees(generated), _finite_degrees(real)
    if not len(gen) or not len(ref):
        return float("nan")
    return float(np.mean([histogram_intersection(gen[:, k], ref[:, k], bin_deg) for k in range(3)]))


def pose_std_ratio(generated: np.ndarray, real: np.ndarray) -> float:
    """Mean over pitch, yaw and roll of `std_ratio`; inputs (T, ≥3) angles."""
    return float(np.mean([std_ratio(generated[:, k], real[:, k]) for k in range(3)]))


def head_pose_velocity_similarity(generated: np.ndarray, real: np.ndarray, bin_deg: float = 0.1) -> float:
    """HS on frame-to-frame angle changes (°/frame) instead of angles: how the head *moves*, not where it points.
    A frozen head has all its changes in the bin at 0 and scores about the share of the real changes that fall
    there (≈ 0 when `bin_deg` is small next to the real speed)."""
    return head_pose_similarity(np.diff(generated[:, :3], axis=0), np.diff(real[:, :3], axis=0), bin_deg)
