"""What each generated frame shows: its 85 coefficients and the training frame whose background it sits on.

Expression comes from ATCNet; the head pose from ATCNet or the person's own track (`face.pose.choose_poses`); the
background is matched to that pose's angles among the training frames (`face.blend.match_backgrounds`). The render
then takes the matched frame's head *position* (translation) and lighting: the face must sit on the head that is in
the background frame, lit like that room; a translation of its own would float the face beside that head.
"""

from __future__ import annotations

import numpy as np

from phadtf_kedro.face.blend import match_backgrounds
from phadtf_kedro.face.model import LIGHT, POSE, TRANSLATION, check_coefficients, pack
from phadtf_kedro.face.pose import choose_poses


def training_frames(face_coefficients: dict[str, np.ndarray]) -> np.ndarray:
    """Indices of the tracked training frames: the only frames backgrounds and replayed poses come from."""
    return np.flatnonzero(face_coefficients["train"] & face_coefficients["valid"])


def plan_frames(expression: np.ndarray, poses: np.ndarray, face_coefficients: dict[str, np.ndarray],
                window: int | None, taps: int) -> dict[str, np.ndarray]:
    """Coefficients (T, 85) and background frame index (T,) for given expression (T, 52) and pose (T, 6) tracks."""
    coeffs = check_coefficients(face_coefficients["coefficients"], "face_coefficients")
    train = training_frames(face_coefficients)
    index, keys = match_backgrounds(poses[:, :3], coeffs[train][:, POSE][:, :3], window, taps)
    background = train[index]
    on_head = np.array(poses, np.float64, copy=True)
    on_head[:, 3:6] = coeffs[background][:, TRANSLATION]
    planned = pack(np.clip(expression, 0.0, 1.0), on_head, coeffs[background][:, LIGHT]).astype(np.float32)
    return {"coefficients": planned, "background": background.astype(np.int32), "keyframes": keys.astype(np.int32)}


def plan_from_prediction(predicted: np.ndarray, face_coefficients: dict[str, np.ndarray], pose_source: str,
                         pose_amplitude: float, window: int | None, taps: int) -> dict[str, np.ndarray]:
    """PHADTF's test time: ATCNet's (T, 58) expression | pose, the pose optionally replaced or damped."""
    coeffs = face_coefficients["coefficients"]
    train = training_frames(face_coefficients)
    reference = coeffs[train][:, POSE]
    poses = choose_poses(predicted[:, 52:58], reference, pose_source, pose_amplitude, reference.mean(axis=0))
    return plan_frames(predicted[:, :52], poses, face_coefficients, window, taps)
