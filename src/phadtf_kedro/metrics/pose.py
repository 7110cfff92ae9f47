"""Head-pose figures of a generated video against the real one: RMSE in degrees and HS, a head-pose similarity.

HS (our definition; the paper gives no formula): for each Euler angle (pitch, yaw, roll), histograms of the
generated and of the real track over the same bins (`bin_deg` wide, spanning both tracks), normalized to sum 1; their
histogram intersection Σ min(p, q) is 1 for identical distributions and 0 for disjoint ones. HS is the mean over the
three angles. It compares how the head moves overall (range and habits), not frame by frame — that is RMSE's job —
so a plausible head motion that is not the real one still scores high, and a frozen head scores low.
"""

from __future__ import annotations

import numpy as np


def pose_rmse_deg(predicted: np.ndarray, real: np.ndarray) -> float:
    """RMSE over frames and the three angles, degrees; inputs (T, ≥3) angles in radians."""
    diff = np.degrees(np.asarray(predicted, np.float64)[:, :3] - np.asarray(real, np.float64)[:, :3])
    return float(np.sqrt(np.mean(diff ** 2)))


def histogram_intersection(a: np.ndarray, b: np.ndarray, bin_width: float) -> float:
    """Σ min(p, q) of the normalized histograms of two 1-D samples over shared bins of `bin_width`."""
    lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
    edges = lo + bin_width * np.arange(int(np.floor((hi - lo) / bin_width)) + 2)
    p, _ = np.histogram(a, edges)
    q, _ = np.histogram(b, edges)
    return float(np.minimum(p / p.sum(), q / q.sum()).sum())


def head_pose_similarity(generated: np.ndarray, real: np.ndarray, bin_deg: float = 2.0) -> float:
    """HS in [0, 1] (see the module docstring); inputs (T, ≥3) angles in radians, lengths may differ."""
    gen, ref = np.degrees(np.asarray(generated, np.float64)[:, :3]), np.degrees(np.asarray(real, np.float64)[:, :3])
    return float(np.mean([histogram_intersection(gen[:, k], ref[:, k], bin_deg) for k in range(3)]))
