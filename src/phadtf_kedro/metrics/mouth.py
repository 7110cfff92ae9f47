"""Mouth figures from tracked landmarks (MediaPipe's 478-point mesh): LMD and mouth opening.

LMD (landmark distance, as in Chen et al. 2018) is the mean distance between the lip landmarks tracked on a generated
frame and on the real frame. The generated face sits in another crop box than the real one, so the generated points
are first aligned to the real ones by the similarity transform (Umeyama) that best maps the rigid, mouth-free points
(eye corners, nose, brow, face contour) onto each other; only then are the lips compared.
"""

from __future__ import annotations

import numpy as np
from skimage.transform import SimilarityTransform

# MediaPipe FACEMESH_LIPS: outer and inner lip contours (40 points)
LIPS = np.array([61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
                 78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415])
# rigid points for alignment: eye corners, nose bridge and tip, brows, temples, forehead
RIGID = np.array([33, 133, 362, 263, 168, 6, 197, 195, 5, 4, 1, 70, 105, 107, 336, 334, 300, 10, 151, 234, 454])
# the same two sets on the 68 iBUG points of face-alignment's 2D-FAN (face/fan_landmarks.py), where papers report LMD
IBUG_LIPS = np.arange(48, 68)  # outer (48-59) and inner (60-67) lip contours
# rigid: the contour at the temples (0, 16), brows (17-26), nose bridge and base (27-35), eye corners; no jaw or chin
IBUG_RIGID = np.array([0, 16, *range(17, 36), 36, 39, 42, 45])
INNER_LIP = (13, 14)  # upper and lower inner lip, on the midline
EYE_CORNERS = (33, 263)


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Scale s, rotation R (2×2), translation t minimizing Σ‖s·R·src + t − dst‖² (Umeyama 1991, as scikit-image's
    `SimilarityTransform.from_estimate` solves it); all NaN when the points cannot fix a transform (e.g. all equal)."""
    tf = SimilarityTransform.from_estimate(src, dst)
    if not tf:
        return float("nan"), np.full((2, 2), np.nan), np.full(2, np.nan)
    scale = float(tf.scale)
    return scale, tf.params[:2, :2] / scale, tf.params[:2, 2].copy()


def landmark_distance(generated: np.ndarray, real: np.ndarray) -> np.ndarray:
    """Per frame LMD (pixels of the landmarks' scale) for (T, 478, ≥2) MediaPipe or (T, 68, ≥2) iBUG tracks; NaN
    where either frame has no face."""
    lips, rigid = (IBUG_LIPS, IBUG_RIGID) if generated.shape[1] == 68 else (LIPS, RIGID)
    out = np.full(len(generated), np.nan)
    for t, (g, r) in enumerate(zip(generated, real)):
        if not (np.isfinite(g[:, :2]).all() and np.isfinite(r[:, :2]).all()):
            continue
        s, rot, shift = similarity_transform(g[rigid, :2].astype(np.float64), r[rigid, :2].astype(np.float64))
        aligned = s * g[lips, :2] @ rot.T + shift
        out[t] = np.linalg.norm(aligned - r[lips, :2], axis=1).mean()
    return out


def mouth_opening(landmarks: np.ndarray) -> np.ndarray:
    """Inner-lip gap over the eye-corner distance, per frame (T,); NaN without a face."""
    gap = np.linalg.norm(landmarks[:, INNER_LIP[0], :2] - landmarks[:, INNER_LIP[1], :2], axis=1)
    eyes = np.linalg.norm(landmarks[:, EYE_CORNERS[0], :2] - landmarks[:, EYE_CORNERS[1], :2], axis=1)
    return gap / eyes
