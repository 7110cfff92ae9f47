"""Stability figures for tracks: how much a point moves frame to frame beyond its smooth motion."""

from __future__ import annotations

import numpy as np


def jitter(track: np.ndarray) -> float:
    """Mean second-difference magnitude |x[t-1] − 2x[t] + x[t+1]| / 2 of a (T, ..., D) track, NaN frames ignored.

    Uniform motion gives 0, so what remains is frame-to-frame noise (tracker jitter), in the track's own units.
    """
    if len(track) < 3:
        return 0.0
    second = (track[:-2] - 2.0 * track[1:-1] + track[2:]) / 2.0
    mag = np.linalg.norm(second, axis=-1)
    return float(np.nanmean(mag))
