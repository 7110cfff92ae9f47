"""Which way up the face is in the picture, from the tracked eye corners.

MediaPipe finds faces lying on their side too, but everything after tracking (the crop, the renderer's camera, the
head-pose conventions, the GAN's training frames) assumes a face that is upright in the image. A clip whose *pixels* are
rotated (a phone video re-encoded without its display matrix) shows up here as an eye line near ±90° or 180°.
"""

from __future__ import annotations

import numpy as np

# outer eye corners of MediaPipe's 478-point mesh: the subject's right eye (image left) and left eye (image right)
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263


def eye_line_angles(landmarks: np.ndarray) -> np.ndarray:
    """Per frame, the angle (degrees, image y down, so positive = clockwise) of the line from the right to the left
    outer eye corner; 0 for an upright face, ±90 for one lying on its side, ±180 upside down; NaN without a face."""
    d = landmarks[:, LEFT_EYE_OUTER, :2] - landmarks[:, RIGHT_EYE_OUTER, :2]
    return np.degrees(np.arctan2(d[:, 1], d[:, 0]))


def median_roll_deg(landmarks: np.ndarray) -> float:
    """The typical in-plane angle of the face over a clip (circular median of `eye_line_angles`), NaN without faces."""
    angles = eye_line_angles(landmarks)
    angles = angles[np.isfinite(angles)]
    if not len(angles):
        return float("nan")
    mean = np.degrees(np.angle(np.mean(np.exp(1j * np.radians(angles)))))  # circular centre, then the median around it
    offsets = (angles - mean + 180.0) % 360.0 - 180.0
    return float((mean + np.median(offsets) + 180.0) % 360.0 - 180.0)
